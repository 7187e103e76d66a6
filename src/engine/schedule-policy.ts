/**
 * @module engine/schedule-policy
 * When a scheduled service's runs start, as pure arithmetic over the wall-clock times its caller
 * passes in: the next due time and its jitter, wake-ups that reach a far due time in steps a
 * timer can hold, what a due time does while a run still goes (skipped and counted, or queued,
 * one at most), and re-arming against the wall clock after a run, a late wake-up or a clock set
 * back. It holds no timer and reads no clock: each function takes `now` and returns the new
 * state, whether to launch a run, and the one timer the caller should have armed.
 *
 * What is not caught up: due times while the task was stopped (a task counts from its start),
 * and the due times a late wake-up slept through (the machine was suspended, the clock jumped
 * forward): the due time the timer was armed for runs once, late, and the next one is the
 * first after the wake-up.
 */
import type { Schedule } from "../config/schedule.ts";
import type { ServiceDescription } from "../config/schema.ts";

/** The longest delay a timer holds (2^31-1 ms, about 24.8 days); a later due time is reached in steps. */
export const MAX_TIMER_DELAY = 2 ** 31 - 1;

/**
 * How far the wall clock may be set back before a cron schedule's due time is worked out afresh
 * (Vixie cron's three hours). Within it the due time stands, so what already ran in the stretch
 * the clock repeats does not run again; beyond it (a clock that was far ahead, corrected) the
 * task would otherwise wait that long. `@every` counts real time and re-arms on any set-back.
 */
export const CLOCK_BACK_LIMIT = 3 * 60 * 60 * 1000;

/** A scheduled service's timing while it is started. Times are wall-clock ms. */
export interface TaskTiming {
  /** Started and not stopped: due times run. */
  readonly active: boolean;
  /** When the task started: where an `@every` rhythm counts from. */
  readonly anchor: number;
  /** The next due time as the schedule gives it; null when none (stopped, or the schedule ended). */
  readonly due: number | null;
  /** `due` plus its jitter: when that run starts. */
  readonly fireAt: number | null;
  /** A run is going. */
  readonly running: boolean;
  /** A due time came during the run and waits for its end (`schedule-overlap = queue`). */
  readonly queued: boolean;
  /** Due times dropped because a run was still going (and, with `queue`, another already waited). */
  readonly skipped: number;
  /** The latest wall-clock time the policy was told, to notice a clock set back. */
  readonly seen: number;
}

/** A task's settings as the policy reads them, and its source of randomness. */
export interface TimingOptions {
  overlap: ServiceDescription["scheduleOverlap"];
  /** The most a run starts after its due time, ms (0 = on time). */
  jitter: number;
  /** Uniform in [0, 1); injected so tests pick the jitter. */
  random: () => number;
}

/** What the caller does after telling the policy something. */
export interface TimingStep {
  state: TaskTiming;
  /** Launch a run now. */
  run: boolean;
  /**
   * What became of a start that found a run going: a due time `skipped` (counted) or `queued`;
   * a `run` asked for by hand is `queued` or `refused` (not counted). Null when nothing did.
   */
  overlap: "skipped" | "queued" | "refused" | null;
  /** The one timer to have armed, in ms from now (replacing any other); call `wake` when it fires. Null: none. */
  timer: number | null;
}

/**
 * The policy's options from a description.
 *
 * @example
 * timingOptions(desc, Math.random) // { overlap: "skip", jitter: 300000, random }
 */
export function timingOptions(desc: ServiceDescription, random: () => number): TimingOptions {
  return { overlap: desc.scheduleOverlap, jitter: desc.scheduleJitter * 1000, random };
}

/**
 * The task starts at `now`: its first due time is the schedule's first after `now` (nothing
 * missed before is caught up). `skipped` carries a count over from an earlier activation.
 *
 * @example
 * const step = startTiming(parseSchedule("@hourly", "UTC"), now, options);
 * clock.schedule(step.timer!, () => wake(step.state, schedule, clock.now(), options));
 */
export function startTiming(schedule: Schedule, now: number, options: TimingOptions, skipped = 0): TimingStep {
  const state: TaskTiming = { active: true, anchor: now, due: null, fireAt: null, running: false, queued: false, skipped, seen: now };
  return step(arm(state, schedule, now, options), now, false, null);
}

/**
 * The timer fired, or the caller noticed the clock jump or the machine wake: at `now`, either
 * nothing is due yet (re-armed against the wall clock, in a step if still far) or the due time
 * has come: a run starts, or, with a run going, the due time is skipped or queued. Then the next
 * due time after `now` is armed.
 */
export function wake(state: TaskTiming, schedule: Schedule, now: number, options: TimingOptions): TimingStep {
  let s = observe(state, schedule, now, options);
  if (!s.active || s.fireAt === null || now < s.fireAt) return step(s, now, false, null);
  let run = false;
  let overlap: TimingStep["overlap"] = null;
  if (!s.running) {
    run = true;
    s = { ...s, running: true };
  } else if (options.overlap === "queue" && !s.queued) {
    overlap = "queued";
    s = { ...s, queued: true };
  } else {
    overlap = "skipped";
    s = { ...s, skipped: s.skipped + 1 };
  }
  return step(arm(s, schedule, now, options), now, run, overlap);
}

/**
 * The run ended at `now`: a queued run starts at once, and the timer is re-armed against the
 * wall clock (a due time that passed unnoticed during the run is handled as a late wake-up).
 */
export function runEnded(state: TaskTiming, schedule: Schedule, now: number, options: TimingOptions): TimingStep {
  const queued = state.active && state.queued;
  const next = wake({ ...state, running: queued, queued: false }, schedule, now, options);
  return queued ? { ...next, run: true } : next;
}

/**
 * A run asked for by hand (`bosun run`): it starts now unless one is going; then it waits for
 * the end of that one with `schedule-overlap = queue`, and is refused otherwise. Due times are
 * not moved. Refused too when the task is not started.
 */
export function runNow(state: TaskTiming, schedule: Schedule, now: number, options: TimingOptions): TimingStep {
  const s = observe(state, schedule, now, options);
  if (!s.active) return step(s, now, false, "refused");
  if (!s.running) return step({ ...s, running: true }, now, true, null);
  if (options.overlap === "queue" && !s.queued) return step({ ...s, queued: true }, now, false, "queued");
  return step(s, now, false, "refused");
}

/**
 * The task is stopping: no more due times, a queued run is dropped, and a run going is left to
 * the caller to wait for (`runEnded` then arms nothing).
 */
export function stopTiming(state: TaskTiming, now: number): TimingStep {
  return step({ ...state, active: false, due: null, fireAt: null, queued: false, seen: Math.max(state.seen, now) }, now, false, null);
}

/**
 * The schedule or its settings changed while the task is started (a reload): the next due
 * time is worked out afresh from `now` with the new ones. The anchor of an `@every` rhythm, a
 * run going and a run queued are kept.
 *
 * @example
 * const step = rearm(state, parseSchedule("@daily", "UTC"), now, options); // timer: ms to the next midnight
 */
export function rearm(state: TaskTiming, schedule: Schedule, now: number, options: TimingOptions): TimingStep {
  if (!state.active) return step(state, now, false, null);
  return step({ ...arm(state, schedule, now, options), seen: Math.max(state.seen, now) }, now, false, null);
}

/** The next due time after `after`, with its jitter drawn once (a re-armed timer keeps it). */
function arm(state: TaskTiming, schedule: Schedule, after: number, options: TimingOptions): TaskTiming {
  const due = schedule.next(after, state.anchor);
  if (due === null) return { ...state, due: null, fireAt: null };
  // Never past the following due time, so a jittered run cannot land behind its successor.
  const following = schedule.next(due, state.anchor);
  const span = following === null ? options.jitter : Math.min(options.jitter, following - due);
  const offset = span > 0 ? Math.floor(options.random() * span) : 0;
  return { ...state, due, fireAt: due + offset };
}

/** Notes `now`; a clock set back beyond the limit re-arms from `now`. */
function observe(state: TaskTiming, schedule: Schedule, now: number, options: TimingOptions): TaskTiming {
  const limit = schedule.every !== null ? 0 : CLOCK_BACK_LIMIT;
  if (state.active && now < state.seen - limit) return { ...arm(state, schedule, now, options), seen: now };
  return { ...state, seen: Math.max(state.seen, now) };
}

function step(state: TaskTiming, now: number, run: boolean, overlap: TimingStep["overlap"]): TimingStep {
  const timer = state.fireAt === null ? null : Math.min(Math.max(0, state.fireAt - now), MAX_TIMER_DELAY);
  return { state, run, overlap, timer };
}
