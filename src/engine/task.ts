/**
 * @module engine/task
 * The engine's record of a scheduled service's runs, and what is said about them: how a run's
 * end is judged (its result), the words the run events carry, and the status `status`, `list`
 * and /metrics report. engine/runs.ts moves the record; this module only reads it.
 */
import { runsOnSchedule } from "../config/kinds.ts";
import type { Schedule } from "../config/schedule.ts";
import { describeExit, isFailure } from "./outcome.ts";
import type { TaskTiming } from "./schedule-policy.ts";
import type { Service } from "./service.ts";
import type { ExitStatus, FinishedRun, LaunchFailure, RunResult, TaskStatus, TimerHandle } from "./types.ts";

/** The run going: when it started, and whether bosun has begun to end it (and why). */
export interface CurrentRun {
  number: number;
  start: number;
  byHand: boolean;
  /** Set once bosun stops the run: its schedule-timeout expired, or the task is stopping. */
  ending: "timed-out" | "stopped" | null;
}

/** A scheduled service's runs: created at its first start, kept (with its counts) while it is loaded. */
export interface TaskRecord {
  schedule: Schedule;
  timing: TaskTiming;
  /** The one timer engine/schedule-policy asks for: the next due time, or a step towards it. */
  timer: TimerHandle | null;
  /** The run's schedule-timeout, then its SIGKILL after stop-timeout. */
  runTimer: TimerHandle | null;
  current: CurrentRun | null;
  /** The queued run was asked for by hand (`bosun run`). */
  queuedByHand: boolean;
  /** Runs started so far: the number of the latest. */
  runs: number;
  results: Record<RunResult, number>;
  last: FinishedRun | null;
}

/** Results that count as failures in `status` and the run's log line. */
const FAILED: ReadonlySet<RunResult> = new Set<RunResult>(["failed", "timed-out", "exec-failed"]);

/** Zero runs of each result. */
export function noResults(): Record<RunResult, number> {
  return { ok: 0, failed: 0, "timed-out": 0, "exec-failed": 0, stopped: 0 };
}

/**
 * How a run ended: a launch failure, an end bosun caused (schedule-timeout, the task's stop),
 * or the exit as engine/outcome judges every exit.
 *
 * @example
 * runResult(run, { code: 1, signal: null }, null) // "failed"
 */
export function runResult(run: CurrentRun, exit: ExitStatus | null, failure: LaunchFailure | null): RunResult {
  if (failure !== null) return "exec-failed";
  if (run.ending !== null) return run.ending;
  return exit !== null && isFailure(exit) ? "failed" : "ok";
}

/** True for a result `status` counts among the failures. */
export function isFailedRun(result: RunResult): boolean {
  return FAILED.has(result);
}

function seconds(ms: number): string {
  return `${(Math.max(0, ms) / 1000).toFixed(1)}s`;
}

/**
 * The note of a run's end event, which bosun also logs.
 *
 * @example
 * endNote(finished) // "run 3 failed: exited with 1 after 2.1s"
 */
export function endNote(run: FinishedRun, scheduleTimeout: number): string {
  const after = `after ${seconds(run.end - run.start)}`;
  const exit = run.exit ? describeExit(run.exit) : "ended";
  switch (run.result) {
    case "ok":
      return `run ${run.number} done: ${exit} ${after}`;
    case "failed":
      return `run ${run.number} failed: ${exit} ${after}`;
    case "timed-out":
      return `run ${run.number} timed out: schedule-timeout ${scheduleTimeout}s expired; ${exit}`;
    case "exec-failed":
      return `run ${run.number} could not start: ${run.failure?.message ?? "launch failed"}`;
    case "stopped":
      return `run ${run.number} stopped with the task: ${exit} ${after}`;
  }
}

/**
 * What `status` shows of a scheduled service (null for any other): schedule, next due time,
 * the run going, the last run and the counts, which outlive a stop of the task.
 */
export function taskStatus(s: Service): TaskStatus | null {
  if (!runsOnSchedule(s.desc)) return null;
  const t = s.task;
  const results = { ...(t?.results ?? noResults()) };
  return {
    schedule: s.desc.schedule!,
    timezone: s.desc.scheduleTimezone,
    next: t?.timing.active ? t.timing.fireAt : null,
    running: t?.current ? { number: t.current.number, start: t.current.start, byHand: t.current.byHand } : null,
    queued: t?.timing.queued ?? false,
    last: t?.last ?? null,
    runs: t?.runs ?? 0,
    failures: (Object.keys(results) as RunResult[]).filter(isFailedRun).reduce((n, r) => n + results[r], 0),
    skipped: t?.timing.skipped ?? 0,
    results,
  };
}
