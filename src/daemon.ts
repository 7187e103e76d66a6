/**
 * @module daemon
 * `bosun boot` put together: the log router, the supervisor, the control server over it, and
 * the supervisor's own signal handlers. Construction and signals only; what bosun does lives in
 * supervisor/.
 */
import { readGlobalEnvFile } from "./config/envfile.ts";
import { ConfigError, formatProblem } from "./config/problems.ts";
import { startControl } from "./control/server.ts";
import { createLogRouter } from "./log/router.ts";
import type { LogRouter } from "./log/types.ts";
import type { Verbosity } from "./log/consola.ts";
import { createSupervisor } from "./supervisor/supervisor.ts";

/** Under a stop grace, closing the control server ends this long before the deadline at the latest. */
const CLOSE_MARGIN_MS = 100;

/** `bosun boot`'s settings, as cli/boot.ts builds them from flags and environment. */
export interface DaemonOptions {
  /** Service directories in search order. */
  dirs: string[];
  /** Services to start; empty means `boot` (which may be absent when a main command is given). */
  services: string[];
  /** `-- CMD ARG...`: run as the ad-hoc service `main`. */
  mainCommand: string[] | null;
  /** Control socket path; null runs without a control server. */
  socket: string | null;
  healthListen?: string | null;
  token?: string | null;
  verbosity?: Verbosity;
  /** dinit's `-e`: a file of NAME=VALUE lines (and !clear, !unset, !import) editing bosun's environment. */
  envFile?: string | null;
  /** Console format for services without `log-format`, and for bosun's own lines (default text). */
  logFormat?: "text" | "json";
  /** Soft limit on services starting at once (null = unlimited), and when one stops counting. */
  maxStarting?: number | null;
  startingGraceMs?: number;
  /** Log router to use (tests pass one writing elsewhere); default the console router. */
  logs?: LogRouter;
  /** How often a slow shutdown says what it still waits on (default 3000 ms). */
  waitReportMs?: number;
  /** After SIGTERM, how long readiness fails while the services still run (ms; default 0). */
  drainDelayMs?: number;
  /** A deadline for the whole shutdown, drain included (ms); null: none. */
  stopGraceMs?: number | null;
  /** bosun's own warnings about how it was started (a `-d` that does not exist...), logged first. */
  warnings?: string[];
  /** `best-effort`: a service whose cgroup settings cannot be applied starts without them, after a warning (default `strict`: it is refused). */
  cgroups?: "strict" | "best-effort";
}

/**
 * Runs the supervisor until it should exit; resolves to the exit code. Never rejects for a
 * service's behaviour or a bad description: those are logged and become exit code 1.
 *
 * @example
 * const code = await runDaemon({ dirs: ["/etc/bosun/services"], services: [], mainCommand: ["nginx"], socket: null });
 * process.exit(code);
 */
export async function runDaemon(opts: DaemonOptions): Promise<number> {
  const logs =
    opts.logs ??
    createLogRouter({
      level: opts.verbosity === "verbose" ? "debug" : opts.verbosity === "quiet" ? "warn" : "info",
      format: opts.logFormat ?? "text",
    });
  for (const warning of opts.warnings ?? []) logs.system("warn", warning);
  let env: Record<string, string | undefined> = process.env;
  if (opts.envFile) {
    try {
      env = readGlobalEnvFile(opts.envFile, process.env);
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      for (const p of e.problems) logs.system("error", formatProblem(p));
      await logs.close();
      return 1;
    }
  }
  const sup = createSupervisor({ ...opts, env, logs, cgroups: { bestEffort: opts.cgroups === "best-effort" } });

  const signals: [NodeJS.Signals, () => void][] = [
    ["SIGTERM", () => sup.terminate("SIGTERM")],
    ["SIGINT", () => sup.terminate("SIGINT")],
    ["SIGQUIT", () => sup.forceExit("SIGQUIT")],
    ["SIGHUP", () => sup.reloadChanged()],
    ["SIGUSR1", () => sup.reopenLogs()],
    // Not PID 1, USR2 would end bosun by default; bosun ignores the signals it has no use for.
    ["SIGUSR2", () => {}],
  ];
  for (const [sig, handler] of signals) process.on(sig, handler);

  let control: { close(): Promise<void> } | null = null;
  if (sup.load()) {
    try {
      if (opts.socket) control = await startControl(sup, { socket: opts.socket, healthListen: opts.healthListen, token: opts.token });
      sup.startBoot();
      // The compiled binary starts with JavaScriptCore's tier-up thresholds raised (package.json's
      // --compile-jit-policy): loading and the first spawns run once, and compiling them to
      // machine code only paged in the JIT (Pss with 3 services 46 -> 42 MiB). From here on code
      // that runs often (log pumping, restarts) is worth compiling again.
      Bun.unsafe.setJITPolicy(1);
    } catch (e) {
      sup.abort((e as Error).message);
    }
  }

  const code = await sup.done;
  for (const [sig, handler] of signals) process.off(sig, handler);
  // Logs first: their last lines reach `logs -f` followers before the streams end.
  await sup.close();
  // Followers get their last lines, but never past the stop grace: bosun exits within it.
  const deadline = sup.deadline();
  const closing = control?.close().catch(() => {});
  if (deadline === null) await closing;
  else await Promise.race([closing, Bun.sleep(Math.max(0, deadline - Date.now() - CLOSE_MARGIN_MS))]);
  return code;
}
