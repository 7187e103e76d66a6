/**
 * @module bench/study/cli-start
 * Where a compiled `bosun list` spends its start-up, against a daemon with 100 services:
 * compiled programs that each add one thing a client command does (how it prints, node:util's
 * parseArgs, valibot and the control schemas, one fetch over the socket) beside bosun's own
 * commands, all in interleaved rounds; then, from the bundle's metafile, which modules
 * `bosun list` loads.
 *
 *   bun bench/study/cli-start.ts [--runs 30] [--n 100]
 */
import { closeSync, openSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { ensureCompiled } from "../build.ts";
import { COMPILED, ROOT } from "../kinds/bosun.ts";
import { writeDinitServices } from "../kinds/dinit-format.ts";
import { until } from "../own/cli.ts";
import { becomeSubreaper, killTree, ownedByBun, peakRss, timed } from "../proc.ts";
import { quantile } from "../stats.ts";
import { compileSource, workspace } from "./memory.ts";

const { values } = parseArgs({ options: { runs: { type: "string", default: "30" }, n: { type: "string", default: "100" } } });
const runs = Number(values.runs);
const n = Number(values.n);
const problem = ensureCompiled();
if (problem) throw new Error(problem);
becomeSubreaper();
using ws = workspace();

const schemas = JSON.stringify(join(ROOT, "src", "control", "schemas.ts"));
const programs: [string, string][] = [
  ["console.log one line", `console.log("hello");`],
  ["process.stdout.write one line", `process.stdout.write("hello\\n");`],
  ["Bun.write(Bun.stdout) one line", `await Bun.write(Bun.stdout, "hello\\n");`],
  ["+ node:fs lstatSync", `import { lstatSync } from "node:fs";\nlstatSync("/tmp");\nconsole.log("hello");`],
  ["+ node:os homedir, node:path join", `import { homedir } from "node:os";\nimport { join } from "node:path";\nconsole.log(join(homedir(), "x"));`],
  ["+ node:util parseArgs", `import { parseArgs } from "node:util";\nparseArgs({ args: ["--json"], options: { json: { type: "boolean" } } });\nconsole.log("hello");`],
  ["+ valibot and bosun's control schemas", `import * as v from "valibot";\nimport { ServiceList } from ${schemas};\nconsole.log(v.safeParse(ServiceList, []).success);`],
  ["fetch GET /v1/services, print it", `const r = await fetch("http://bosun/v1/services", { unix: process.env.BOSUN_SOCKET! });\nconsole.log(await r.text());`],
  ["fetch, valibot-check the list, print a table", `import * as v from "valibot";\nimport { ServiceList } from ${schemas};\nconst r = await fetch("http://bosun/v1/services", { unix: process.env.BOSUN_SOCKET! });\nconst list = v.parse(ServiceList, await r.json());\nconsole.log(list.map((s) => s.name + " " + s.state).join("\\n"));`],
];
const commands: [string, string[]][] = programs.map(([label, body], i) => [label, [compileSource(ws, `p${i}`, `${body}\nexport {};\n`)]]);
commands.push(["bosun --help", [COMPILED, "--help"]], ["bosun list", [COMPILED, "list"]], ["bosun list --json", [COMPILED, "list", "--json"]], ["bosun status s1", [COMPILED, "status", "s1"]], ["bosun is-started s1", [COMPILED, "is-started", "s1"]]);

const sd = join(ws.bin, "sd");
writeDinitServices(sd, Array.from({ length: n }, (_, i) => ({ name: `s${i}`, argv: [Bun.which("sleep")!, "1000"] })));
const socket = join(ws.bin, "bosun.sock");
const out = openSync(join(ws.bin, "daemon.out"), "w");
const daemon = Bun.spawn([COMPILED, "boot", "-d", sd, "-p", socket], { stdio: ["ignore", out, out], detached: true });
ownedByBun(daemon.pid);
try {
  await until(`${n} services started`, async () => {
    try {
      const list = (await (await fetch("http://bosun/v1/services", { unix: socket })).json()) as { state: string }[];
      return list.filter((s) => s.state === "started").length === n + 1;
    } catch {
      return false;
    }
  }, 120_000);
  const wall = new Map<string, number[]>(commands.map(([l]) => [l, []]));
  const cpu = new Map<string, number[]>(commands.map(([l]) => [l, []]));
  const peak = new Map<string, number[]>(commands.map(([l]) => [l, []]));
  for (const [label, argv] of commands) for (let i = 0; i < 3; i++) {
    const p = peakRss(argv, { BOSUN_SOCKET: socket });
    if (p !== null) peak.get(label)!.push(p);
  }
  for (let round = 0; round < runs + 2; round++) {
    for (const [label, argv] of commands) {
      const t = timed(argv, { BOSUN_SOCKET: socket });
      if (round < 2) continue;
      wall.get(label)!.push(t.wall);
      cpu.get(label)!.push(t.cpu);
    }
  }
  const base = quantile(wall.get("console.log one line")!, 0.5);
  console.log(`compiled like dist/bosun; daemon with ${n} services; ${runs} interleaved rounds; median wall (p10–p90), median CPU, median peak RSS (GNU time)`);
  for (const [label] of commands) {
    const w = wall.get(label)!;
    const m = quantile(w, 0.5);
    console.log(`  ${label.padEnd(46)} ${m.toFixed(1).padStart(5)} ms (${quantile(w, 0.1).toFixed(1)}–${quantile(w, 0.9).toFixed(1)})  ${(m - base >= 0 ? "+" : "") + (m - base).toFixed(1)} ms   CPU ${quantile(cpu.get(label)!, 0.5).toFixed(1)} ms   peak ${peak.get(label)!.length ? quantile(peak.get(label)!, 0.5).toFixed(1) : "?"} MiB`);
  }
} finally {
  await killTree(daemon.pid);
  closeSync(out);
}

// which modules `list` loads: main's chunk, then the control command's chunk and everything they import statically
const metaDir = join(ws.bin, "meta");
const build = Bun.spawnSync([process.execPath, "build", join(ROOT, "src", "main.ts"), "--splitting", "--format=esm", "--target=bun", `--outdir=${metaDir}`, `--metafile=${join(metaDir, "meta.json")}`], { cwd: ROOT, stdout: "ignore", stderr: "pipe" });
if (build.exitCode !== 0) throw new Error(`bun build --metafile failed: ${build.stderr}`);
type Output = { bytes: number; entryPoint?: string; imports: { path: string; kind: string }[]; inputs: Record<string, { bytesInOutput: number }> };
const meta = JSON.parse(readFileSync(join(metaDir, "meta.json"), "utf8")) as { outputs: Record<string, Output> };
const byName = (p: string) => meta.outputs[p.startsWith("./") ? p : `./${p}`];
const loaded = new Set<string>();
const visit = (p: string) => {
  const key = p.startsWith("./") ? p : `./${p}`;
  if (loaded.has(key) || !byName(key)) return;
  loaded.add(key);
  for (const i of byName(key)!.imports) if (i.kind === "import-statement") visit(i.path);
};
const main = Object.keys(meta.outputs).find((k) => meta.outputs[k]!.entryPoint === "src/main.ts")!;
visit(main);
const control = Object.keys(meta.outputs).find((k) => meta.outputs[k]!.entryPoint === "src/cli/control.ts")!;
visit(control);
const inputs = [...loaded].flatMap((k) => Object.entries(meta.outputs[k]!.inputs)).sort((a, b) => b[1].bytesInOutput - a[1].bytesInOutput);
console.log(`\n\`bosun list\` loads ${loaded.size} chunks, ${(inputs.reduce((a, [, v]) => a + v.bytesInOutput, 0) / 1024).toFixed(0)} KiB of JavaScript from ${inputs.length} modules:`);
for (const [path, v] of inputs) console.log(`  ${(v.bytesInOutput / 1024).toFixed(1).padStart(6)} KiB  ${path}`);
