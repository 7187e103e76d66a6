/**
 * @module bench/kinds/bosun
 * bosun itself, twice: the compiled binary (`bun run build` -> dist/bosun) and from source
 * (`bun src/main.ts`). Both read exactly the files dinit reads.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { writeDinitServices } from "./dinit-format.ts";
import { asPid1, type Kind, type Missing, output } from "./types.ts";

/** The checkout the bench belongs to. */
export const ROOT = join(import.meta.dir, "..", "..");
/** Where `bun run build` puts the compiled binary. */
export const COMPILED = join(ROOT, "dist", "bosun");

function packageVersion(): string {
  try {
    return (JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { version?: string }).version ?? "?";
  } catch {
    return "?";
  }
}

/** One way of running bosun: `command` is the argv before bosun's own arguments. */
export function bosunKind(name: string, command: string[], how: string): Kind {
  const args = (dir: string) => ["-d", join(dir, "sd"), "-p", join(dir, "sock")];
  return {
    name,
    version: `${packageVersion()}, ${how}`,
    statusTool: "`bosun list --json`",
    restartSetting: "the same files as dinit",
    write: (dir, services) => writeDinitServices(join(dir, "sd"), services),
    argv: (dir) => [...command, "boot", ...args(dir)],
    pid1Argv: (dir) => asPid1([...command, "boot", ...args(dir)]),
    env: () => ({}),
    countUp(dir, names) {
      const text = output([...command, "list", "--json", "-p", join(dir, "sock")]);
      let items: unknown;
      try {
        items = JSON.parse(text.slice(Math.max(0, text.indexOf("["))));
      } catch {
        return 0;
      }
      if (!Array.isArray(items)) return 0;
      const want = new Set(names);
      return items.filter((it: { name?: string; state?: string }) => want.has(it?.name ?? "") && it?.state === "started").length;
    },
  };
}

/** The compiled binary (the bench builds it first when it is missing or older than the sources). */
export function findCompiledBosun(): Kind | Missing {
  if (!existsSync(COMPILED)) return { name: "bosun", missing: `${COMPILED} is missing and could not be built (see the build output above)` };
  return bosunKind("bosun", [COMPILED], "compiled");
}

/**
 * From source, with `bun` (a private copy of the bench's own Bun, so that its memory figures
 * are not lowered by sharing the executable's pages with the bench).
 */
export function findSourceBosun(bun: string): Kind | Missing {
  return bosunKind("bosun-src", [bun, join(ROOT, "src", "main.ts")], `from source, bun ${Bun.version}`);
}
