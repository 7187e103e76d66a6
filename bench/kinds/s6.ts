/**
 * @module bench/kinds/s6
 * s6: one `s6-supervise` per service under `s6-svscan`, a service directory with a `run` script
 * each.
 */
import { mkdirSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { asPid1, binary, debianVersion, type Kind, type Missing, runScript, writeFile } from "./types.ts";

/** s6-svscan keeps at most this many services unless given -c. */
const DEFAULT_MAX = 500;

/** s6-svscan and s6-svstat from $S6_BIN_DIR or PATH. */
export function findS6(): Kind | Missing {
  const svscan = binary("S6_BIN_DIR", "s6-svscan");
  const svstat = binary("S6_BIN_DIR", "s6-svstat");
  if (!svscan || !svstat) return { name: "s6", missing: "s6-svscan/s6-svstat not found: apt-get install s6, or set S6_BIN_DIR" };
  const argv = (dir: string) => {
    const n = readdirSync(join(dir, "scan")).length;
    return [svscan, ...(n > DEFAULT_MAX - 100 ? ["-c", String(n + 100)] : []), join(dir, "scan")];
  };
  const env = (): Record<string, string> => {
    // s6-svscan runs s6-supervise from PATH
    const dir = process.env.S6_BIN_DIR;
    return dir ? { PATH: `${dir}:${process.env.PATH ?? ""}` } : {};
  };
  return {
    name: "s6",
    version: debianVersion("s6"),
    statusTool: "`s6-svstat -o up`, once per service (s6 has no bulk status)",
    restartSetting: "fixed: s6-supervise waits 1 s before restarting a service that ran under 1 s",
    write(dir, services) {
      for (const s of services) {
        mkdirSync(join(dir, "scan", s.name), { recursive: true });
        writeFile(join(dir, "scan", s.name, "run"), runScript(s.argv), 0o755);
      }
      mkdirSync(join(dir, "scan"), { recursive: true });
    },
    argv,
    pid1Argv: (dir) => asPid1(argv(dir)),
    env,
    countUp(dir, names) {
      const dirs = names.map((n) => `${join(dir, "scan", n)}\n`).join("");
      const r = Bun.spawnSync(["xargs", "-n", "1", svstat, "-o", "up"], { stdin: Buffer.from(dirs), stdout: "pipe", stderr: "ignore", env: { ...process.env, ...env() } });
      return r.stdout.toString().split("\n").filter((w) => w === "true").length;
    },
  };
}
