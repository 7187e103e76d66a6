/**
 * @module bench/build
 * The compiled binary the bench measures: dist/bosun, built with the project's own `build`
 * script when it is missing or older than anything it is built from.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { COMPILED, ROOT } from "./kinds/bosun.ts";

/** The newest modification time among the sources, package files and build settings. */
function newestSource(): number {
  let newest = 0;
  const note = (path: string) => (newest = Math.max(newest, statSync(path, { throwIfNoEntry: false })?.mtimeMs ?? 0));
  for (const entry of readdirSync(join(ROOT, "src"), { recursive: true }) as string[]) note(join(ROOT, "src", entry));
  for (const file of ["package.json", "package-lock.json", "bunfig.toml", "tsconfig.json"]) note(join(ROOT, file));
  return newest;
}

/**
 * Builds dist/bosun when needed. Returns null when it is fresh (or was built), else why it could
 * not be built (the build's own last lines).
 *
 * @example
 * const problem = ensureCompiled(); // null, or "bun run build failed: ..."
 */
export function ensureCompiled(): string | null {
  const built = statSync(COMPILED, { throwIfNoEntry: false })?.mtimeMs;
  if (built !== undefined && built >= newestSource()) return null;
  console.error(`bench: ${built === undefined ? "dist/bosun is missing" : "dist/bosun is older than the sources"}; running bun run build`);
  const r = Bun.spawnSync([process.execPath, "run", "build"], { cwd: ROOT, stdout: "pipe", stderr: "pipe" });
  if (r.exitCode === 0) return null;
  const text = `${r.stdout}${r.stderr}`.trim().split("\n").slice(-3).join(" / ");
  return `bun run build failed (exit ${r.exitCode}): ${text}`;
}

/**
 * Compiles `entry` to `outfile` with exactly the flags of the project's `build` script (plus
 * `extra`), so a probe program is built the way dist/bosun is. Throws with the compiler's
 * message on failure.
 *
 * @example
 * compileLike("bench/own/floor-probe.ts", "/tmp/probe");
 */
export function compileLike(entry: string, outfile: string, extra: string[] = []): void {
  const script = (JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { scripts: { build: string } }).scripts.build;
  const words = script.split(/\s+/).filter(Boolean);
  // "bun build src/main.ts ... --outfile dist/bosun": the same flags, another entry and output
  const argv = words.map((w, i) => (i === 0 ? process.execPath : words[i - 1] === "--outfile" ? outfile : w.endsWith(".ts") ? entry : w));
  const r = Bun.spawnSync([...argv, ...extra], { cwd: ROOT, stdout: "pipe", stderr: "pipe" });
  if (r.exitCode !== 0) throw new Error(`compiling ${entry} failed: ${r.stderr.toString().trim().split("\n").at(-1)}`);
}
