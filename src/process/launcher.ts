/**
 * @module process/launcher
 * The engine's Launcher for real processes. Each service runs in its own session and process
 * group (Bun.spawn `detached`), with the daemon's environment plus the service's own, its
 * working directory, and the standard streams the log router hands out. Outcomes go back to
 * the engine as ProcessEvents, always from a later microtask so the engine is never re-entered
 * from inside one of its own calls.
 *
 * Per type: `process` is ready once exec'd (or once its readiness protocol says so; after
 * sd_notify `MAINPID=` the named process is the one supervised);
 * `bgprocess` is ready when its launcher exits 0 and the pid file names the daemon, which is
 * then supervised through the reaper; `scripted` is ready when `command` exits 0 and stops by
 * running `stop-command`; `internal`/`triggered` have no process.
 */
import { readFileSync } from "node:fs";
import { isAbsolute, resolve } from "node:path";
import type { Subprocess } from "bun";
import type { ServiceDescription } from "../config/schema.ts";
import type { RuntimeInfo } from "../control/types.ts";
import { describeExit } from "../engine/outcome.ts";
import type { ExitStatus, LaunchFailure, Launcher, ProcessEvents } from "../engine/types.ts";
import type { LogRouter, ServiceOutput } from "../log/types.ts";
import type { HelperStage } from "./chain.ts";
import { helperFailure, LISTEN_FD, prepareExec, spawnPlan, systemLookups, workingDir, type ExecRequest } from "./exec.ts";
import { errnoOf, launchFailure } from "./failure.ts";
import { createListeners, type Listeners } from "./listen.ts";
import { openReadiness, type ReadinessChannel } from "./readiness.ts";
import type { Reaper } from "./reaper.ts";
import { fromBun, signalNumber } from "./signals.ts";

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
  runtime(name: string): Pick<RuntimeInfo, "readiness" | "statusText">;
  /** SIGKILL to every process group bosun started (the second TERM during shutdown). */
  killAll(): void;
  /** Closes the listening and notify sockets (bosun exiting). */
  close(): void;
}

/** One launch of one service, from start until its last process is gone. */
interface Run {
  desc: ServiceDescription;
  /** The process Bun spawned that is still running: start command, or a bgprocess launcher. */
  proc: Subprocess | null;
  /** The pid signals go to: the spawned process, the bgprocess daemon, or sd_notify MAINPID. */
  pid: number | null;
  output: ServiceOutput | null;
  readiness: ReadinessChannel | null;
  readyState: "waiting" | "ready" | null;
  statusText: string | null;
  ready: boolean;
  stopping: boolean;
  /** A stop-command (or scripted stop script) still running. */
  stopProc: Subprocess | null;
  /** SIGKILL came from bosun's forced shutdown (a stop-timeout kill is the engine's to report). */
  forced: boolean;
  unclaim: (() => void) | null;
}

/** True while `pid` exists (a zombie counts: the reaper still has its status). */
function exists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return errnoOf(e) === "EPERM";
  }
}

/** Signals go to the whole process group unless the service asks for its process only. */
const toGroup = (d: ServiceDescription) => !d.options.includes("signal-process-only");

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

  function fail(run: Run, failure: LaunchFailure): void {
    finish(run);
    emit(run.desc.name, () => events.launchFailed(run.desc.name, failure));
  }

  /** The launch is over: release its channels; no more events for it after this one. */
  function finish(run: Run): void {
    run.readiness?.close();
    run.readiness = null;
    run.output?.release();
    run.output = null;
    run.unclaim?.();
    run.unclaim = null;
    run.proc = null;
    run.pid = null;
    if (runs.get(run.desc.name) === run) runs.delete(run.desc.name);
  }

  function exited(run: Run, status: ExitStatus): void {
    const name = run.desc.name;
    if (run.forced) logs.system("warn", "killed with SIGKILL (forced shutdown)", name);
    finish(run);
    emit(name, () => events.exited(name, status));
  }

  function markReady(run: Run): void {
    if (run.ready || runs.get(run.desc.name) !== run) return;
    run.ready = true;
    if (run.readyState) run.readyState = "ready";
    emit(run.desc.name, () => events.ready(run.desc.name));
  }

  /** Sends a signal to the run's process group (or only its process), ignoring a gone process. */
  function send(run: Run, pid: number | null, signal: string, group = toGroup(run.desc)): void {
    if (pid === null || signal === "none") return;
    const n = signalNumber(signal) ?? 15;
    try {
      process.kill(group ? -pid : pid, n);
    } catch {
      // not a group leader (a bgprocess daemon that did not setsid), or already gone
      try {
        if (group) process.kill(pid, n);
      } catch {
        // gone: its exit is on the way
      }
    }
  }

  /** Prepares one command of the service (with the injected helper stages, if any). */
  const prepare = (d: ServiceDescription, request: ExecRequest) => prepareExec(d, opts.env, systemLookups, { ...request, stages: opts.stages?.(d) });

  /** Starts the service's main command and wires readiness, output and exit handling. */
  function launch(run: Run, onExit: (status: ExitStatus, spawned: number) => void): void {
    const d = run.desc;
    const request: ExecRequest = {};
    if (d.socketListen) {
      const fd = listeners.fd(d);
      if (typeof fd !== "number") return fail(run, fd);
      request.listenFd = fd;
    }
    if (d.readiness) {
      try {
        run.readiness = openReadiness(d.readiness, { usedFds: request.listenFd === undefined ? [] : [LISTEN_FD], socketDir: opts.runtimeDir });
      } catch (e) {
        return fail(run, launchFailure("ready-notification", errnoOf(e) ?? (e as { code?: string }).code ?? null, (e as Error).message));
      }
      run.readyState = "waiting";
      request.pipes = run.readiness.pipeFds;
      request.env = run.readiness.env;
    }
    run.output = logs.open(d);
    const plan = prepare(d, request);
    if (!("argv" in plan)) return fail(run, plan);
    const spawned = spawnPlan(plan, run.output);
    if (!("proc" in spawned)) return fail(run, spawned);
    const { proc, markers } = spawned;
    run.proc = proc;
    run.pid = proc.pid;
    run.readiness?.listen((fd) => (typeof proc.stdio[fd] === "number" ? (proc.stdio[fd] as number) : null), {
      ready: () => markReady(run),
      status: (text) => void (run.statusText = text),
      mainPid: (pid) => {
        run.pid = pid;
        emit(d.name, () => events.launched(d.name, pid));
      },
      stopping: () => logs.system("info", "service reports it is stopping", d.name),
    });
    emit(d.name, () => events.launched(d.name, proc.pid));
    // exec'd means every helper stage passed its marker
    markers.then((count) => {
      if (count === plan.stages.length && d.type === "process" && !d.readiness) markReady(run);
    });
    proc.exited.then(async () => {
      if (run.proc === proc) run.proc = null;
      const status = fromBun(proc.exitCode, proc.signalCode);
      const failure = helperFailure(plan, await markers, status);
      if (failure) return fail(run, failure);
      onExit(status, proc.pid);
    });
  }

  /** bgprocess: the launcher exited 0; the pid file names the daemon bosun now supervises. */
  function adoptDaemon(run: Run): void {
    const d = run.desc;
    if (!d.pidFile) return fail(run, launchFailure("pid-file", null, "a bgprocess needs pid-file to be supervised"));
    const path = isAbsolute(d.pidFile) ? d.pidFile : resolve(workingDir(d), d.pidFile);
    let text: string;
    try {
      text = readFileSync(path, "utf8").trim();
    } catch (e) {
      return fail(run, launchFailure("pid-file", errnoOf(e), path));
    }
    if (!/^\d+$/.test(text) || Number(text) <= 1) return fail(run, launchFailure("pid-file", null, `no valid pid in ${path}: '${text.slice(0, 20)}'`));
    const pid = Number(text);
    run.pid = pid;
    emit(d.name, () => events.launched(d.name, pid));
    markReady(run);
    supervise(run, pid);
  }

  /** The service lives on in a process bosun did not spawn: its end, via the reaper, ends the run. */
  function supervise(run: Run, pid: number): void {
    run.unclaim = reaper.claim(pid, (status) => {
      run.unclaim = null;
      exited(run, status);
    });
  }

  /** Runs stop-command; `then` gets its status (or a failure, already logged). */
  function runStopCommand(run: Run, then: (status: ExitStatus) => void): void {
    const d = run.desc;
    const output = logs.open(d);
    // The same identity and limits as the service (dinit's rule); stdin never the consumer's
    // pipe, which would take the producer's output away from the service itself.
    const plan = prepare(d, { command: d.stopCommand!, stdin: "ignore" });
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

  function newRun(desc: ServiceDescription): Run {
    return {
      desc,
      proc: null,
      pid: null,
      output: null,
      readiness: null,
      readyState: null,
      statusText: null,
      ready: false,
      stopping: false,
      stopProc: null,
      forced: false,
      unclaim: null,
    };
  }

  return {
    start(desc) {
      const run = newRun(desc);
      runs.set(desc.name, run);
      switch (desc.type) {
        case "internal":
        case "triggered":
          return markReady(run);
        case "process":
          return launch(run, (status, spawned) => {
            // After sd_notify MAINPID= the named process is the service (say, a daemon that forked
            // away from what bosun started), so the spawned process's exit does not end it.
            if (run.pid !== null && run.pid !== spawned && exists(run.pid)) return supervise(run, run.pid);
            exited(run, status);
          });
        case "scripted":
          return launch(run, (status) => {
            if (!run.stopping && status.code === 0) {
              // the start script is done; the service is up with no process of its own
              run.output?.release();
              run.output = null;
              run.pid = null;
              markReady(run);
            } else exited(run, status);
          });
        case "bgprocess":
          return launch(run, (status) => {
            if (!run.stopping && status.code === 0) adoptDaemon(run);
            else exited(run, status);
          });
      }
    },

    stop(desc) {
      const run = runs.get(desc.name);
      if (!run) return;
      run.stopping = true;
      if (desc.type === "internal" || desc.type === "triggered") return exited(run, { code: 0, signal: null });
      if (desc.type === "scripted") {
        if (run.proc) return send(run, run.pid, desc.termSignal); // stopped while the start script runs
        if (!desc.stopCommand) return exited(run, { code: 0, signal: null });
        return runStopCommand(run, (status) => exited(run, status));
      }
      if (desc.stopCommand) {
        // the main process's own exit ends the stop; the command's status only matters if it failed
        runStopCommand(run, (status) => {
          if (status.code !== 0) logs.system("warn", `stop-command ${describeExit(status)}`, desc.name);
        });
        return;
      }
      send(run, run.pid, desc.termSignal);
    },

    kill(desc) {
      const run = runs.get(desc.name);
      if (!run) return;
      send(run, run.pid, "KILL");
      if (run.stopProc) send(run, run.stopProc.pid, "KILL", true);
    },

    interrupt(desc) {
      const run = runs.get(desc.name);
      if (run) send(run, run.pid, "INT");
    },

    signal(desc, signal) {
      const run = runs.get(desc.name);
      if (run) send(run, run.pid, signal);
    },

    runtime(name) {
      const run = runs.get(name);
      return { readiness: run?.readyState ?? null, statusText: run?.statusText ?? null };
    },

    killAll() {
      for (const run of runs.values()) {
        run.forced = true;
        send(run, run.pid, "KILL");
        if (run.stopProc) send(run, run.stopProc.pid, "KILL", true);
      }
    },

    close() {
      for (const run of runs.values()) run.readiness?.close();
      listeners.closeAll();
    },
  };
}
