/**
 * @module bench/kinds/runit
 * runit: `runsvdir -P` starts one `runsv` per service directory (a `run` script each).
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { asPid1, binary, debianVersion, type Kind, type Missing, output, runScript, writeFile } from "./types.ts";

/** runsvdir and sv from $RUNIT_BIN_DIR or PATH. */
export function findRunit(): Kind | Missing {
  const runsvdir = binary("RUNIT_BIN_DIR", "runsvdir");
  const sv = binary("RUNIT_BIN_DIR", "sv");
  if (!runsvdir || !sv) return { name: "runit", missing: "runsvdir/sv not found: apt-get install runit, or set RUNIT_BIN_DIR" };
  const env = (): Record<string, string> => {
    // runsvdir runs runsv from PATH
    const dir = process.env.RUNIT_BIN_DIR;
    return dir ? { PATH: `${dir}:${process.env.PATH ?? ""}` } : {};
  };
  const argv = (dir: string) => [runsvdir, "-P", join(dir, "sv")];
  return {
    name: "runit",
    version: debianVersion("runit"),
    statusTool: "`sv status` (every service in one call)",
    restartSetting: "fixed: runsv waits 1 s before restarting a service that ran under 1 s",
    write(dir, services) {
      mkdirSync(join(dir, "sv"), { recursive: true });
      for (const s of services) {
        mkdirSync(join(dir, "sv", s.name));
        writeFile(join(dir, "sv", s.name, "run"), runScript(s.argv), 0o755);
      }
    },
    argv,
    pid1Argv: (dir) => asPid1(argv(dir)),
    env,
    countUp(dir, names) {
      const text = output([sv, "status", ...names.map((n) => join(dir, "sv", n))], env());
      return text.split("\n").filter((line) => line.startsWith("run: ")).length;
    },
  };
}
