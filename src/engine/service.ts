/**
 * @module engine/service
 * The engine's record of one loaded service (its state, marks, timers and restart history) and
 * of one dependency link between two records, with the small predicates the state machine asks
 * of them. Records are mutable and private to the engine; `toStatus` is the public snapshot.
 */
import type { DepKind, ServiceDescription } from "../config/schema.ts";
import type {
  Cause,
  ExitStatus,
  LaunchFailure,
  ServiceState,
  ServiceStatus,
  StopReason,
  TargetState,
  TimerHandle,
} from "./types.ts";
import { taskStatus, type TaskRecord } from "./task.ts";

/**
 * A dependency edge `from` -> `to`. `holding` means `from` currently keeps `to` wanted: set while
 * `from` is up (or on its way up), cleared when `from` is down for good or the link is broken
 * (a soft dependency stopped by hand stays stopped until its dependent starts again).
 */
export interface Link {
  kind: DepKind;
  from: Service;
  to: Service;
  holding: boolean;
}

/** The engine's mutable record of one loaded service; machine.ts moves it, `toStatus` reports it. */
export interface Service {
  name: string;
  desc: ServiceDescription;
  state: ServiceState;
  target: TargetState;
  activated: boolean;
  pinned: TargetState | null;
  triggered: boolean;
  deps: Link[];
  dependents: Link[];
  /** Number of `holding` links into this service. */
  holds: number;
  /** Waiting in the engine's queue of services to re-evaluate. */
  marked: boolean;
  /** The launcher owes an `exited` or `launchFailed` for this service (process or script). */
  running: boolean;
  /** While stopping: the service's own stop has begun (dependents are already down). */
  broughtDown: boolean;
  pid: number | null;
  exit: ExitStatus | null;
  reason: StopReason | null;
  cause: Cause | null;
  failure: LaunchFailure | null;
  /** bosun is ending this run because its health check failed: the exit is a failure with cause `unhealthy`. */
  unhealthy: boolean;
  /** Reason and note of the stop in progress, reported when it completes. */
  pendingReason: StopReason | null;
  pendingNote: string | null;
  /** Delay (ms) to wait after this stop completes before the automatic restart. */
  restartAfter: number | null;
  restarts: number;
  /** Clock time of the last transition to started. */
  since: number | null;
  /** Clock time of the last state change, or of the start of its own stop (for waitingOn). */
  stateSince: number;
  /** Clock time the running process last came up (differs from `since` after smooth recovery). */
  upSince: number | null;
  /** Times of automatic restarts, for restart-limit-count within restart-limit-interval. */
  restartTimes: number[];
  /** Consecutive automatic restarts, for the exponential backoff. */
  backoff: number;
  restartTimer: TimerHandle | null;
  startTimer: TimerHandle | null;
  stopTimer: TimerHandle | null;
  graceTimer: TimerHandle | null;
  /** A scheduled service's runs and timing (engine/task.ts); null until it first starts. */
  task: TaskRecord | null;
  /**
   * A run-once service whose start succeeded: it stays started, whatever its dependents and
   * restarting dependencies do, until it is stopped by hand or bosun shuts down.
   */
  settled: boolean;
}

/** A `need` or `prepared-by` edge: the dependent cannot run without the dependency. */
export function isHard(kind: DepKind): boolean {
  return kind === "need" || kind === "prepared-by";
}

/** Kinds that must have started before the dependent may start. */
export function mustStartFirst(kind: DepKind): boolean {
  return kind !== "waits-for";
}

/** True while a service has a process or a state that a command must respect. */
export function isUp(s: Service): boolean {
  return s.state !== "stopped" || s.running;
}

/** Up, or stopped only until it starts again (its target is started: waiting out a restart-delay). */
export function upOrComingBack(s: Service): boolean {
  return isUp(s) || s.target === "started";
}

/**
 * The hard dependents of `s` that are up or coming back, transitively, nearest first: the ones
 * a stop of `s` takes down with it (or is refused for), and the ones a restart of `s` takes
 * down and brings back. A dependent that is stopped but whose target is started (waiting out
 * its restart-delay) counts: it starts again soon and needs `s` as much as a running one does,
 * so a stop that left it out would see it start `s` again, and a reload plan that left it out
 * would name fewer services than the stop refusal.
 */
export function upHardDependents(s: Service): Service[] {
  const found: Service[] = [];
  const seen = new Set<Service>([s]);
  for (let i = -1; i < found.length; i++) {
    const current = i < 0 ? s : found[i]!;
    for (const l of current.dependents) {
      const f = l.from;
      if (isHard(l.kind) && !seen.has(f) && upOrComingBack(f)) {
        seen.add(f);
        found.push(f);
      }
    }
  }
  return found;
}

/** A fresh, stopped record for a description. */
export function createService(desc: ServiceDescription, now: number): Service {
  return {
    name: desc.name,
    desc,
    state: "stopped",
    target: "stopped",
    activated: false,
    pinned: null,
    triggered: false,
    deps: [],
    dependents: [],
    holds: 0,
    marked: false,
    running: false,
    broughtDown: false,
    pid: null,
    exit: null,
    reason: null,
    cause: null,
    failure: null,
    unhealthy: false,
    pendingReason: null,
    pendingNote: null,
    restartAfter: null,
    restarts: 0,
    since: null,
    stateSince: now,
    upSince: null,
    restartTimes: [],
    backoff: 0,
    restartTimer: null,
    startTimer: null,
    stopTimer: null,
    graceTimer: null,
    task: null,
    settled: false,
  };
}

/** Links a dependency edge into both records (not yet holding). */
export function link(kind: DepKind, from: Service, to: Service): Link {
  const edge: Link = { kind, from, to, holding: false };
  from.deps.push(edge);
  to.dependents.push(edge);
  return edge;
}

/** Removes an edge from both records; the caller releases it first. */
export function unlink(edge: Link): void {
  edge.from.deps.splice(edge.from.deps.indexOf(edge), 1);
  edge.to.dependents.splice(edge.to.dependents.indexOf(edge), 1);
}

/** The public snapshot of a record. */
export function toStatus(s: Service): ServiceStatus {
  return {
    name: s.name,
    type: s.desc.type,
    state: s.state,
    target: s.target,
    activated: s.activated,
    pinned: s.pinned,
    pid: s.pid,
    exit: s.exit,
    reason: s.reason,
    cause: s.cause,
    failure: s.failure,
    restarts: s.restarts,
    since: s.state === "started" ? s.since : null,
    triggered: s.triggered,
    depends: s.deps.map((l) => ({ kind: l.kind, name: l.to.name })),
    dependents: s.dependents.map((l) => ({ kind: l.kind, name: l.from.name })),
    task: taskStatus(s),
  };
}
