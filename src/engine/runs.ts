/**
 * @module engine/runs
 * Scheduled services as the state machine runs them. A task starts without running anything
 * and is `started` while active; engine/schedule-policy says, from the wall clock the Clock
 * gives, when a run is due, and this module keeps the one timer it names, launches each run
 * through the launcher's `start`, and reports it as run events (`ServiceEvent.run`). Runs
 * never overlap. A run's end is counted by result; it changes no state and restarts nothing.
 *
 * - `schedule-timeout` stops a run like any process: the stop signal, then SIGKILL after
 *   stop-timeout.
 * - Stopping the task sends nothing at first: it waits for the run up to stop-timeout, then
 *   sends the stop signal, then SIGKILL after a further stop-timeout (0 waits without limit).
 * - The Clock reports jumps of the wall clock (set, or the machine slept) while any task waits
 *   for a due time; every active task is then woken to re-arm against the wall clock.
 */
import { runsOnSchedule } from "../config/kinds.ts";
import { scheduleOf } from "../config/schedule.ts";
import { call, errorText, publish, schedule, transition, type Core } from "./core.ts";
import { armStopTimer, finishStop } from "./machine.ts";
import * as policy from "./schedule-policy.ts";
import type { Service } from "./service.ts";
import { endNote, noResults, runResult, type CurrentRun, type TaskRecord } from "./task.ts";
import type { Cause, CommandFailure, ExitStatus, LaunchFailure, RunEvent, RunStarted } from "./types.ts";

/** Who asked for what a timing step does: the schedule, `bosun run`, or the end of a run (a queued run). */
type Source = "due" | "hand" | "queue";

function options(core: Core, s: Service): policy.TimingOptions {
  return policy.timingOptions(s.desc, core.random);
}

function cancelTimer(core: Core, task: TaskRecord, timer: "timer" | "runTimer"): void {
  const handle = task[timer];
  if (handle !== null) {
    core.clock.cancel(handle);
    task[timer] = null;
  }
}

/** Queues a run event of `s`, which stays in the state it is in. */
function publishRun(
  core: Core,
  s: Service,
  run: RunEvent,
  note: string,
  ended: { exit: ExitStatus | null; failure: LaunchFailure | null; cause: Cause | null } = { exit: null, failure: null, cause: null },
): void {
  publish(core, { service: s.name, from: s.state, to: s.state, target: s.target, reason: null, ...ended, note, run });
}

/**
 * The task starts (instead of a launch): it is started at once, with its first due time
 * armed. Counts carry over from earlier activations; missed due times are not caught up.
 */
export function startTask(core: Core, s: Service): void {
  const schedule = scheduleOf(s.desc)!;
  const previous = s.task;
  const step = policy.startTiming(schedule, core.clock.now(), options(core, s), previous?.timing.skipped ?? 0);
  s.task = {
    schedule,
    timing: step.state,
    timer: null,
    runTimer: null,
    current: null,
    queuedByHand: false,
    runs: previous?.runs ?? 0,
    results: previous?.results ?? noResults(),
    last: previous?.last ?? null,
  };
  transition(core, s, "started");
  watchJumps(core);
  apply(core, s, step, "due");
}

/** The task stops taking due times (it is stopping): its timer and a queued run are dropped. */
export function stopTask(core: Core, s: Service): void {
  const task = s.task;
  if (!task?.timing.active) return;
  apply(core, s, policy.stopTiming(task.timing, core.clock.now()), "due");
  unwatchWhenIdle(core);
}

/**
 * The task's own stop, once its dependents are down: done at once without a run; otherwise
 * the run gets stop-timeout to finish, then the stop signal, then SIGKILL after another
 * stop-timeout (armStopTimer).
 */
export function bringDownTask(core: Core, s: Service): void {
  stopTask(core, s);
  if (!s.running) return finishStop(core, s);
  const timeout = s.desc.stopTimeout;
  if (timeout <= 0) return;
  s.stopTimer = schedule(core, s, timeout * 1000, () => {
    s.stopTimer = null;
    const run = s.task?.current;
    if (s.state !== "stopping" || !s.running || !run) return;
    run.ending ??= "stopped";
    const expired = `stop-timeout ${timeout}s expired; run ${run.number} sent ${s.desc.termSignal === "none" ? "no signal (term-signal none)" : s.desc.termSignal}`;
    s.pendingNote = s.pendingNote === null ? expired : `${s.pendingNote}; ${expired}`;
    call(core, (launcher, desc) => launcher.stop(desc), s);
    armStopTimer(core, s);
  });
}

/** The timer fired, or the wall clock jumped: the policy re-arms, or a due time has come. */
function wakeTask(core: Core, s: Service): void {
  const task = s.task;
  if (!task?.timing.active) return;
  apply(core, s, policy.wake(task.timing, task.schedule, core.clock.now(), options(core, s)), "due");
}

/** Carries out one step of the policy: the timer it names, the run it starts, the due time it skipped or queued. */
function apply(core: Core, s: Service, step: policy.TimingStep, source: Source): void {
  const task = s.task!;
  task.timing = step.state;
  cancelTimer(core, task, "timer");
  if (step.timer !== null) {
    task.timer = schedule(core, s, step.timer, () => {
      task.timer = null;
      if (s.task === task) wakeTask(core, s);
    });
  }
  if (step.run) {
    const byHand = source === "hand" || (source === "queue" && task.queuedByHand);
    if (source === "queue") task.queuedByHand = false;
    launchRun(core, s, byHand, source === "queue");
  }
  if (step.overlap === "queued") {
    task.queuedByHand = source === "hand";
    const going = task.current!.number;
    publishRun(core, s, { phase: "queued", number: task.runs + 1, byHand: source === "hand", fromQueue: false, start: null, result: null }, `run ${task.runs + 1} queued: it starts when run ${going} ends`);
  } else if (step.overlap === "skipped") {
    const going = task.current!.number;
    publishRun(core, s, { phase: "skipped", number: going, byHand: false, fromQueue: false, start: null, result: null }, `due time skipped: run ${going} is still going`);
  }
}

function launchRun(core: Core, s: Service, byHand: boolean, fromQueue: boolean): void {
  const task = s.task!;
  const number = ++task.runs;
  const start = core.clock.now();
  const run: CurrentRun = { number, start, byHand, ending: null };
  task.current = run;
  s.running = true;
  s.pid = null;
  if (s.desc.scheduleTimeout > 0) {
    task.runTimer = schedule(core, s, s.desc.scheduleTimeout * 1000, () => {
      task.runTimer = null;
      if (task.current === run) timedOut(core, s, run);
    });
  }
  const how = byHand ? " (bosun run)" : fromQueue ? " (queued)" : "";
  publishRun(core, s, { phase: "started", number, byHand, fromQueue, start, result: null }, `run ${number} started${how}`);
  call(core, (launcher, desc) => {
    try {
      launcher.start(desc);
    } catch (error) {
      const failure = { stage: "launch", errno: null, message: `launcher: ${errorText(error)}` };
      core.input(() => {
        if (s.task?.current === run) runEnded(core, s, null, failure);
      });
    }
  }, s);
}

/** schedule-timeout expired: the run is stopped like a service's process. */
function timedOut(core: Core, s: Service, run: CurrentRun): void {
  const task = s.task!;
  run.ending ??= "timed-out";
  call(core, (launcher, desc) => launcher.stop(desc), s);
  const grace = s.desc.stopTimeout;
  if (grace <= 0) return;
  task.runTimer = schedule(core, s, grace * 1000, () => {
    task.runTimer = null;
    if (task.current === run) call(core, (launcher, desc) => launcher.kill(desc), s);
  });
}

/** True while `s` has a run going, so the launcher's exit or launch failure is the run's. */
export function runGoing(s: Service): boolean {
  return s.running && s.task?.current != null;
}

/**
 * A run ended (`exit`, with its `cause` when known) or could not be launched (`failure`): counted, reported, and the next
 * one armed (or a queued one started). The task's state does not change, unless it was only
 * waiting for this run to stop.
 */
export function runEnded(core: Core, s: Service, exit: ExitStatus | null, failure: LaunchFailure | null, cause: Cause | null = null): void {
  const task = s.task!;
  const run = task.current!;
  cancelTimer(core, task, "runTimer");
  task.current = null;
  s.running = false;
  s.pid = null;
  const result = runResult(run, exit, failure);
  task.results[result] += 1;
  const finished = { number: run.number, byHand: run.byHand, start: run.start, end: core.clock.now(), result, exit, failure };
  task.last = finished;
  publishRun(core, s, { phase: "ended", number: run.number, byHand: run.byHand, fromQueue: false, start: run.start, result }, endNote(finished, s.desc.scheduleTimeout), { exit, failure, cause });
  const queued = task.timing.queued;
  apply(core, s, policy.runEnded(task.timing, task.schedule, core.clock.now(), options(core, s)), queued ? "queue" : "due");
  if (s.state === "stopping" && s.broughtDown) finishStop(core, s);
}

/** `bosun run`: a run of a started task now, or after the one going (queue); refused otherwise. */
export function runTaskNow(core: Core, s: Service): ({ ok: true } & RunStarted) | CommandFailure {
  if (!runsOnSchedule(s.desc)) {
    return { ok: false, code: "invalid", message: `${s.name} is not a scheduled service (it has no schedule); start or trigger it instead` };
  }
  const task = s.task;
  if (s.state !== "started" || !task?.timing.active) {
    return { ok: false, code: "refused", message: `${s.name} is ${s.state}: runs go only while the task is started; start it first` };
  }
  const step = policy.runNow(task.timing, task.schedule, core.clock.now(), options(core, s));
  if (step.overlap === "refused") {
    const going = task.current?.number;
    const why = task.timing.queued ? `run ${going} is still going and run ${task.runs + 1} already waits for it` : `run ${going} is still going, and runs never overlap (with schedule-overlap = queue, a run asked for now waits for it)`;
    return { ok: false, code: "refused", message: `${s.name}: ${why}` };
  }
  const number = task.runs + 1;
  apply(core, s, step, "hand");
  return { ok: true, number, queued: step.overlap === "queued" };
}

/** A reload changed the task's settings while it is started: its schedule is read again and the next due time armed afresh. */
export function retimeTask(core: Core, s: Service): void {
  const task = s.task;
  if (!task?.timing.active || !runsOnSchedule(s.desc)) return;
  task.schedule = scheduleOf(s.desc)!;
  apply(core, s, policy.rearm(task.timing, task.schedule, core.clock.now(), options(core, s)), "due");
}

/** Watches the clock for jumps while some task is active: each one wakes every active task. */
function watchJumps(core: Core): void {
  if (core.unwatchJumps !== null || !core.clock.watchJumps) return;
  core.unwatchJumps = core.clock.watchJumps(() =>
    core.input(() => {
      for (const s of core.services.values()) wakeTask(core, s);
    }),
  );
}

function unwatchWhenIdle(core: Core): void {
  if (core.unwatchJumps === null) return;
  for (const s of core.services.values()) if (s.task?.timing.active) return;
  core.unwatchJumps();
  core.unwatchJumps = null;
}
