/**
 * @module engine/types
 * The engine's boundary: what it asks of the world (a Launcher for processes, a Clock for
 * timers), what the world tells it back (process events), and what it reports (service status
 * and state-change events). Everything here is plain data; no I/O.
 */
import type { DepKind, ServiceDescription } from "../config/schema.ts";

/** Where a service is: dinit's four states. */
export type ServiceState = "stopped" | "starting" | "started" | "stopping";
/** Where a service is heading: started while activated, held by a dependent or pinned started. */
export type TargetState = "started" | "stopped";

/** Why a service stopped (dinit's stop reasons, spelled for JSON). */
export type StopReason =
  | "normal" // stopped on request, or a process service that exited while a stop was wanted
  | "dep-restart" // stopped because a hard dependency restarted
  | "dep-failed" // a hard dependency failed to start
  | "failed" // the process exited (or the start command failed) unexpectedly
  | "exec-failed" // the launch itself failed (see LaunchFailure)
  | "timed-out" // start-timeout expired
  | "terminated"; // the process ended of its own accord after it had started

/**
 * bosun's explanation beside dinit's stop reason: why the process ended when that is known from
 * outside it (the kernel's OOM killer in its cgroup, a health check that kept failing).
 */
export type Cause = "oom-killed" | "unhealthy";

/** How a process ended: exit code or signal name (e.g. "SEGV"), never both. */
export interface ExitStatus {
  code: number | null;
  signal: string | null;
}

/**
 * A launch that failed before the program ran: the stage (`exec`, `chdir`, `env-file`,
 * `log-file`, `rlimit`, `cgroup`, `setuid`, `socket`, `pid-file`, ...), the errno name, and a
 * message for people, e.g. `exec: ENOENT (no such file: /usr/bin/nginxx)`.
 */
export interface LaunchFailure {
  stage: string;
  errno: string | null;
  message: string;
}

/** What the engine asks the process layer to do. Calls return at once; outcomes come back via `ProcessEvents`. */
export interface Launcher {
  /**
   * Start the service's process: `command` for process/bgprocess/scripted. The launcher later
   * calls `ready` (exec'd, or ready by its readiness protocol, or pid file read, or the
   * scripted start command exited 0), `exited`, or `launchFailed`. For a scheduled service
   * (config/kinds.ts `runsOnSchedule`) this is one run of its command: `exited` or
   * `launchFailed` follow, never `ready`.
   */
  start(service: ServiceDescription): void;
  /**
   * Begin an orderly stop: `stop-command` if set (scripted: run it; no stop-command means
   * nothing to run and `exited` follows at once), else `term-signal` to the process group.
   */
  stop(service: ServiceDescription): void;
  /** stop-timeout expired: SIGKILL to every process of the service (its cgroup, or its process group and tree). */
  kill(service: ServiceDescription): void;
  /** start-timeout expired: SIGINT to the process group (dinit's choice). */
  interrupt(service: ServiceDescription): void;
  /** Deliver a signal (name without SIG) to the service's process (group unless signal-process-only). */
  signal(service: ServiceDescription, signal: string): void;
}

/** What the process layer tells the engine (methods of the Engine). */
export interface ProcessEvents {
  /** The process was spawned; pid known (not yet ready). */
  launched(name: string, pid: number): void;
  /** The service is up: exec'd, readiness received, pid file read, or start script done. */
  ready(name: string): void;
  /** The service's process (or script) ended; `cause` when bosun knows why from outside it. */
  exited(name: string, status: ExitStatus, cause?: Cause | null): void;
  /** The launch failed before the program ran. */
  launchFailed(name: string, failure: LaunchFailure): void;
}

/** An opaque timer handle from the Clock. */
export type TimerHandle = unknown;

/** Time for the engine: milliseconds; the daemon uses real timers, tests a manual clock. */
export interface Clock {
  now(): number;
  schedule(ms: number, callback: () => void): TimerHandle;
  cancel(handle: TimerHandle): void;
  /**
   * Calls `onJump` when `now()` moved other than by time passing (the clock was set, or the
   * machine slept while timers did not run), so wall-clock deadlines can be worked out again;
   * returns the function that stops watching. Absent: jumps go unnoticed until a timer fires.
   */
  watchJumps?(onJump: () => void): () => void;
}

/** How a scheduled service's run ended. */
export type RunResult =
  | "ok" // exited 0 (or of a signal that is no failure: engine/outcome's judgement)
  | "failed" // exited non-zero or was killed
  | "timed-out" // schedule-timeout expired and bosun stopped it
  | "exec-failed" // the launch failed before the command ran
  | "stopped"; // the task stopped while it ran, and bosun ended the run

/** One moment of a scheduled service's runs, beside its state changes on the event stream. */
export interface RunEvent {
  /**
   * `started`: a run launched; `ended`: it ended (`result`, and the event's `exit` or
   * `failure`); `skipped`: a due time came while a run went and was dropped; `queued`: a run
   * waits for the end of the one going (`schedule-overlap = queue`, or `bosun run`).
   */
  phase: "started" | "ended" | "skipped" | "queued";
  /** The run's number (1 = the first since the service was loaded); for `skipped`, the run still going; for `queued`, the number it will have. */
  number: number;
  /** Asked for by `bosun run`, not by the schedule. */
  byHand: boolean;
  /** For `started`: it waited for the previous run's end (it was queued). */
  fromQueue: boolean;
  /** Clock time the run started; null for `skipped` and `queued`. */
  start: number | null;
  /** For `ended`. */
  result: RunResult | null;
}

/** A run of a scheduled service that has ended. */
export interface FinishedRun {
  number: number;
  byHand: boolean;
  /** Clock times, ms. */
  start: number;
  end: number;
  result: RunResult;
  exit: ExitStatus | null;
  failure: LaunchFailure | null;
}

/** A scheduled service's runs and timing, as status reports them. */
export interface TaskStatus {
  schedule: string;
  /** The timezone the schedule is read in; null = bosun's local time. */
  timezone: string | null;
  /** When the next run starts (its due time plus jitter), clock ms; null while not started or when the schedule has ended. */
  next: number | null;
  /** The run going: its number, start and pid (null until known). */
  running: { number: number; start: number; byHand: boolean } | null;
  /** A run waits for the end of the one going. */
  queued: boolean;
  last: FinishedRun | null;
  /** Runs started since the service was loaded. */
  runs: number;
  /** Runs that ended failed, timed-out or exec-failed. */
  failures: number;
  /** Due times dropped because a run was still going. */
  skipped: number;
  /** Ended runs by result. */
  results: Record<RunResult, number>;
}

/**
 * One state change, delivered to subscribers in the order it happened. A smooth recovery (the
 * process restarted in place) is reported as `started` -> `started` with the exit and a note.
 */
export interface ServiceEvent {
  /** Increases by one per event across the engine. */
  seq: number;
  /** Clock time in ms. */
  time: number;
  service: string;
  from: ServiceState;
  to: ServiceState;
  target: TargetState;
  /** Set when `to` is stopped (and on stopping, the reason it is stopping). */
  reason: StopReason | null;
  exit: ExitStatus | null;
  /** Set with `exit`, when bosun knows why the process ended (see Cause). */
  cause: Cause | null;
  failure: LaunchFailure | null;
  /** Free text for logs: "restarting (2/3)", "restarting too quickly", "chain-to x", ... */
  note: string | null;
  /**
   * Set on a scheduled service's run events, which change no state (`from` = `to`): the run's
   * start, end (with `exit` or `failure`), or a due time skipped or queued.
   */
  run: RunEvent | null;
}

/** A service as the engine sees it: the JSON of `list`/`status` is built from this. */
export interface ServiceStatus {
  name: string;
  type: ServiceDescription["type"];
  state: ServiceState;
  target: TargetState;
  activated: boolean;
  pinned: TargetState | null;
  pid: number | null;
  exit: ExitStatus | null;
  reason: StopReason | null;
  /** Why the last process ended, when bosun knows it from outside (see Cause); with `exit`. */
  cause: Cause | null;
  failure: LaunchFailure | null;
  restarts: number;
  /** Clock time of the last transition to started, null when not started. */
  since: number | null;
  triggered: boolean;
  /** Edges out of this service (what it depends on). */
  depends: { kind: DepKind; name: string }[];
  /** Services that depend on this one. */
  dependents: { kind: DepKind; name: string }[];
  /** A scheduled service's runs and next due time; null for any other service. */
  task: TaskStatus | null;
}

/** Result of an engine command: ok, or refused with a reason a person can act on. */
export type CommandResult =
  | { ok: true }
  | {
      ok: false;
      /** not-found -> HTTP 404, refused -> 409, invalid -> 400 */
      code: "not-found" | "refused" | "invalid";
      message: string;
      /** for a refused stop: the started hard dependents */
      dependents?: string[];
    };

/** What `Engine.run` did: the run's number, and whether it waits for the one going. */
export interface RunStarted {
  number: number;
  queued: boolean;
}

/** The failing half of a CommandResult. */
export type CommandFailure = Extract<CommandResult, { ok: false }>;

/**
 * One description's reload, planned or done: its changed settings (spelled as in service files)
 * split by when they take effect. A reload never restarts a service (dinit's rule), so what
 * shapes a process that is already running waits for its next start.
 */
export interface ReloadChange {
  service: string;
  /** Changed settings the reload puts into effect at once (for a service not running: all). */
  now: string[];
  /** Changed settings that take effect only when the running service next starts (`bosun restart NAME`). */
  restartNeeded: string[];
  /** The hard dependents such a restart takes down and brings back with it, nearest first; empty when `restartNeeded` is. */
  restartsWith: string[];
}

/** What reloading a set of descriptions would do, without doing it. */
export interface ReloadPlan {
  /** The reloads that would be taken, in the order given. */
  changes: ReloadChange[];
  /** Services that would start at once: new dependencies of a running service, not up yet. */
  start: string[];
  /** Services that would stop at once: up, and nothing would want them any more. */
  stop: string[];
  /** The reloads that would be refused, with the reason. */
  refused: { service: string; reason: string }[];
}

/** What a reload did: exactly what `Engine.plan` said for that description just before. */
export type Reloaded = ReloadChange & { start: string[]; stop: string[] };

/** How the engine is built: its two injected interfaces and its own daemon-wide settings. */
export interface EngineOptions {
  launcher: Launcher;
  clock: Clock;
  /**
   * Lazy loader for services named but not yet loaded (dependencies, chain-to, start of an
   * unloaded name). Throws the loader's error (with file:line) when it cannot load.
   */
  load?: (name: string) => ServiceDescription;
  /** Soft limit on services starting at once (default unlimited). */
  maxStarting?: number;
  /** ms after which a service still starting stops counting against maxStarting. */
  startingGrace?: number;
  /** Uniform in [0, 1), for `schedule-jitter` (default Math.random; tests pick it). */
  random?: () => number;
}

/**
 * The engine: a pure state machine over the loaded services. Commands return at once with a
 * result; what happens afterwards is reported as events. `createEngine` in engine/engine.ts
 * builds one. Launcher callbacks may call back into the engine synchronously.
 */
export interface Engine extends ProcessEvents {
  /** Load (or return the already loaded) service and, lazily, what it reaches. */
  add(service: ServiceDescription): CommandResult;
  /** Activate and start (pulling in dependencies). `pin` keeps it started until unpinned. */
  start(name: string, opts?: { pin?: boolean }): CommandResult;
  /**
   * Start without activating: re-attaches the service to its active dependents (after a manual
   * stop broke their links) so it runs while they need it; refused when nothing active depends on it.
   */
  wake(name: string): CommandResult;
  /** The services a stop of `name` takes down with it: its hard dependents that are up or coming back, nearest first. */
  stopsWith(name: string): string[];
  /** Stop; refused with the started hard dependents unless forced. `pin` keeps it stopped. */
  stop(name: string, opts?: { force?: boolean; pin?: boolean }): CommandResult;
  /** Stop and start again (dependents restart with reason dep-restart). */
  restart(name: string): CommandResult;
  /** Remove the activation mark: stops if nothing started needs it. */
  release(name: string): CommandResult;
  unpin(name: string): CommandResult;
  trigger(name: string): CommandResult;
  untrigger(name: string): CommandResult;
  /**
   * A scheduled service's run, now (`bosun run`): it starts at once, or waits for the run going
   * with `schedule-overlap = queue`; refused otherwise and for a service that is not a started
   * task. Says the number the run has (or will have) and whether it waits.
   */
  run(name: string): ({ ok: true } & RunStarted) | CommandFailure;
  /** Send a signal to the service's running process (refused when none runs). */
  signal(name: string, signal: string): CommandResult;
  addDep(kind: "need" | "milestone" | "waits-for", from: string, to: string): CommandResult;
  rmDep(kind: "need" | "milestone" | "waits-for", from: string, to: string): CommandResult;
  /** Forget a stopped service nothing loaded depends on. */
  unload(name: string): CommandResult;
  /**
   * Replace a loaded description, restarting nothing: reports which changes took effect, which
   * wait for the next start, and what started or stopped, as `plan` would have said.
   */
  reload(service: ServiceDescription): ({ ok: true } & Reloaded) | CommandFailure;
  /** What reloading these descriptions would change now and at the next restart, start or stop; changes nothing. */
  plan(services: ServiceDescription[]): ReloadPlan;
  /**
   * The service's health check found it unhealthy. Started: it is restarted under its restart
   * policy as if it had crashed: its process is stopped (term-signal, SIGKILL at stop-timeout)
   * and that exit counts as a failure, against the restart limits, whatever its status;
   * `restart = no` leaves it running. Still starting: the start fails. The exit carries cause
   * `unhealthy`.
   */
  unhealthy(name: string): void;
  /** Stop everything in reverse dependency order; no restarts or chain-to from now on. */
  shutdown(): void;
  readonly shuttingDown: boolean;
  /** During shutdown (or any stop): services still being waited on and since when (clock ms). */
  waitingOn(): { name: string; state: ServiceState; since: number }[];
  status(name: string): ServiceStatus | null;
  list(): ServiceStatus[];
  description(name: string): ServiceDescription | null;
  /** Subscribe to state changes; returns the unsubscribe function. */
  subscribe(listener: (event: ServiceEvent) => void): () => void;
  /** True when nothing is running, starting or stopping and nothing is activated. */
  idle(): boolean;
}
