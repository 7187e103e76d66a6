/**
 * @module process/launcher
 * The engine's Launcher for real processes. Each service runs in its own session and process
 * group, with the daemon's environment plus the service's own, its working directory, and the
 * standard streams the log router hands out (exec.ts plans and spawns each command). What a
 * spawned process's readiness and exit mean, and how a service stops, is its type's entry in
 * lifecycle.ts. Outcomes go back to the engine as ProcessEvents, always from a later microtask
 * so the engine is never re-entered from inside one of its own calls.
 *
 * Each run of a service that gets a cgroup gets a fresh one at its start, and everything the
 * service runs (its command, stop-command, health-command) joins it before exec. A stop ends
 * every process of the service, not just the leader:
 * - the stop signal goes to the leader's process group (its process alone with
 *   `signal-process-only`), or the stop-command runs;
 * - once the leader is gone, processes of the service that had no stop signal yet get it,
 *   and the rest of the stop-timeout to go;
 * - at the stop-timeout, SIGKILL to every process of the service: its cgroup (cgroup.kill, or
 *   freeze-and-kill), or without one its process tree (process/tree.ts);
 * - a run that ends of itself (a crash) has what is left of it killed at once.
 * The end is reported once none is left, or a bounded wait past SIGKILL (a process in
 * uninterruptible sleep cannot die until it wakes: it is logged with its pid, and a stuck
 * leader's run is reported ended by KILL).
 */
import type { Cgroups } from "../cgroup/manager.ts";
import type { ServiceDescription } from "../config/schema.ts";
import { runsAProcess } from "../config/kinds.ts";
import { isFailure } from "../engine/outcome.ts";
import type { Cause, ExitStatus, LaunchFailure, Launcher, ProcessEvents } from "../engine/types.ts";
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
import { Run, type Members, type ProcessRuntime, type Resources } from "./run.ts";
import { fromBun } from "./signals.ts";
import { readEntry } from "./tree.ts";

/** What the launcher is built from: whom to tell, where output goes, and the daemon's shared parts. */
export interface LauncherOptions {
  events: ProcessEvents;
  logs: LogRouter;
  /** The daemon environment (setenv/unsetenv change it); read at each launch. */
  env: Map<string, string>;
  reaper: Reaper;
  /** A private directory for notify sockets (short path: socket paths stay < 108 bytes). */
  runtimeDir: () => string;
  listeners?: Listeners;
  /** The helper commands a description needs (default helperStages; tests inject failing ones). */
  stages?: (service: ServiceDescription) => HelperStage[];
  /** bosun's cgroups, which prepare a cgroup for each run of a service that gets one (default: none). */
  cgroups?: Pick<Cgroups, "prepare">;
  /** How long processes may take to go after SIGKILL before the run counts as ended anyway (default 5000 ms). */
  killWaitMs?: number;
}

/** The default bound on the wait for killed processes to go. */
const KILL_WAIT_MS = 5000;
/** While a stopping run's remaining processes have their stop-timeout, how often the wait checks for a kill. */
const GRACE_CHECK_MS = 250;

/** The Launcher plus what only the process layer knows. */
export interface ProcessLauncher extends Launcher {
  /** Readiness state and sd_notify STATUS= of a service's current launch. */
  runtime(name: string): ProcessRuntime;
  /** Memory, CPU time, processes and OOM kills from a service's cgroups, read now. */
  resources(name: string): Resources;
  /**
   * Spawns a health command of the service as its current launch runs (the description it was
   * launched with, else `desc`): see health/types.ts SpawnProbe.
   */
  spawnProbe(desc: ServiceDescription, argv: string[]): ProbeChild | LaunchFailure;
  /**
   * SIGKILL to every process of every service (the second TERM during shutdown, the end of the
   * stop grace); each service's exit is logged with `why` (default: forced shutdown).
   */
  killAll(why?: string): void;
  /** Closes the listening and notify sockets (bosun exiting). */
  close(): void;
}

/**
 * Builds the launcher. Events are delivered to `opts.events` (usually the engine).
 *
 * @example
 * const launcher = createLauncher({ events: engine, logs, env, reaper, runtimeDir: () => dir });
 * const engine = createEngine({ launcher, clock: realClock() });
 */
export function createLauncher(opts: LauncherOptions): ProcessLauncher {
  const { events, logs, reaper } = opts;
  const listeners = opts.listeners ?? createListeners();
  const runs = new Map<string, Run>();
  const killWaitMs = opts.killWaitMs ?? KILL_WAIT_MS;
  /** OOM kills in the cgroups of runs that ended, per service. */
  const oomTotals = new Map<string, number>();

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

  /** Waits until every process of `members` is gone, or the run is killed. */
  async function whileStopping(run: Run, members: Members): Promise<void> {
    while (run.killedAt === null) {
      if ((await members.waitEmpty(GRACE_CHECK_MS)).length === 0) return;
    }
  }

  /**
   * What is left of a run whose leader is gone: in an orderly stop, those the stop did not
   * reach (outside the process group its signal went to, or the stop-command's; all of them
   * after a stop-command or with `signal-process-only`) get the stop signal, and all of them
   * the rest of the stop-timeout (the engine's kill ends it); otherwise, and after that,
   * SIGKILL. Resolves once none is left or the wait past SIGKILL is over; never rejects.
   */
  async function settle(run: Run): Promise<void> {
    const name = run.desc.name;
    try {
      const members = run.members;
      if (members.pids().length === 0) return;
      if (run.stopping && run.killedAt === null) {
        for (const pid of members.pids()) {
          const pgrp = readEntry(pid)?.pgrp;
          if (pgrp !== undefined && !run.stopReached.has(pgrp)) run.signal(run.stopSignal, pid, false);
        }
        await whileStopping(run, members);
      }
      const left = await run.killWhole(killWaitMs);
      if (left.length > 0) {
        logs.system("warn", `processes left ${killWaitMs / 1000}s after SIGKILL, in uninterruptible sleep or frozen: pids ${left.join(" ")}`, name);
      }
    } catch (e) {
      logs.system("error", `internal error ending the run: ${(e as Error).stack ?? e}`, name);
    }
  }

  /** SIGKILL to every process of the run; a leader that still will not go ends the run without its exit. */
  async function killRun(run: Run): Promise<void> {
    const left = await run.killWhole(killWaitMs);
    if (run.ending || !run.leaders().some((p) => left.includes(p))) return;
    ops.exited(run, { code: null, signal: "KILL" });
  }

  /** Why the run's process ended, when its cgroup tells (the OOM killer); counts its OOM kills. */
  function causeOf(run: Run, status: ExitStatus): Cause | null {
    const kills = run.cgroup?.oomKills() ?? null;
    if (kills === null) return null;
    oomTotals.set(run.desc.name, (oomTotals.get(run.desc.name) ?? 0) + kills);
    return kills > 0 && isFailure(status) ? "oom-killed" : null;
  }

  const ops: RunOps = {
    launched(run, pid) {
      if (run.ending) return;
      run.pid = pid;
      emit(run.desc.name, () => events.launched(run.desc.name, pid));
    },
    ready(run) {
      if (run.ready || run.ending || !current(run)) return;
      run.ready = true;
      emit(run.desc.name, () => events.ready(run.desc.name));
    },
    exited(run, status) {
      if (run.ending) return;
      run.ending = true;
      // its pid may be a stranger's soon: what is left of the run is reached through its members
      run.pid = null;
      const name = run.desc.name;
      void settle(run).then(() => {
        const cause = causeOf(run, status);
        if (run.forced) logs.system("warn", `killed with SIGKILL (${run.forced})`, name);
        end(run);
        emit(name, () => events.exited(name, status, cause));
      });
    },
    failed(run, failure) {
      if (run.ending) return;
      run.ending = true;
      run.pid = null;
      void settle(run).then(() => {
        end(run);
        emit(run.desc.name, () => events.launchFailed(run.desc.name, failure));
      });
    },
    supervise(run, pid) {
      // a daemon that made a session of its own: its session is the service's too
      run.tree.addSession(pid);
      run.unclaim = reaper.claim(pid, (status) => {
        run.unclaim = null;
        ops.exited(run, status);
      });
    },
    stopCommand,
    warn: (run, message) => logs.system("warn", message, run.desc.name),
  };

  /**
   * Prepares one command of the service (with the injected helper stages, if any) in the cgroup
   * of its current run: whatever the launcher runs for a service goes through here.
   */
  const prepare = (d: ServiceDescription, request: ExecRequest) =>
    prepareExec(d, opts.env, systemLookups, { ...request, stages: opts.stages?.(d), cgroup: runs.get(d.name)?.cgroup ?? null });

  /** Starts the service's command with its channels; its exit goes to its type's handling. */
  function launch(run: Run): void {
    const d = run.desc;
    const behaviour = behaviourOf(d);
    // a fresh cgroup for every run: one a kill emptied would kill what joins it
    const cgroup = opts.cgroups?.prepare(d);
    if (cgroup && !cgroup.ok) return ops.failed(run, cgroup.failure);
    for (const w of cgroup?.warnings ?? []) logs.system("warn", w, d.name);
    run.cgroup = cgroup?.cgroup ?? null;
    const request: ExecRequest = {};
    if (d.socketListen) {
      const fd = listeners.fd(d);
      if (typeof fd !== "number") return ops.failed(run, fd);
      request.listenFd = fd;
    }
    if (d.readiness) {
      try {
        run.readiness = openReadiness(d.readiness, { usedFds: request.listenFd === undefined ? [] : [LISTEN_FD], socketDir: opts.runtimeDir() });
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
    run.tree.addSession(proc.pid);
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
      if (run.ending) return;
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
    run.tree.addSession(proc.pid);
    // it needs no stop signal: it is the stop
    run.stopReached.add(proc.pid);
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
    if (run) {
      run.stopping = true;
      run.stopSignal = desc.termSignal;
    }
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
      // an ending run's exit is on its way
      if (!run || run.ending) return;
      run.stopping = true;
      run.stopSignal = desc.termSignal;
      // without a cgroup, the tree as it is now: its grandchildren are found after their parents die
      if (!run.cgroup?.owned) run.tree.snapshot();
      behaviourOf(run.desc).stop(run, desc, ops);
    },

    kill(desc) {
      const run = runs.get(desc.name);
      if (run) void killRun(run);
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

    resources(name) {
      const cgroup = runs.get(name)?.cgroup ?? null;
      const now = cgroup?.oomKills() ?? null;
      const before = oomTotals.get(name);
      return { usage: cgroup?.usage() ?? null, oomKills: now === null && before === undefined ? null : (before ?? 0) + (now ?? 0) };
    },

    spawnProbe(desc, argv) {
      const run = runs.get(desc.name);
      return spawnProbe(prepare(run?.desc ?? desc, { command: argv, stdin: "ignore", enter: run?.pid ?? null }));
    },

    killAll(why = "forced shutdown") {
      for (const run of runs.values()) {
        run.forced = why;
        void killRun(run);
      }
    },

    close() {
      for (const run of runs.values()) run.readiness?.close();
      listeners.closeAll();
    },
  };
}
