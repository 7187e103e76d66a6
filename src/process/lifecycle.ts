/**
 * @module process/lifecycle
 * What each service type makes of its process, in one table (as dinit gives each type its own
 * class): when it is ready, what the end of the command bosun spawned means, and how it stops.
 * - `process`: ready once exec'd, or when its readiness protocol says so; its exit is the
 *   service's, unless sd_notify `MAINPID=` named another process, which is then supervised.
 * - `bgprocess`: its command launches a daemon and exits 0; the pid file names the daemon,
 *   which is then supervised through the reaper.
 * - `scripted`: ready when `command` exits 0, with no process of its own; stops by running
 *   `stop-command`.
 * - `internal`, `triggered`: no process; ready at once, stopped at once.
 * - a scheduled service's run (`taskRun`): never ready; its exit is the run's end; it stops by
 *   its term-signal (a stop-command has no meaning for a run).
 * Which types spawn a command at all is config/kinds.ts's rule; the launcher asks there.
 */
import { readFileSync } from "node:fs";
import { isAbsolute, resolve } from "node:path";
import { runsOnSchedule } from "../config/kinds.ts";
import type { ServiceDescription, ServiceType } from "../config/schema.ts";
import { describeExit } from "../engine/outcome.ts";
import type { ExitStatus, LaunchFailure } from "../engine/types.ts";
import { workingDir } from "./exec.ts";
import { errnoOf, launchFailure } from "./failure.ts";
import { writeMarker } from "./marker.ts";
import type { Run } from "./run.ts";

/** What a type's handling can do with a run; the launcher provides it. */
export interface RunOps {
  /** `pid` is now the service's process: the engine is told. */
  launched(run: Run, pid: number): void;
  /** The service is up (told once per run). */
  ready(run: Run): void;
  /** The run is over with this status (its channels released). */
  exited(run: Run, status: ExitStatus): void;
  /** The launch failed before the service ran. */
  failed(run: Run, failure: LaunchFailure): void;
  /** The service lives on in `pid`, which bosun did not spawn: its end, via the reaper, ends the run. */
  supervise(run: Run, pid: number): void;
  /** Runs a stop-command with the identity and limits the run was launched with; `then` gets its status. */
  stopCommand(run: Run, command: string[], then: (status: ExitStatus) => void): void;
  /** One of bosun's own warnings about the service. */
  warn(run: Run, message: string): void;
}

/** How one service type treats its process. */
export interface TypeBehaviour {
  /** Ready as soon as the program is exec'd (every helper stage passed), with no word from it. */
  readyOnExec(d: ServiceDescription): boolean;
  /** The command bosun spawned (pid `spawned`) ended with `status`, after the program ran. */
  onExit(run: Run, status: ExitStatus, spawned: number, ops: RunOps): void;
  /**
   * The engine asks for an orderly stop (`run.stopping` is already set). `desc` is the
   * description as it is now: term-signal and stop-command take effect at once when a reload
   * changes them, so they are read from it, not from the one the run was launched with.
   */
  stop(run: Run, desc: ServiceDescription, ops: RunOps): void;
}

const CLEAN: ExitStatus = { code: 0, signal: null };

/** True while `pid` exists (a zombie counts: the reaper still has its status). */
function exists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return errnoOf(e) === "EPERM";
  }
}

/**
 * The daemon the pid file of a bgprocess names, or why there is none (stage `pid-file`). A
 * relative path is taken from the working directory.
 */
export function readPidFile(d: ServiceDescription): number | LaunchFailure {
  if (!d.pidFile) return launchFailure("pid-file", null, "a bgprocess needs pid-file to be supervised");
  const path = isAbsolute(d.pidFile) ? d.pidFile : resolve(workingDir(d), d.pidFile);
  let text: string;
  try {
    text = readFileSync(path, "utf8").trim();
  } catch (e) {
    return launchFailure("pid-file", errnoOf(e), path);
  }
  if (!/^\d+$/.test(text) || Number(text) <= 1) return launchFailure("pid-file", null, `no valid pid in ${path}: '${text.slice(0, 20)}'`);
  return Number(text);
}

/** process and bgprocess: stop-command if set, else term-signal; either way the process's own exit ends the stop. */
function stopRunning(run: Run, desc: ServiceDescription, ops: RunOps): void {
  if (!desc.stopCommand) return run.signal(desc.termSignal);
  // the command's status only matters if it failed
  ops.stopCommand(run, desc.stopCommand, (status) => {
    if (status.code !== 0) ops.warn(run, `stop-command ${describeExit(status)}`);
  });
}

const never = () => false;

/** internal and triggered: nothing is spawned, so there is no exit to handle. */
const noProcess: TypeBehaviour = {
  readyOnExec: never,
  onExit: (run, status, _spawned, ops) => ops.exited(run, status),
  stop: (run, _desc, ops) => ops.exited(run, CLEAN),
};

/**
 * Each service type's handling.
 *
 * @example
 * byType[desc.type].stop(run, desc, ops);
 */
export const byType: Record<ServiceType, TypeBehaviour> = {
  process: {
    readyOnExec: (d) => d.readiness === null,
    onExit(run, status, spawned, ops) {
      // After sd_notify MAINPID= the named process is the service (say, a daemon that forked
      // away from what bosun started), so the spawned process's exit does not end it.
      if (run.pid !== null && run.pid !== spawned && exists(run.pid)) return ops.supervise(run, run.pid);
      ops.exited(run, status);
    },
    stop: stopRunning,
  },
  bgprocess: {
    readyOnExec: never,
    onExit(run, status, _spawned, ops) {
      if (run.stopping || status.code !== 0) return ops.exited(run, status);
      const pid = readPidFile(run.desc);
      if (typeof pid !== "number") return ops.failed(run, pid);
      ops.launched(run, pid);
      ops.ready(run);
      ops.supervise(run, pid);
    },
    stop: stopRunning,
  },
  scripted: {
    readyOnExec: never,
    onExit(run, status, _spawned, ops) {
      if (run.stopping || status.code !== 0) return ops.exited(run, status);
      // the start script is done; the service is up with no process of its own
      const unwritten = writeMarker(run.desc);
      if (unwritten !== null) ops.warn(run, unwritten);
      run.output?.release();
      run.output = null;
      run.pid = null;
      ops.ready(run);
    },
    stop(run, desc, ops) {
      if (run.proc) return run.signal(desc.termSignal); // stopped while the start script runs
      if (!desc.stopCommand) return ops.exited(run, CLEAN);
      ops.stopCommand(run, desc.stopCommand, (status) => ops.exited(run, status));
    },
  },
  internal: noProcess,
  triggered: noProcess,
};

/** A scheduled service's run: what the engine launches at each due time instead of a service. */
export const taskRun: TypeBehaviour = {
  readyOnExec: never,
  onExit: (run, status, _spawned, ops) => ops.exited(run, status),
  stop: (run, desc) => run.signal(desc.termSignal),
};

/**
 * How a description's launches behave: a scheduled service's are runs, the rest as its type says.
 *
 * @example
 * behaviourOf(desc).onExit(run, status, pid, ops);
 */
export function behaviourOf(d: ServiceDescription): TypeBehaviour {
  return runsOnSchedule(d) ? taskRun : byType[d.type];
}
