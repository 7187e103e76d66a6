/**
 * @module process/launcher
 * The engine's Launcher for real processes. Each service runs in its own session and process
 * group, with the daemon's environment plus the service's own, its working directory, and the
 * standard streams the log router hands out (exec.ts plans and spawns each command). What a
 * spawned process's readiness and exit mean, and how a service stops, is its type's entry in
 * lifecycle.ts. Outcomes go back to the engine as ProcessEvents, always from a later microtask
 * so the engine is never re-entered from inside one of its own calls.
 */
import type { ServiceDescription } from "../config/schema.ts";
import { runsAProcess } from "../config/kinds.ts";
import type { ExitStatus, LaunchFailure, Launcher, ProcessEvents } from "../engine/types.ts";
import type { ProbeChild } from "../health/types.ts";
import type { LogRouter } from "../log/types.ts";
import type { HelperStage } from "./chain.ts";
import { helperFailure, LISTEN_FD, prepareExec, spawnPlan, systemLookups, type ExecRequest } from "./exec.ts";
import { errnoOf, launchFailure } from "./failure.ts";
import { killEverything } from "./killall.ts";
import { behaviourOf, type RunOps } from "./lifecycle.ts";
import { createListeners, type Listeners } from "./listen.ts";
import { markerPresent } from "./marker.ts";
import { spawnProbe } from "./probe.ts";
import { openReadiness } from "./readiness.ts";
import type { Reaper } from "./reaper.ts";
import { Run, type ProcessRuntime } from "./run.ts";
import { fromBun } from "./signals.ts";

/** What the launcher is built from: whom to tell, where output goes, and the daemon's shared parts. */
export interface LauncherOptions {
  events: ProcessEvents;
  logs: LogRouter;
  /** The daemon environment (setenv/unsetenv change it); read at each launch. */
  env: Map<string, string>;
  reaper: Reaper;
  /** A private directory for notify sockets (short path: socket paths stay < 108 bytes). */
  runtimeDir: string;
  listeners?: Listeners;
  /** The helper commands a description needs (default helperStages; tests inject failing ones). */
  stages?: (service: ServiceDescription) => HelperStage[];
}

/** The Launcher plus what only the process layer knows. */
export interface ProcessLauncher extends Launcher {
  /** Readiness state and sd_notify STATUS= of a service's current launch. */
  runtime(name: string): ProcessRuntime;
  /**
   * Spawns a health command of the service as its current launch runs (the description it was
   * launched with, else `desc`): see health/types.ts SpawnProbe.
   */
  spawnProbe(desc: ServiceDescription, argv: string[]): ProbeChild | LaunchFailure;
  /**
   * SIGKILL to every process group bosun started (the second TERM during shutdown, the end of
   * the stop grace); each service's exit is logged with `why` (default: forced shutdown).
   */
  killAll(why?: string): void;
  /** Closes the listening and notify sockets (bosun exiting). */
  close(): void;
}

/**
 * Builds the launcher. Events are delivered to `opts.events` (usually the engine).
 *
 * @example
 * const launcher = createLauncher({ events: engine, logs, env, reaper, runtimeDir });
 * const engine = createEngine({ launcher, clock: realClock() });
 */
export function createLauncher(opts: LauncherOptions): ProcessLauncher {
  const { events, logs, reaper } = opts;
  const listeners = opts.listeners ?? createListeners();
  const runs = new Map<string, Run>();

  /** Deliver an event later and contain any exception: the supervisor must not die of it. */
  function emit(name: string, deliver: () => void): void {
    queueMicrotask(() => {
      try {
        deliver();
      } catch (e) {
        logs.system("error", `internal error handling a process event: ${(e as Error).stack ?? e}`, name);
      }
    });
  }

  const current = (run: Run) => runs.get(run.desc.name) === run;

  /** The launch is over: no more events for it after the one that says so. */
  function end(run: Run): void {
    run.finish();
    if (current(run)) runs.delete(run.desc.name);
  }

  const ops: RunOps = {
    launched(run, pid) {
      run.pid = pid;
      emit(run.desc.name, () => events.launched(run.desc.name, pid));
    },
    ready(run) {
      if (run.ready || !current(run)) return;
      run.ready = true;
      emit(run.desc.name, () => events.ready(run.desc.name));
    },
    exited(run, status) {
      const name = run.desc.name;
      if (run.forced) logs.system("warn", `killed with SIGKILL (${run.forced})`, name);
      end(run);
      emit(name, () => events.exited(name, status));
    },
    failed(run, failure) {
      end(run);
      emit(run.desc.name, () => events.launchFailed(run.desc.name, failure));
    },
    supervise(run, pid) {
      run.unclaim = reaper.claim(pid, (status) => {
        run.unclaim = null;
        ops.exited(run, status);
      });
    },
    stopCommand,
    warn: (run, message) => logs.system("warn", message, run.desc.name),
  };

  /** Prepares one command of the service (with the injected helper stages, if any). */
  const prepare = (d: ServiceDescription, request: ExecRequest) => prepareExec(d, opts.env, systemLookups, { ...request, stages: opts.stages?.(d) });

  /** Starts the service's command with its channels; its exit goes to its type's handling. */
  function launch(run: Run): void {
    const d = run.desc;
    const behaviour = behaviourOf(d);
    const request: ExecRequest = {};
    if (d.socketListen) {
      const fd = listeners.fd(d);
      if (typeof fd !== "number") return ops.failed(run, fd);
      request.listenFd = fd;
    }
    if (d.readiness) {
      try {
        run.readiness = openReadiness(d.readiness, { usedFds: request.listenFd === undefined ? [] : [LISTEN_FD], socketDir: opts.runtimeDir });
      } catch (e) {
        return ops.failed(run, launchFailure("ready-notification", errnoOf(e) ?? (e as { code?: string }).code ?? null, (e as Error).message));
      }
      request.pipes = run.readiness.pipeFds;
      request.env = run.readiness.env;
    }
    run.output = logs.open(d);
    const plan = prepare(d, request);
    if (!("argv" in plan)) return ops.failed(run, plan);
    const spawned = spawnPlan(plan, run.output);
    if (!("proc" in spawned)) return ops.failed(run, spawned);
    const { proc, markers } = spawned;
    run.proc = proc;
    run.pid = proc.pid;
    run.readiness?.listen((fd) => (typeof proc.stdio[fd] === "number" ? (proc.stdio[fd] as number) : null), {
      ready: () => ops.ready(run),
      status: (text) => void (run.statusText = text),
      // a pid from inside the service's pid namespace names nothing out here
      mainPid: (pid) => (plan.pidNamespace !== null ? ops.warn(run, `ignoring MAINPID=${pid}: it is a pid inside the service's pid namespace, whose init bosun supervises`) : ops.launched(run, pid)),
      stopping: () => logs.system("info", "service reports it is stopping", d.name),
    });
    emit(d.name, () => events.launched(d.name, proc.pid));
    // exec'd means every helper stage passed its marker
    markers.then((m) => {
      if (m.passed < plan.marked) return;
      if (m.message) ops.warn(run, `helper commands said: ${m.message}`);
      if (behaviour.readyOnExec(d)) ops.ready(run);
    });
    proc.exited.then(async () => {
      if (run.proc === proc) run.proc = null;
      const status = fromBun(proc.exitCode, proc.signalCode);
      const failure = helperFailure(plan, await markers, status);
      if (failure) return ops.failed(run, failure);
      behaviour.onExit(run, status, proc.pid, ops);
    });
  }

  /**
   * Runs a stop-command; `then` gets its status (or 127 for a launch failure, already logged).
   * The same identity and limits as the running service (dinit's rule); stdin is never the
   * service's (a consumer's is the producer's pipe, whose output the service must keep reading).
   */
  function stopCommand(run: Run, command: string[], then: (status: ExitStatus) => void): void {
    const d = run.desc;
    const output = logs.open(d);
    const plan = prepare(d, { command, stdin: "ignore", enter: run.pid });
    const spawned = "argv" in plan ? spawnPlan(plan, output) : plan;
    if (!("proc" in spawned)) {
      output.release();
      logs.system("error", `stop-command failed to launch: ${spawned.message}`, d.name);
      then({ code: 127, signal: null });
      return;
    }
    const { proc } = spawned;
    run.stopProc = proc;
    proc.exited.then(() => {
      output.release();
      run.stopProc = null;
      then(fromBun(proc.exitCode, proc.signalCode));
    });
  }

  /**
   * kill-all-on-stop: TERM, then KILL, to every other process, and only then the service's own
   * stop (an internal service has no run: its stop is reported here).
   */
  function killAllThenStop(desc: ServiceDescription, run: Run | undefined): void {
    if (run) run.stopping = true;
    logs.system("info", "kill-all-on-stop: sending TERM, then KILL, to every other process", desc.name);
    const then = () => {
      if (run === undefined) emit(desc.name, () => events.exited(desc.name, { code: 0, signal: null }));
      else if (current(run)) behaviourOf(run.desc).stop(run, desc, ops);
    };
    killEverything().then(
      (left) => {
        if (left > 0) logs.system("info", `kill-all-on-stop: ${left} process(es) outlived TERM and got KILL`, desc.name);
        then();
      },
      (e) => {
        logs.system("error", (e as Error).message, desc.name);
        then();
      },
    );
  }

  return {
    start(desc) {
      const run = new Run(desc);
      runs.set(desc.name, run);
      if (markerPresent(desc)) {
        logs.system("info", `run-once-marker ${desc.runOnceMarker} exists: start command skipped`, desc.name);
        ops.ready(run);
      } else if (runsAProcess(desc.type)) launch(run);
      else ops.ready(run);
    },

    stop(desc) {
      const run = runs.get(desc.name);
      if (desc.options.includes("kill-all-on-stop")) return killAllThenStop(desc, run);
      if (!run) return;
      run.stopping = true;
      behaviourOf(run.desc).stop(run, desc, ops);
    },

    kill(desc) {
      runs.get(desc.name)?.kill();
    },

    interrupt(desc) {
      runs.get(desc.name)?.signal("INT");
    },

    signal(desc, signal) {
      runs.get(desc.name)?.signal(signal);
    },

    runtime(name) {
      return runs.get(name)?.runtime() ?? { readiness: null, statusText: null };
    },

    spawnProbe(desc, argv) {
      const run = runs.get(desc.name);
      return spawnProbe(prepare(run?.desc ?? desc, { command: argv, stdin: "ignore", enter: run?.pid ?? null }));
    },

    killAll(why = "forced shutdown") {
      for (const run of runs.values()) {
        run.forced = why;
        run.kill();
      }
    },

    close() {
      for (const run of runs.values()) run.readiness?.close();
      listeners.closeAll();
    },
  };
}
