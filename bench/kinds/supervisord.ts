/**
 * @module bench/kinds/supervisord
 * supervisord (Python), one `[program:NAME]` per service. `startsecs=0` makes RUNNING mean
 * "spawned", the meaning dinit's "started" has for a process service.
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { asPid1, binary, type Kind, type Missing, output, shellWord, writeFile } from "./types.ts";

/** supervisord and supervisorctl from $SUPERVISOR_BIN_DIR or PATH. */
export function findSupervisord(): Kind | Missing {
  const daemon = binary("SUPERVISOR_BIN_DIR", "supervisord");
  const ctl = binary("SUPERVISOR_BIN_DIR", "supervisorctl");
  if (!daemon || !ctl) return { name: "supervisord", missing: "supervisord/supervisorctl not found: apt-get install supervisor, or set SUPERVISOR_BIN_DIR" };
  const conf = (dir: string) => join(dir, "supervisord.conf");
  const argv = (dir: string) => [daemon, "-n", "-c", conf(dir)];
  return {
    name: "supervisord",
    version: output([daemon, "--version"]).trim() || "?",
    statusTool: "`supervisorctl status`",
    restartSetting: "autorestart=true, startsecs=0 (no delay setting; its main loop wakes about once a second)",
    write(dir, services) {
      mkdirSync(join(dir, "logs"));
      const text = [
        "[supervisord]",
        "nodaemon=true",
        `logfile=${join(dir, "supervisord.log")}`,
        `pidfile=${join(dir, "supervisord.pid")}`,
        `childlogdir=${join(dir, "logs")}`,
        // a pipe pair and a log file per program: room for all of them
        `minfds=${Math.max(1024, services.length * 4 + 100)}`,
        "[unix_http_server]",
        `file=${join(dir, "ctl.sock")}`,
        "[rpcinterface:supervisor]",
        "supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface",
        "[supervisorctl]",
        `serverurl=unix://${join(dir, "ctl.sock")}`,
        ...services.flatMap((s) => [`[program:${s.name}]`, `command=${s.argv.map(shellWord).join(" ")}`, "startsecs=0", ...(s.fastRestart ? ["autorestart=true"] : [])]),
      ];
      writeFile(conf(dir), `${text.join("\n")}\n`);
    },
    argv,
    pid1Argv: (dir) => asPid1(argv(dir)),
    env: () => ({}),
    countUp(dir, names) {
      const want = new Set(names);
      return output([ctl, "-c", conf(dir), "status"])
        .split("\n")
        .map((line) => line.split(/\s+/))
        .filter(([name, state]) => want.has(name ?? "") && state === "RUNNING").length;
    },
  };
}
