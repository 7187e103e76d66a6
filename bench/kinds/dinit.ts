/**
 * @module bench/kinds/dinit
 * dinit, the yardstick: every ratio in the results is against dinit measured in the same run.
 * Runs as a user instance; as PID 1 in container mode (`-o`).
 */
import { join } from "node:path";
import { writeDinitServices } from "./dinit-format.ts";
import { asPid1, binary, type Kind, type Missing, output } from "./types.ts";

/** dinit and dinitctl from $DINIT_BIN_DIR or PATH. */
export function findDinit(): Kind | Missing {
  const dinit = binary("DINIT_BIN_DIR", "dinit");
  const ctl = binary("DINIT_BIN_DIR", "dinitctl");
  if (!dinit || !ctl) return { name: "dinit", missing: "dinit/dinitctl not found: build dinit from source and set DINIT_BIN_DIR, or put both on PATH" };
  const args = (dir: string) => ["-d", join(dir, "sd"), "-p", join(dir, "sock"), "-q"];
  return {
    name: "dinit",
    version: /version (\S+?)\.?$/m.exec(output([dinit, "--version"]))?.[1] ?? "?",
    statusTool: "`dinitctl list`",
    restartSetting: "restart-delay = 0, restart-limit-count = 0",
    write: (dir, services) => writeDinitServices(join(dir, "sd"), services),
    argv: (dir) => [dinit, "-u", ...args(dir)],
    pid1Argv: (dir) => asPid1([dinit, "-o", ...args(dir)]),
    env: () => ({}),
    countUp(dir, names) {
      // "[{+}     ] s12 (pid: 345)": a "+" in the first three columns means started
      const want = new Set(names);
      let up = 0;
      for (const line of output([ctl, "-p", join(dir, "sock"), "list"]).split("\n")) {
        const m = /^\[(.{8})\] (\S+)/.exec(line);
        if (m && want.has(m[2]!) && m[1]!.slice(0, 3).includes("+")) up++;
      }
      return up;
    },
  };
}
