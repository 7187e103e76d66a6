/**
 * @module daemon
 * `bosun boot` wired together: loader, engine, launcher, reaper, log router and control server,
 * plus the supervisor's own signals and its exit code. This is the one place that knows all
 * the layers; each layer knows only its boundary types.
 *
 * Exit code: a `main` service that stops decides it (its code, 128+N for a signal, after
 * `exit-code-map`); an orderly shutdown without one gives 0; a boot set that cannot start
 * gives 1 after stopping what did start.
 */
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readGlobalEnvFile } from "./config/envfile.ts";
import { createLoader, findServiceFile } from "./config/loader.ts";
import { ConfigError, formatProblem } from "./config/problems.ts";
import { describe, type ServiceDescription } from "./config/schema.ts";
import { startControl } from "./control/server.ts";
import type { ControlContext } from "./control/types.ts";
import { createEngine } from "./engine/engine.ts";
import { describeExit } from "./engine/outcome.ts";
import type { Engine, ServiceEvent, StopReason } from "./engine/types.ts";
import { createLogRouter } from "./log/router.ts";
import type { LogRouter } from "./log/types.ts";
import { realClock } from "./process/clock.ts";
import { createLauncher } from "./process/launcher.ts";
import { systemLogger, type Verbosity } from "./log/consola.ts";
import { createReaper } from "./process/reaper.ts";
import { shellCode } from "./process/signals.ts";

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
}

const DEFAULT_SERVICE = "boot";
/** After a forced kill, how long to wait for the killed processes' exits before leaving anyway. */
const FORCED_EXIT_WAIT_MS = 1000;

/** One line for a service that stopped: what kind of stop, then the engine's note or the exit. */
function describeStop(event: ServiceEvent): string {
  const words: Record<StopReason, string> = {
    normal: "stopped",
    terminated: "exited",
    failed: "failed",
    "exec-failed": "failed to start",
    "timed-out": "start timed out",
    "dep-failed": "not started",
    "dep-restart": "stopped for a dependency's restart",
  };
  const word = words[event.reason ?? "normal"];
  const detail = event.note ?? event.failure?.message ?? (event.exit ? describeExit(event.exit) : null);
  return detail === null ? word : `${word}: ${detail}`;
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
  const log = systemLogger(logs, opts.verbosity ?? "normal");
  let base: Record<string, string | undefined> = process.env;
  if (opts.envFile) {
    try {
      base = readGlobalEnvFile(opts.envFile, process.env);
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      for (const p of e.problems) log.error(formatProblem(p));
      await logs.close();
      return 1;
    }
  }
  const env = new Map(Object.entries(base).filter((e): e is [string, string] => e[1] !== undefined));
  const runtimeDir = mkdtempSync(join(tmpdir(), "bosun-"));
  const reaper = createReaper({ onError: (m) => log.warn(m) });
  const startedAt = Date.now();

  const loader = createLoader({ dirs: opts.dirs, env: Object.fromEntries(env) });
  const mtimeOf = (file: string | null) => (file === null ? 0 : (statSync(file, { throwIfNoEntry: false })?.mtimeMs ?? -1));
  // Keyed by description, not name: fileChanged asks about the description the engine holds,
  // so a file read again but not taken (a reload plan, a refused reload) still counts as changed.
  const readAt = new WeakMap<ServiceDescription, number>();
  /** Notes a freshly read description's file mtime and logs its warnings, once per read. */
  const fresh = (desc: ServiceDescription): ServiceDescription => {
    if (readAt.has(desc)) return desc; // the loader's cached copy, already seen
    readAt.set(desc, mtimeOf(desc.file));
    for (const w of loader.warnings()) if (w.service === desc.name) log.warn(formatProblem(w));
    return desc;
  };
  const load = (name: string): ServiceDescription => fresh(loader.load(name));

  let engine: Engine;
  const launcher = createLauncher({
    // the engine exists by the time any event is delivered (events come from later microtasks)
    events: {
      launched: (n, pid) => engine.launched(n, pid),
      ready: (n) => engine.ready(n),
      exited: (n, s) => engine.exited(n, s),
      launchFailed: (n, f) => engine.launchFailed(n, f),
    },
    logs,
    env,
    reaper,
    runtimeDir,
  });
  engine = createEngine({
    launcher,
    clock: realClock(),
    load,
    maxStarting: opts.maxStarting ?? undefined,
    startingGrace: opts.startingGraceMs,
  });

  let exitCode: number | null = null;
  let finished: (code: number) => void;
  const done = new Promise<number>((resolve) => (finished = resolve));
  let closing = false;
  let waitTimer: ReturnType<typeof setInterval> | null = null;

  function finish(code: number): void {
    if (closing) return;
    closing = true;
    finished(code);
  }

  function shutdown(why: string): void {
    if (engine.shuttingDown) return;
    log.info(`shutting down (${why})`);
    engine.shutdown();
    waitTimer = setInterval(() => {
      const waiting = engine.waitingOn();
      if (waiting.length === 0) return;
      const now = Date.now();
      log.info(`still waiting on ${waiting.map((w) => `${w.name} (${w.state} ${Math.round((now - w.since) / 1000)}s)`).join(", ")}`);
    }, opts.waitReportMs ?? 3000);
    checkIdle();
  }

  function forceExit(why: string): void {
    log.warn(`${why}: killing every service with SIGKILL`);
    launcher.killAll();
    if (!engine.shuttingDown) engine.shutdown();
    setTimeout(() => finish(exitCode ?? 0), FORCED_EXIT_WAIT_MS);
    checkIdle();
  }

  let idleCheck: ReturnType<typeof setImmediate> | null = null;
  /** After the current burst of events has been handled (the exit code may be set by a later one). */
  function checkIdle(): void {
    idleCheck ??= setImmediate(() => {
      idleCheck = null;
      if (engine.idle()) finish(exitCode ?? 0);
    });
  }

  // bosun's own lines about services, and the exit decisions they drive
  const bootSet = new Set<string>();
  const everStarted = new Set<string>();
  engine.subscribe((event) => {
    try {
      const tagged = log.withTag(event.service);
      if (event.to === "started") {
        logs.serviceStarted(event.service);
        tagged.info(event.note ? `started (${event.note})` : "started");
      } else if (event.to === "stopped") {
        const line = describeStop(event);
        if (event.reason === "normal" || event.reason === "terminated" || engine.shuttingDown) tagged.info(line);
        else tagged.warn(line);
      } else tagged.debug(`${event.to}${event.note ? ` (${event.note})` : ""}`);

      if (event.to === "started") everStarted.add(event.service);
      if (event.to === "stopped" && event.target === "stopped") {
        const desc = engine.description(event.service);
        const neverStarted = !everStarted.has(event.service);
        if (bootSet.has(event.service) && neverStarted && !engine.shuttingDown) {
          exitCode ??= 1;
          log.error(`cannot boot: ${event.service}: ${describeStop(event)}`);
          shutdown("boot failed");
        } else if (desc?.main && exitCode === null) {
          const code = event.exit && !neverStarted ? shellCode(event.exit) : neverStarted ? 1 : 0;
          exitCode = desc.exitCodeMap[String(code)] ?? code;
          if (!engine.shuttingDown) shutdown(`main service ${event.service} ended, exit code ${exitCode}`);
        }
      }
      checkIdle();
    } catch (e) {
      log.error(`internal error handling a state change: ${(e as Error).stack ?? e}`);
    }
  });

  const signals: [NodeJS.Signals, () => void][] = [
    ["SIGTERM", () => (engine.shuttingDown ? forceExit("second SIGTERM") : shutdown("SIGTERM"))],
    ["SIGINT", () => (engine.shuttingDown ? forceExit("second SIGINT") : shutdown("SIGINT"))],
    ["SIGQUIT", () => forceExit("SIGQUIT")],
    ["SIGHUP", () => reloadChanged()],
    ["SIGUSR1", () => logs.reopen()],
    // not PID 1, USR2 would kill bosun by default; the issue asks that other signals be ignored
    ["SIGUSR2", () => {}],
  ];
  for (const [sig, handler] of signals) process.on(sig, handler);

  function reloadChanged(): void {
    for (const { name } of engine.list()) {
      if (!ctx.fileChanged(name)) continue;
      try {
        const result = engine.reload(ctx.loadFromDisk(name));
        if (!result.ok) log.withTag(name).warn(`reload refused: ${result.message}`);
        else log.withTag(name).info(`reloaded${result.restartNeeded?.length ? `; takes effect after a restart: ${result.restartNeeded.join(", ")}` : ""}`);
      } catch (e) {
        const problems = e instanceof ConfigError ? e.problems.map(formatProblem) : [(e as Error).message];
        for (const p of problems) log.withTag(name).error(`reload failed: ${p}`);
      }
    }
  }

  const ctx: ControlContext = {
    engine,
    logs,
    env,
    dirs: opts.dirs,
    loadFromDisk(name) {
      loader.forget(name);
      return load(name);
    },
    fileChanged(name) {
      const desc = engine.description(name);
      const at = desc === null ? undefined : readAt.get(desc);
      return at !== undefined && mtimeOf(desc!.file) !== at;
    },
    runtime: (name) => ({ ...launcher.runtime(name), health: null }),
    bootServices: [],
    stats: () => ({ reapedOrphans: reaper.reaped, startedAt }),
    shutdown: () => shutdown("shutdown command"),
    now: () => Date.now(),
  };

  let control: { close(): Promise<void> } | null = null;
  try {
    const names = boot();
    if (names !== null) {
      ctx.bootServices.push(...names);
      if (opts.socket) control = await startControl(ctx, { socket: opts.socket, healthListen: opts.healthListen, token: opts.token });
      for (const name of names) {
        bootSet.add(name);
        const r = engine.start(name);
        if (!r.ok) {
          exitCode ??= 1;
          log.error(`cannot start ${name}: ${r.message}`);
          shutdown("boot failed");
          break;
        }
      }
      checkIdle();
    }
  } catch (e) {
    log.error(`cannot boot: ${(e as Error).message}`);
  }
  // nothing was started: the reason is logged above
  if (bootSet.size === 0) finish(1);

  /** Loads the boot set and adds it to the engine; null (after logging why) when it cannot. */
  function boot(): string[] | null {
    const names = opts.services.length > 0 ? [...opts.services] : [DEFAULT_SERVICE];
    // with a main command and no `boot` on disk, the main command alone is supervised
    if (opts.services.length === 0 && opts.mainCommand !== null && findServiceFile(DEFAULT_SERVICE, opts.dirs) === null) names.length = 0;
    let loaded: ServiceDescription[];
    try {
      loaded = loader.loadAll(names);
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      for (const p of e.problems) log.error(formatProblem(p));
      return null;
    }
    for (const desc of loaded) {
      const r = engine.add(fresh(desc));
      if (!r.ok) {
        log.error(`cannot load ${desc.name}: ${r.message}`);
        return null;
      }
    }
    if (opts.mainCommand) {
      const main = describe({ name: "main", type: "process", command: opts.mainCommand, main: true, restart: "no", workingDir: process.cwd() });
      const r = engine.add(main);
      if (!r.ok) {
        log.error(`cannot add the main command: ${r.message}`);
        return null;
      }
      names.push("main");
    }
    return names;
  }

  const code = await done;
  if (waitTimer) clearInterval(waitTimer);
  for (const [sig, handler] of signals) process.off(sig, handler);
  await control?.close().catch(() => {});
  launcher.close();
  reaper.close();
  await logs.close();
  rmSync(runtimeDir, { recursive: true, force: true });
  return code;
}
