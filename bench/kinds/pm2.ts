/**
 * @module bench/kinds/pm2
 * pm2-runtime (Node), the container entry point of pm2, with an ecosystem file of apps run
 * without an interpreter. PM2_HOME is the run's own directory, so nothing lands in ~/.pm2.
 */
import { existsSync, readFileSync, realpathSync } from "node:fs";
import { dirname, join } from "node:path";
import { asPid1, binary, type Kind, type Missing, output, writeFile } from "./types.ts";

/** pm2-runtime and pm2 from $PM2_BIN_DIR or PATH, and node on PATH. */
export function findPm2(): Kind | Missing {
  const runtime = binary("PM2_BIN_DIR", "pm2-runtime");
  const pm2 = binary("PM2_BIN_DIR", "pm2");
  if (!runtime || !pm2) return { name: "pm2", missing: "pm2-runtime/pm2 not found: npm install pm2 and set PM2_BIN_DIR to its node_modules/.bin" };
  const node = Bun.which("node");
  if (!node) return { name: "pm2", missing: "node not found on PATH (pm2-runtime runs on Node)" };
  const env = (dir: string): Record<string, string> => {
    const bin = process.env.PM2_BIN_DIR;
    return { PM2_HOME: join(dir, "pm2"), ...(bin ? { PATH: `${bin}:${process.env.PATH ?? ""}` } : {}) };
  };
  const argv = (dir: string) => [runtime, "start", join(dir, "ecosystem.config.js")];
  let version = "?";
  try {
    // never the pm2 CLI for this: without a running pm2-runtime it starts a daemon of its own
    version = (JSON.parse(readFileSync(join(dirname(realpathSync(runtime)), "..", "package.json"), "utf8")) as { version: string }).version;
  } catch {}
  return {
    name: "pm2",
    version: `${version} (node ${output([node, "--version"]).trim()})`,
    statusTool: "`pm2 jlist` (status online)",
    restartSetting: "restart_delay 0, min_uptime 0, max_restarts 1e6",
    write(dir, services) {
      const apps = services.map((s) => ({
        name: s.name,
        script: s.argv[0],
        args: s.argv.slice(1),
        interpreter: "none",
        autorestart: true,
        ...(s.fastRestart ? { restart_delay: 0, min_uptime: 0, max_restarts: 1_000_000 } : {}),
      }));
      writeFile(join(dir, "ecosystem.config.js"), `module.exports = ${JSON.stringify({ apps })};\n`);
    },
    argv,
    pid1Argv: (dir) => asPid1(argv(dir)),
    env,
    countUp(dir, names) {
      // only once pm2-runtime listens: the pm2 CLI would otherwise start a daemon of its own
      if (!existsSync(join(dir, "pm2", "rpc.sock"))) return 0;
      const text = output([pm2, "jlist"], env(dir), 60_000);
      let apps: unknown;
      try {
        apps = JSON.parse(text.slice(Math.max(0, text.indexOf("["))));
      } catch {
        return 0;
      }
      if (!Array.isArray(apps)) return 0;
      const want = new Set(names);
      return apps.filter((a: { name?: string; pm2_env?: { status?: string } }) => want.has(a?.name ?? "") && a?.pm2_env?.status === "online").length;
    },
  };
}
