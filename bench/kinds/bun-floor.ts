/**
 * @module bench/kinds/bun-floor
 * Not a peer but a reference: the least a supervisor written on Bun does (bench/own/
 * floor-probe.ts, compiled like dist/bosun): spawn each service detached with its output piped
 * and read, restart it at once, send TERM on shutdown and wait. Measured in the same run, it
 * shows which part of bosun's figures Bun itself sets.
 */
import { join } from "node:path";
import { compileLike } from "../build.ts";
import { asPid1, type Kind, type Missing, writeFile } from "./types.ts";

/** Compiles the probe into `dir`; missing (with the compiler's message) if that fails. */
export function findBunFloor(dir: string): Kind | Missing {
  const probe = join(dir, "floor-probe");
  try {
    compileLike(join(import.meta.dir, "..", "own", "floor-probe.ts"), probe);
  } catch (e) {
    return { name: "bun-floor", missing: (e as Error).message };
  }
  const argv = (d: string) => [probe, "supervise", join(d, "services.json")];
  return {
    name: "bun-floor",
    version: `Bun ${Bun.version}, compiled probe`,
    statusTool: "none (a probe has no status tool)",
    restartSetting: "restarted as soon as its exit is seen",
    write: (d, services) => writeFile(join(d, "services.json"), JSON.stringify(services.map((s) => ({ argv: s.argv, restart: s.fastRestart ?? false })))),
    argv,
    pid1Argv: (d) => asPid1(argv(d)),
    env: () => ({}),
    countUp: null,
  };
}
