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
import { readFileSync, statSync } from "node:fs";
import { dirname, isAbsolute, resolve } from "node:path";
import type { Subprocess } from "bun";
import type { ServiceDescription } from "../config/schema.ts";
import type { RuntimeInfo } from "../control/types.ts";
import { describeExit } from "../engine/outcome.ts";
import type { ExitStatus, LaunchFailure, Launcher, ProcessEvents } from "../engine/types.ts";
import type { LogRouter, ServiceOutput } from "../log/types.ts";
import { DEFAULT_PATH, findProgram } from "../config/program.ts";
import { findUser } from "../config/users.ts";
import { chainArgv, helperStages, readMarkers, type HelperStage } from "./chain.ts";
import { errnoOf, launchFailure } from "./failure.ts";
import { createListeners, type Listeners } from "./listen.ts";
import { openReadiness, type ReadinessChannel } from "./readiness.ts";
import type { Reaper } from "./reaper.ts";
import { fromBun, signalNumber } from "./signals.ts";
import { spawnChild } from "./spawn.ts";

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

/** working-dir, else the service file's directory (dinit's rule), else bosun's own for ad-hoc services. */
const workDir = (d: ServiceDescription) => d.workingDir ?? (d.file ? dirname(d.file) : process.cwd());

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

  /**
   * Spawns one command of the service, argv checked first so a launch failure has its stage.
   * `markers` counts the helper stages that worked (all of them once the program runs).
   */
  function spawn(
    run: Run,
    argv: string[],
    extra: { fds: Map<number, number | "pipe">; env: Record<string, string>; stages: HelperStage[]; stdin?: "ignore" },
    output: ServiceOutput,
  ): { proc: Subprocess; markers: Promise<number> } | LaunchFailure {
    const d = run.desc;
    const cwd = workDir(d);
    try {
      if (!statSync(cwd).isDirectory()) return launchFailure("chdir", "ENOTDIR", cwd);
    } catch (e) {
      return launchFailure("chdir", errnoOf(e), cwd);
    }
    const env: Record<string, string> = { ...Object.fromEntries(opts.env), ...d.env, ...extra.env };
    const [program, ...args] = argv;
    if (!program) return launchFailure("exec", null, "empty command");
    const exe = findProgram(program, cwd, env.PATH ?? DEFAULT_PATH);
    if (typeof exe !== "string") return launchFailure("exec", exe.errno, exe.subject);
    const fds = new Map(extra.fds);
    let markerFd: number | null = null;
    if (extra.stages.length > 0) {
      markerFd = 3;
      while (fds.has(markerFd)) markerFd++;
      fds.set(markerFd, "pipe");
    }
    const stdio: (string | number)[] = [extra.stdin ?? output.stdin, output.stdout, output.stderr];
    const top = Math.max(2, ...fds.keys());
    for (let fd = 3; fd <= top; fd++) stdio.push(fds.get(fd) ?? "ignore");
    const cmd = chainArgv([exe, ...args], extra.stages, { markerFd, listenPid: d.socketListen !== null });
    let proc: Subprocess;
    try {
      proc = spawnChild(cmd, {
        cwd,
        env,
        // the program sees the name it was given, unless a helper or shell comes first
        argv0: cmd[0] === exe ? program : undefined,
        stdio: stdio as never,
        detached: true,
      });
    } catch (e) {
      return launchFailure(extra.stages[0]?.stage ?? "exec", errnoOf(e) ?? "ENOEXEC", cmd[0]!);
    }
    const markers = markerFd === null ? Promise.resolve(0) : readMarkers(proc.stdio[markerFd] as number, extra.stages.length);
    return { proc, markers };
  }

  /** Starts the service's main command and wires readiness, output and exit handling. */
  function launch(run: Run, onExit: (status: ExitStatus, spawned: number) => void): void {
    const d = run.desc;
    if (!d.command || d.command.length === 0) return fail(run, launchFailure("exec", null, `no command (type ${d.type} needs one)`));
    const fds = new Map<number, number | "pipe">();
    const env: Record<string, string> = {};
    if (d.socketListen) {
      const fd = listeners.fd(d);
      if (typeof fd !== "number") return fail(run, fd);
      fds.set(3, fd);
      env.LISTEN_FDS = "1";
    }
    if (d.readiness) {
      try {
        run.readiness = openReadiness(d.readiness, { usedFds: [...fds.keys()], socketDir: opts.runtimeDir });
      } catch (e) {
        return fail(run, launchFailure("ready-notification", errnoOf(e) ?? (e as { code?: string }).code ?? null, (e as Error).message));
      }
      run.readyState = "waiting";
      for (const fd of run.readiness.pipeFds) fds.set(fd, "pipe");
      Object.assign(env, run.readiness.env);
    }
    if (d.runAs !== null && !/^\d+$/.test(d.runAs) && !findUser(d.runAs)) {
      return fail(run, launchFailure("run-as", null, `no user ${d.runAs} in /etc/passwd`));
    }
    const stages = opts.stages?.(d) ?? helperStages(d, findUser);
    run.output = logs.open(d);
    const spawned = spawn(run, d.command, { fds, env, stages }, run.output);
    if (!("proc" in spawned)) return fail(run, spawned);
    const { proc, markers } = spawned;
    run.proc = proc;
    run.pid = proc.pid;
    attach(run.output, proc);
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
      if (count === stages.length && d.type === "process" && !d.readiness) markReady(run);
    });
    proc.exited.then(async () => {
      if (run.proc === proc) run.proc = null;
      const status = fromBun(proc.exitCode, proc.signalCode);
      const passed = await markers;
      const failed = stages[passed];
      if (failed) {
        return fail(run, launchFailure(failed.stage, null, `${failed.argv[0]} failed before the program ran (${describeExit(status)}); its message is in the service's log`));
      }
      onExit(status, proc.pid);
    });
  }

  function attach(output: ServiceOutput, proc: Subprocess): void {
    output.attach({
      stdout: proc.stdout instanceof ReadableStream ? proc.stdout : null,
      stderr: proc.stderr instanceof ReadableStream ? proc.stderr : null,
    });
  }

  /** bgprocess: the launcher exited 0; the pid file names the daemon bosun now supervises. */
  function adoptDaemon(run: Run): void {
    const d = run.desc;
    if (!d.pidFile) return fail(run, launchFailure("pid-file", null, "a bgprocess needs pid-file to be supervised"));
    const path = isAbsolute(d.pidFile) ? d.pidFile : resolve(workDir(d), d.pidFile);
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
    const stages = opts.stages?.(d) ?? helperStages(d, findUser);
    const spawned = spawn(run, d.stopCommand!, { fds: new Map(), env: {}, stages, stdin: "ignore" }, output);
    if (!("proc" in spawned)) {
      output.release();
      logs.system("error", `stop-command failed to launch: ${spawned.message}`, d.name);
      then({ code: 127, signal: null });
      return;
    }
    const { proc } = spawned;
    run.stopProc = proc;
    attach(output, proc);
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
