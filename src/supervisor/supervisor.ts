/**
 * @module supervisor/supervisor
 * The running supervisor: it owns the loader, the engine, the launcher, the reaper and the log
 * router, and offers the operations people and orchestrators ask for (start, stop, reload,
 * enable, setenv, status, logs, events, the readiness verdict, shutdown). The control routes and
 * the signal handlers are a line or two over these; every refusal is one `OperationError`.
 * It also decides when bosun is done and with which exit code (supervisor/exit.ts).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openCgroups, type CgroupOptions } from "../cgroup/manager.ts";
import type { CgroupMode } from "../cgroup/types.ts";
import { createLoader, findServiceFile } from "../config/loader.ts";
import { mainConflicts } from "../config/main.ts";
import { ConfigError, formatProblem, warning } from "../config/problems.ts";
import { fileOf } from "../config/reach.ts";
import { describe, type ServiceDescription } from "../config/schema.ts";
import { createEngine } from "../engine/engine.ts";
import type { Engine, Reloaded, ReloadPlan, RunStarted, ServiceEvent, ServiceStatus } from "../engine/types.ts";
import type { LogRouter, Stream } from "../log/types.ts";
import { realClock } from "../process/clock.ts";
import { createLauncher } from "../process/launcher.ts";
import { removeMarker } from "../process/marker.ts";
import { systemLogger, taggedLine, type Verbosity } from "../log/consola.ts";
import { createReaper } from "../process/reaper.ts";
import type { Resources } from "../process/run.ts";
import { VERSION } from "../version.ts";
import { announce, announceRun, describeReload, describeStop } from "./announce.ts";
import { createDescriptions } from "./descriptions.ts";
import { persistDisable, persistEnable } from "./enable.ts";
import { exitStep, type ExitState } from "./exit.ts";
import { OperationError, orThrow } from "./failure.ts";
import { createHealth } from "./health.ts";
import { uptimeSeconds, type HealthView, type Neighbour, type ServiceReport, type ServiceRuntime } from "./status.ts";
import { createTermination, killLead, mainStopTimeout } from "./termination.ts";
import { createUpstream } from "./upstream.ts";
import { bootSetStarted, ready, serviceReady, startup, type Verdict, type VerdictSource } from "./verdict.ts";

/** How a supervisor is built: `bosun boot`'s settings, as cli/boot.ts and daemon.ts pass them. */
export interface SupervisorOptions {
  /** Service directories in search order. */
  dirs: string[];
  /** Services to start; empty means `boot` (which may be absent when a main command is given). */
  services: string[];
  /** `-- CMD ARG...`: run as the ad-hoc service `main`. */
  mainCommand: string[] | null;
  /** bosun's environment (after `-e`), which every launch inherits; setenv/unsetenv edit it. */
  env: Record<string, string | undefined>;
  logs: LogRouter;
  verbosity?: Verbosity;
  /** Soft limit on services starting at once (null = unlimited), and when one stops counting. */
  maxStarting?: number | null;
  startingGraceMs?: number;
  /** How often a slow shutdown says what it still waits on (default 3000 ms). */
  waitReportMs?: number;
  /** After SIGTERM, how long readiness fails while the services still run, before they stop (ms; default 0). */
  drainDelayMs?: number;
  /** A deadline for the whole shutdown, drain included (ms); null: none. */
  stopGraceMs?: number | null;
  /** Where the daemon answers, for `info` (the control server is the daemon's to run). */
  socket?: string | null;
  healthListen?: string | null;
  /** How bosun uses cgroups (default: a cgroup for every service as PID 1, else for those whose settings need one). */
  cgroups?: CgroupOptions;
}

/** bosun itself, as `bosun info` shows it. */
export interface DaemonInfo {
  version: string;
  pid: number;
  /** Unix ms when bosun started. */
  startedAt: number;
  socket: string | null;
  healthListen: string | null;
  dirs: string[];
  bootServices: string[];
  /** How orphans reach bosun: as PID 1, as a child subreaper, or not at all. */
  reaping: "pid1" | "subreaper" | "none";
  reapedOrphans: number;
  services: number;
  shuttingDown: boolean;
  /** --drain-delay and --stop-grace in seconds (stopGrace null: none). */
  drainDelay: number;
  stopGrace: number | null;
  /** The cgroup layout bosun found, and what it means for services. */
  cgroups: { mode: CgroupMode; description: string; bestEffort: boolean; instance: string };
}

/** The dependency kinds `add-dep`/`rm-dep` change live. */
export type LiveDepKind = "need" | "milestone" | "waits-for";

/** The running supervisor; see createSupervisor. */
export interface Supervisor extends VerdictSource {
  /** Resolves to bosun's exit code once it is done (shut down, or could not boot). */
  readonly done: Promise<number>;
  /** Loads the boot set (and adds the ad-hoc main); false, after logging why, when it cannot. */
  load(): boolean;
  /** Starts what `load` loaded. */
  startBoot(): void;
  /** bosun cannot go on before anything started (its control socket, say): logs it and ends with 1. */
  abort(message: string): void;

  list(): ServiceStatus[];
  report(name: string): ServiceReport;
  /** Memory, CPU time, processes and OOM kills from a service's cgroups, read now. */
  resources(name: string): Resources;
  logTail(name: string, opts: { lines: number; clear: boolean }): string[];
  /** Where a service's output goes when bosun keeps none of it (log-type pipe or none); null otherwise. */
  logElsewhere(name: string): string | null;
  followLogs(name: string, onLine: (line: string, stream: Stream) => void): () => void;
  subscribe(listener: (event: ServiceEvent) => void): () => void;
  environment(): Record<string, string>;
  setenv(set: Record<string, string>, unset: string[]): Record<string, string>;
  stats(): { reapedOrphans: number; startedAt: number };
  info(): DaemonInfo;
  /** The engine clock's time in ms. */
  now(): number;
  /** One of bosun's own error lines (a failure inside bosun, such as a request handler's). */
  logError(message: string): void;
  ready(): Verdict;
  startup(): Verdict;
  /** One service's verdict: up, ready and healthy, or why not. */
  serviceReady(name: string): Verdict;
  /** Services with a health check and their health, by name (for /metrics). */
  healthChecks(): { name: string; health: HealthView }[];

  start(name: string, opts?: { pin?: boolean }): void;
  /**
   * Stops `name`; a stop that would take the main service down (it, or something it needs) ends
   * bosun, so it is refused unless forced. Says whether bosun ends with it.
   */
  stop(name: string, opts?: { force?: boolean; pin?: boolean }): { endsBosun: boolean };
  restart(name: string): void;
  wake(name: string): void;
  release(name: string): void;
  unpin(name: string): void;
  trigger(name: string): void;
  untrigger(name: string): void;
  /** A scheduled service's run, now (or after the one going, with schedule-overlap = queue). */
  run(name: string): RunStarted;
  unload(name: string): void;
  /** `signal` is a name without SIG (`HUP`). */
  signal(name: string, signal: string): void;
  addDep(kind: LiveDepKind, from: string, to: string): void;
  rmDep(kind: LiveDepKind, from: string, to: string): void;
  enable(name: string): void;
  disable(name: string): void;
  /** Re-reads the service's file and applies it (the API's reload and SIGHUP's, alike). */
  reload(name: string): Reloaded;
  /** What `reload` would do, changing nothing. */
  plan(name: string): ReloadPlan;
  /** SIGHUP: reloads every loaded service whose file changed on disk, logging each outcome. */
  reloadChanged(): void;
  /** SIGUSR1: reopen the log files bosun writes. */
  reopenLogs(): void;
  /** Orderly shutdown in reverse dependency order; a no-op when one is under way. */
  shutdown(why: string): void;
  /** SIGTERM (drain first, if asked to; during the drain, stop; during the stop, kill) or SIGINT. */
  terminate(signal: "SIGTERM" | "SIGINT"): void;
  /** Unix ms when the stop grace ends, once the shutdown has begun; null without one. */
  deadline(): number | null;
  /** SIGKILL to everything and leave shortly (a second TERM, QUIT). */
  forceExit(why: string): void;
  /** Releases what it holds (after `done`): launcher sockets, reaper, logs, runtime dir. */
  close(): Promise<void>;
}

const DEFAULT_SERVICE = "boot";
/** The name the command after `--` runs under. */
const MAIN_SERVICE = "main";
/** After a forced kill, how long to wait for the killed processes' exits before leaving anyway. */
const FORCED_EXIT_WAIT_MS = 1000;

/**
 * Builds the supervisor over real processes; nothing starts before `load` and `startBoot`.
 *
 * @example
 * const sup = createSupervisor({ dirs: ["/etc/bosun/services"], services: [], mainCommand: ["nginx"], env: process.env, logs });
 * if (sup.load()) sup.startBoot();
 * process.exit(await sup.done);
 */
export function createSupervisor(opts: SupervisorOptions): Supervisor {
  const { logs } = opts;
  const log = systemLogger(logs, opts.verbosity ?? "normal");
  const about = (name: string) => taggedLine(log, name);
  const env = new Map(Object.entries(opts.env).filter((e): e is [string, string] => e[1] !== undefined));
  // bosun reports to the socket it was given; its services get their own (ready-notification = notify) or none
  const notifySocket = env.get("NOTIFY_SOCKET") ?? null;
  env.delete("NOTIFY_SOCKET");
  // Made on first use (a notify socket), so a bosun that never needs it leaves no directory behind.
  let runtimeDir: string | null = null;
  const reaper = createReaper({ onError: (m) => log.warn(m) });
  const startedAt = Date.now();
  const loader = createLoader({ dirs: opts.dirs, env: Object.fromEntries(env) });
  const descriptions = createDescriptions(loader, (p) => log.warn(formatProblem(p)));
  const clock = realClock();
  const cgroups = openCgroups({ everyService: process.pid === 1, ...opts.cgroups });
  log.info(`cgroups: ${cgroups.description}`);

  const upstream = notifySocket === null ? null : createUpstream(notifySocket, (m) => log.warn(m));
  const health = createHealth({
    engine: {
      ready: (n) => engine.ready(n),
      unhealthy: (n) => engine.unhealthy(n),
      status: (n) => engine.status(n),
      description: (n) => engine.description(n),
    },
    spawnProbe: (d, argv) => launcher.spawnProbe(d, argv),
    clock,
    log,
    onChange: () => progressed(),
  });

  // The launcher reports to the engine, which is built right after it: events arrive from later
  // microtasks, never during construction.
  const launcher = createLauncher({
    events: health.events({
      launched: (n, pid) => engine.launched(n, pid),
      ready: (n) => engine.ready(n),
      exited: (n, s, c) => engine.exited(n, s, c),
      launchFailed: (n, f) => engine.launchFailed(n, f),
    }),
    logs,
    env,
    reaper,
    runtimeDir: () => (runtimeDir ??= mkdtempSync(join(tmpdir(), "bosun-"))),
    cgroups,
  });
  const engine: Engine = createEngine({
    launcher: health.launcher(launcher),
    clock,
    load: descriptions.load,
    maxStarting: opts.maxStarting ?? undefined,
    startingGrace: opts.startingGraceMs,
  });

  const bootServices: string[] = [];
  const exit: ExitState & { bootSet: Set<string>; everStarted: Set<string>; mainOverride: string | null } = {
    code: null,
    bootSet: new Set(),
    everStarted: new Set(),
    mainOverride: null,
  };
  let finished: (code: number) => void;
  const done = new Promise<number>((resolve) => (finished = resolve));
  let closing = false;
  let waitTimer: ReturnType<typeof setInterval> | null = null;
  let forcedTimer: ReturnType<typeof setTimeout> | null = null;
  let idleCheck: ReturnType<typeof setImmediate> | null = null;
  let startedOnce = false;
  /** An update of the upstream NOTIFY_SOCKET is due at the end of this turn. */
  let upstreamQueued = false;

  function finish(code: number): void {
    if (closing) return;
    closing = true;
    finished(code);
  }

  /** After the current burst of events has been handled (the exit code may be set by a later one). */
  function checkIdle(): void {
    idleCheck ??= setImmediate(() => {
      idleCheck = null;
      if (engine.idle()) finish(exit.code ?? 0);
    });
  }

  /** Something moved that readiness reads: the boot set's first start is noted, and told upstream. */
  function progressed(service?: string): void {
    // Cheap enough per event only when it concerns the boot set (a start of 1000 services is
    // thousands of events, and the verdict reads every service).
    if (!startedOnce && bootServices.length > 0 && (service === undefined || bootServices.includes(service)) && bootSetStarted(sup)) startedOnce = true;
    if (upstream && !upstreamQueued) {
      upstreamQueued = true;
      setImmediate(() => {
        upstreamQueued = false;
        upstream.update(ready(sup));
      });
    }
  }

  const { drainDelayMs = 0, stopGraceMs = null } = opts;
  if (stopGraceMs !== null && drainDelayMs >= stopGraceMs - killLead(stopGraceMs)) {
    log.warn(`--drain-delay ${drainDelayMs / 1000} s takes the whole --stop-grace ${stopGraceMs / 1000} s: services are killed when the drain ends, with no orderly stop; shorten the drain`);
  }
  const termination = createTermination(
    { drainMs: drainDelayMs, graceMs: stopGraceMs },
    {
      drain(why, seconds) {
        log.info(`draining (${why}): not ready from now; services stop in ${seconds} s (another SIGTERM stops them now)`);
        upstream?.stopping(`draining (${why})`);
      },
      stop: (why) => shutdown(why),
      forceExit: (why) => sup.forceExit(why),
      cutShort(grace) {
        const running = engine.list().filter((s) => s.pid !== null || s.state !== "stopped");
        if (running.length === 0) return;
        log.warn(`the stop grace of ${grace} s is ending: killing ${running.map((s) => s.name).join(", ")} with SIGKILL`);
        launcher.killAll(`cut short: the stop grace of ${grace} s ends`);
      },
      finish: () => finish(exit.code ?? 0),
    },
  );

  function shutdown(why: string): void {
    if (engine.shuttingDown) return;
    log.info(`shutting down (${why})`);
    termination.stopping();
    upstream?.stopping(`stopping (${why})`);
    engine.shutdown();
    waitTimer = setInterval(() => {
      const waiting = engine.waitingOn();
      if (waiting.length === 0) return;
      const now = clock.now();
      log.info(`still waiting on ${waiting.map((w) => `${w.name} (${w.state} ${Math.round((now - w.since) / 1000)}s)`).join(", ")}`);
    }, opts.waitReportMs ?? 3000);
    checkIdle();
  }

  engine.subscribe((event) => {
    try {
      if (event.run) return announceRun(about(event.service), event);
      if (event.to === "started") logs.serviceStarted(event.service);
      const desc = engine.description(event.service);
      // A run-once service that went down (its stop-command ran) other than in the shutdown
      // has undone its start; one that never came up (a dependency failed) has not.
      const undone = event.from === "stopping" && event.to === "stopped" && !engine.shuttingDown;
      const unmarked = undone && desc ? removeMarker(desc) : null;
      if (unmarked) about(event.service).warn(unmarked);
      announce(about(event.service), event, desc?.type ?? null, engine.shuttingDown);
      if (event.to === "started") exit.everStarted.add(event.service);
      const step = exitStep(event, desc, exit, engine.shuttingDown, describeStop(event, desc?.type ?? null));
      exit.code = step.code;
      if (step.error) log.error(step.error);
      if (step.shutdown) shutdown(step.shutdown);
      progressed(event.service);
      checkIdle();
    } catch (e) {
      log.error(`internal error handling a state change: ${(e as Error).stack ?? e}`);
    }
  });

  /** The loaded service, or a not-found failure. */
  function statusOf(name: string): ServiceStatus {
    const s = engine.status(name);
    if (!s) throw new OperationError("not-found", `no service named ${name} is loaded`);
    return s;
  }

  function runtime(name: string): ServiceRuntime {
    return { ...launcher.runtime(name), health: health.view(name) };
  }

  const neighbours = (edges: ServiceStatus["depends"]): Neighbour[] => edges.map((e) => ({ ...e, state: engine.status(e.name)?.state ?? null }));

  /** The service whose end ends bosun: the command line's, else a loaded `main = true` (one at most). */
  function mainService(): string | null {
    return exit.mainOverride ?? engine.list().find((s) => engine.description(s.name)?.main)?.name ?? null;
  }

  /** Re-reads a loaded service's file, as a refusal when it cannot be read. */
  function reread(name: string): ServiceDescription {
    statusOf(name);
    try {
      return descriptions.reread(name);
    } catch (e) {
      const problems = e instanceof ConfigError ? e.problems.map(formatProblem).join("; ") : (e as Error).message;
      throw new OperationError("refused", `cannot reload ${name}: ${problems}`);
    }
  }

  const sup: Supervisor = {
    done,
    bootServices,
    get shuttingDown() {
      return engine.shuttingDown;
    },
    get draining() {
      return termination.draining;
    },
    get startedOnce() {
      return startedOnce;
    },

    load() {
      const names = opts.services.length > 0 ? [...opts.services] : [DEFAULT_SERVICE];
      // with a main command and no `boot` on disk, the main command alone is supervised
      if (opts.services.length === 0 && opts.mainCommand !== null && findServiceFile(DEFAULT_SERVICE, opts.dirs) === null) names.length = 0;
      const fail = (message: string) => {
        log.error(message);
        finish(1);
        return false;
      };
      const clash = opts.mainCommand === null ? null : findServiceFile(MAIN_SERVICE, opts.dirs);
      if (clash !== null) {
        return fail(`${clash}: a service file named '${MAIN_SERVICE}' clashes with the command after '--', which runs as the service '${MAIN_SERVICE}'; rename the file or drop the command`);
      }
      let loaded: ServiceDescription[];
      try {
        loaded = descriptions.loadAll(names);
      } catch (e) {
        if (!(e instanceof ConfigError)) throw e;
        for (const p of e.problems.slice(1)) log.error(formatProblem(p));
        return fail(formatProblem(e.problems[0]!));
      }
      const conflict = mainConflicts(loaded)[0];
      if (conflict) return fail(formatProblem(conflict));
      for (const desc of loaded) {
        const r = engine.add(desc);
        if (!r.ok) return fail(`cannot load ${desc.name}: ${r.message}`);
      }
      if (opts.mainCommand) {
        // The command line wins, as a Docker CMD override does: a file's main = true is set aside.
        for (const d of loaded.filter((d) => d.main)) {
          log.warn(formatProblem(warning(fileOf(d, "main"), d.lines.main ?? null, d.name, `main = true is set aside: the command after '--' is the main service`)));
        }
        const main = describe({
          name: MAIN_SERVICE,
          type: "process",
          command: opts.mainCommand,
          main: true,
          restart: "no",
          workingDir: process.cwd(),
          stopTimeout: mainStopTimeout(stopGraceMs, drainDelayMs),
        });
        const r = engine.add(main);
        if (!r.ok) return fail(`cannot add the main command: ${r.message}`);
        exit.mainOverride = MAIN_SERVICE;
        names.push(MAIN_SERVICE);
      }
      bootServices.push(...names);
      return true;
    },

    startBoot() {
      for (const name of bootServices) {
        exit.bootSet.add(name);
        const r = engine.start(name);
        if (!r.ok) {
          exit.code ??= 1;
          log.error(`cannot start ${name}: ${r.message}`);
          shutdown("boot failed");
          break;
        }
      }
      // nothing to start at all (an empty boot set) is as idle as bosun gets
      checkIdle();
    },

    abort(message) {
      log.error(`cannot boot: ${message}`);
      finish(1);
    },

    status: (name) => engine.status(name),
    list: () => engine.list(),
    runtime,
    report(name) {
      const status = statusOf(name);
      const desc = engine.description(name);
      return {
        status,
        runtime: runtime(name),
        resources: launcher.resources(name),
        file: desc?.file ?? null,
        fileChanged: descriptions.changed(desc),
        logProblem: logs.problem(name),
        depends: neighbours(status.depends),
        dependents: neighbours(status.dependents),
        uptime: uptimeSeconds(status, clock.now()),
      };
    },

    resources: (name) => launcher.resources(name),

    logTail(name, { lines, clear }) {
      statusOf(name);
      const tail = logs.tail(name, lines) ?? [];
      // Like dinitctl catlog --clear: what was printed is what was cleared. A buffer service
      // that has not run yet has nothing to clear, which is not a refusal.
      const type = engine.description(name)?.logType;
      if (clear && !logs.clear(name) && type !== "buffer") {
        throw new OperationError("refused", `cannot clear ${name}'s log: its log-type is ${type ?? "unknown"}, and only a buffer log can be cleared`);
      }
      return tail;
    },
    logElsewhere(name) {
      const desc = engine.description(name);
      if (desc?.logType === "none") return "this service's output is discarded (log-type = none)";
      if (desc?.logType !== "pipe") return null;
      const consumers = engine.list().filter((s) => engine.description(s.name)?.consumerOf === name).map((s) => s.name);
      if (consumers.length === 0) return "this service's output goes to a pipe for a service with consumer-of; none is loaded";
      return `this service's output goes to consumer ${consumers.join(", ")}: bosun logs ${consumers[0]}`;
    },
    followLogs(name, onLine) {
      statusOf(name);
      return logs.follow(name, onLine);
    },
    subscribe: (listener) => engine.subscribe(listener),
    environment: () => Object.fromEntries(env),
    setenv(set, unset) {
      for (const [k, v] of Object.entries(set)) env.set(k, v);
      for (const k of unset) env.delete(k);
      return Object.fromEntries(env);
    },
    stats: () => ({ reapedOrphans: reaper.reaped, startedAt }),
    info: () => ({
      version: VERSION,
      pid: process.pid,
      startedAt,
      socket: opts.socket ?? null,
      healthListen: opts.healthListen ?? null,
      dirs: opts.dirs,
      bootServices: [...bootServices],
      reaping: !reaper.reaping ? "none" : process.pid === 1 ? "pid1" : "subreaper",
      reapedOrphans: reaper.reaped,
      services: engine.list().length,
      shuttingDown: engine.shuttingDown,
      drainDelay: drainDelayMs / 1000,
      stopGrace: stopGraceMs === null ? null : stopGraceMs / 1000,
      cgroups: { mode: cgroups.mode, description: cgroups.description, bestEffort: cgroups.bestEffort, instance: cgroups.instance },
    }),
    now: () => clock.now(),
    logError: (message) => log.error(message),
    ready: () => ready(sup),
    startup: () => startup(sup),
    serviceReady(name) {
      statusOf(name);
      return serviceReady(sup, name);
    },
    healthChecks: () => engine.list().flatMap((s) => {
      const view = health.view(s.name);
      return view ? [{ name: s.name, health: view }] : [];
    }),

    start: (name, o = {}) => orThrow(engine.start(name, { pin: o.pin })),
    stop(name, o = {}) {
      const main = mainService();
      const down = engine.stopsWith(name);
      const endsBosun = main !== null && (name === main || down.includes(main));
      if (endsBosun && !o.force) {
        const why = name === main ? `${name} is the main service` : `${down.join(", ")} need${down.length === 1 ? "s" : ""} it, and ${main} is the main service`;
        throw new OperationError("refused", `stopping ${name} ends bosun: ${why}; use --force to stop it and bosun with it`, down.length ? { dependents: down } : {});
      }
      orThrow(engine.stop(name, { force: o.force, pin: o.pin }));
      return { endsBosun };
    },
    restart: (name) => orThrow(engine.restart(name)),
    wake: (name) => orThrow(engine.wake(name)),
    release: (name) => orThrow(engine.release(name)),
    unpin: (name) => orThrow(engine.unpin(name)),
    trigger: (name) => orThrow(engine.trigger(name)),
    untrigger: (name) => orThrow(engine.untrigger(name)),
    run(name) {
      const r = engine.run(name);
      if (!r.ok) throw new OperationError(r.code, r.message);
      return { number: r.number, queued: r.queued };
    },
    unload(name) {
      orThrow(engine.unload(name));
      health.forget(name);
    },
    signal: (name, signal) => orThrow(engine.signal(name, signal)),
    addDep: (kind, from, to) => orThrow(engine.addDep(kind, from, to)),
    rmDep: (kind, from, to) => orThrow(engine.rmDep(kind, from, to)),

    enable(name) {
      if (!engine.description(name)) {
        let desc: ServiceDescription;
        try {
          desc = descriptions.reread(name);
        } catch (e) {
          throw new OperationError("not-found", `cannot load ${name}: ${(e as Error).message}`);
        }
        orThrow(engine.add(desc));
      }
      const via = engine.description(name)?.enableVia ?? DEFAULT_SERVICE;
      const failed = persistEnable(via, engine.description(via), name, engine.description(name)?.file ?? null);
      if (failed) throw new OperationError("refused", failed.message);
      orThrow(engine.addDep("waits-for", via, name));
      const viaState = engine.status(via)?.state;
      // dinit starts what it enables when the service it hangs off is up.
      if (viaState === "started" || viaState === "starting") orThrow(engine.wake(name));
    },
    disable(name) {
      statusOf(name);
      const via = engine.description(name)?.enableVia ?? DEFAULT_SERVICE;
      const failed = persistDisable(via, engine.description(via), name);
      if (failed) throw new OperationError("refused", failed.message);
      // Disabling what is not enabled changes nothing and is no failure, as in dinit.
      if (engine.status(via)?.depends.some((d) => d.kind === "waits-for" && d.name === name)) orThrow(engine.rmDep("waits-for", via, name));
    },

    reload(name) {
      const result = engine.reload(reread(name));
      if (!result.ok) throw new OperationError(result.code, `cannot reload ${name}: ${result.message}`);
      health.reloaded(name);
      const { ok: _, ...reloaded } = result;
      return reloaded;
    },
    plan: (name) => engine.plan([reread(name)]),
    reloadChanged() {
      for (const { name } of engine.list()) {
        if (!descriptions.changed(engine.description(name))) continue;
        const tagged = about(name);
        try {
          const what = describeReload(sup.reload(name));
          tagged.info(what ? `reloaded; ${what}` : "reloaded");
        } catch (e) {
          if (!(e instanceof OperationError)) throw e;
          tagged.warn(e.message);
        }
      }
    },
    reopenLogs: () => logs.reopen(),

    shutdown,
    terminate: (signal) => termination.signal(signal),
    deadline: () => termination.deadline,
    forceExit(why) {
      log.warn(`${why}: killing every service with SIGKILL`);
      launcher.killAll();
      if (!engine.shuttingDown) engine.shutdown();
      forcedTimer ??= setTimeout(() => finish(exit.code ?? 0), FORCED_EXIT_WAIT_MS);
      checkIdle();
    },

    async close() {
      if (waitTimer) clearInterval(waitTimer);
      if (forcedTimer) clearTimeout(forcedTimer);
      termination.close();
      health.close();
      upstream?.close();
      launcher.close();
      // what is still in bosun's cgroups dies with it; what cannot be removed is named
      for (const left of await cgroups.close()) log.warn(`cgroup left behind: ${left}`);
      reaper.close();
      await logs.close();
      if (runtimeDir) rmSync(runtimeDir, { recursive: true, force: true });
    },
  };
  return sup;
}
