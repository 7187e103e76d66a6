/**
 * @module engine/machine
 * The state machine, dinit's activation model made level-triggered: every change marks the
 * services that look at it, and `settle` re-evaluates marked services until nothing moves. Each
 * evaluation compares one service's state with its target and its neighbours and takes at most
 * one step (start, launch, stop, bring down). Process events and timer expiries enter here too.
 *
 * Nothing in this module calls out directly: launcher calls and events go to the outbox
 * (see core.ts).
 */
import {
  call,
  cancel,
  emit,
  errorText,
  freeSlot,
  mark,
  orderedAfter,
  orderedBefore,
  schedule,
  transition,
  type Core,
} from "./core.ts";
import { runsAProcess, runsOnce, runsOnSchedule } from "../config/kinds.ts";
import { describeExit, isFailedStop, isFailure } from "./outcome.ts";
import { decideRestart } from "./restart.ts";
import { bringDownTask, runEnded, runGoing, startTask, stopTask } from "./runs.ts";
import { isHard, mustStartFirst, type Link, type Service } from "./service.ts";
import type { Cause, ExitStatus, LaunchFailure, StopReason } from "./types.ts";

/** Re-evaluates marked services until the machine is at rest. */
export function settle(core: Core): void {
  // An index instead of shift(): a long cascade would make shifting quadratic.
  for (let i = 0; i < core.marked.length; i++) {
    const s = core.marked[i]!;
    s.marked = false;
    if (core.services.get(s.name) === s) evaluate(core, s);
  }
  core.marked.length = 0;
}

// ---------------------------------------------------------------------------------------------
// Wanting: activation, holds and pins decide the target.

/** Recomputes the target from the activation mark, holds and pins. */
export function retarget(core: Core, s: Service): void {
  const wanted = s.pinned === "started" || s.activated || s.holds > 0 || s.settled;
  const target = wanted && s.pinned !== "stopped" && !core.shuttingDown ? "started" : "stopped";
  if (target !== s.target) {
    s.target = target;
    mark(core, s);
  }
}

/** The dependent starts holding the dependency (which is then wanted). */
export function acquire(core: Core, l: Link): void {
  if (l.holding) return;
  l.holding = true;
  l.to.holds += 1;
  retarget(core, l.to);
}

/** The dependent lets go of the dependency (which stops when nothing else wants it). */
export function release(core: Core, l: Link): void {
  if (!l.holding) return;
  l.holding = false;
  l.to.holds -= 1;
  retarget(core, l.to);
}

/**
 * The service goes down and stays down: no activation, target stopped, and every link holding
 * it is broken (hard dependents notice and go down too; soft ones keep running).
 */
export function dropForGood(core: Core, s: Service): void {
  s.activated = false;
  s.settled = false;
  s.target = "stopped";
  if (s.pinned === "started") s.pinned = null;
  cancel(core, s, "restartTimer");
  s.restartAfter = null;
  for (const l of s.dependents) {
    if (l.holding) {
      l.holding = false;
      s.holds -= 1;
      mark(core, l.from);
    }
  }
  mark(core, s);
}

// ---------------------------------------------------------------------------------------------
// Evaluation: one step toward the target.

function evaluate(core: Core, s: Service): void {
  switch (s.state) {
    case "stopped":
      return evaluateStopped(core, s);
    case "starting":
      return evaluateStarting(core, s);
    case "started":
      return evaluateStarted(core, s);
    case "stopping":
      return evaluateStopping(core, s);
  }
}

function evaluateStopped(core: Core, s: Service): void {
  if (s.target === "stopped") {
    cancel(core, s, "restartTimer");
    s.restartAfter = null;
    for (const l of s.deps) release(core, l);
    return;
  }
  if (s.restartTimer !== null || s.pinned === "stopped" || core.shuttingDown) return;
  const restarting = s.restartAfter !== null;
  s.restartAfter = null;
  s.reason = null;
  s.exit = null;
  s.cause = null;
  s.failure = null;
  transition(core, s, "starting", restarting ? `restart ${s.restarts}` : null);
  for (const l of s.deps) acquire(core, l);
}

/**
 * A hard dependency that is not up while `s` relies on it, or null. A settled run-once service
 * no longer relies on a dependency that is only restarting (it comes back).
 */
function hardDependencyDown(s: Service): Service | null {
  for (const l of s.deps) {
    if (isHard(l.kind) && l.to.state !== "started" && !(s.settled && l.to.target === "started")) return l.to;
  }
  return null;
}

/** `s` must go down because dependency `d` is down: with it for good, or to come back after. */
function followDependency(core: Core, s: Service, d: Service): void {
  if (d.target === "started") {
    s.pendingReason = "dep-restart";
  } else {
    dropForGood(core, s);
    const why = d.state === "stopping" ? d.pendingReason : d.reason;
    s.pendingReason = isFailedStop(why) ? "dep-failed" : "normal";
  }
  s.pendingNote = `dependency ${d.name} stopped`;
}

function evaluateStarting(core: Core, s: Service): void {
  if (s.running) {
    // A start script that cannot be interrupted finishes first; started or failed handles the rest.
    if (s.desc.type === "scripted" && !s.desc.options.includes("start-interruptible")) return;
    const down = hardDependencyDown(s);
    if (down) followDependency(core, s, down);
    if (down || s.target === "stopped") cancelStart(core, s);
    return;
  }
  if (s.target === "stopped") return cancelStart(core, s);

  let waiting = false;
  for (const l of s.deps) {
    const d = l.to;
    if (d.state === "started") continue;
    const gone = d.state === "stopped" && d.target === "stopped";
    if (mustStartFirst(l.kind)) {
      if (gone) {
        s.pendingNote = d.pinned === "stopped" ? `dependency ${d.name} is pinned stopped` : `dependency ${d.name} failed`;
        return failStart(core, s, "dep-failed");
      }
      waiting = true;
    } else if (!gone && d.target === "started") {
      waiting = true; // waits-for: wait until it has started or failed
    }
  }
  if (waiting) return;
  for (const o of orderedBefore(core, s)) if (o.state === "starting") return;
  launch(core, s);
}

function launch(core: Core, s: Service): void {
  const type = s.desc.type;
  if (runsOnSchedule(s.desc)) return startTask(core, s);
  if (type === "internal") return transition(core, s, "started");
  if (type === "triggered") {
    if (s.triggered) transition(core, s, "started");
    return;
  }
  if (core.slots.size >= core.maxStarting) {
    core.slotQueue.add(s); // keeps its place when already queued
    return;
  }
  core.slotQueue.delete(s);
  core.slots.add(s);
  if (core.startingGrace !== null && Number.isFinite(core.maxStarting)) {
    s.graceTimer = schedule(core, s, core.startingGrace, () => {
      s.graceTimer = null;
      freeSlot(core, s);
    });
  }
  s.running = true;
  s.unhealthy = false;
  s.pid = null;
  if (s.desc.startTimeout > 0) {
    s.startTimer = schedule(core, s, s.desc.startTimeout * 1000, () => startTimedOut(core, s));
  }
  callStart(core, s);
}

/** launcher.start, where a launcher that throws counts as a launch failure, not a hang. */
function callStart(core: Core, s: Service): void {
  call(core, (launcher, desc) => {
    try {
      launcher.start(desc);
    } catch (error) {
      const message = `launcher: ${errorText(error)}`;
      core.input(() => onLaunchFailed(core, s, { stage: "launch", errno: null, message }));
    }
  }, s);
}

/** Leaves starting because the target is now stopped (or a hard dependency went down). */
function cancelStart(core: Core, s: Service): void {
  // Nothing launched yet: the start is simply called off.
  if (!s.running) return finishStop(core, s);
  cancel(core, s, "startTimer");
  const scripted = s.desc.type === "scripted";
  s.pendingReason ??= "normal";
  transition(core, s, "stopping", s.pendingNote);
  s.broughtDown = true;
  if (scripted) call(core, (launcher, desc) => launcher.interrupt(desc), s);
  else call(core, (launcher, desc) => launcher.stop(desc), s);
  armStopTimer(core, s);
}

function failStart(core: Core, s: Service, reason: StopReason): void {
  s.pendingReason = reason;
  dropForGood(core, s);
  finishStop(core, s);
}

function evaluateStarted(core: Core, s: Service): void {
  // In a shutdown every service stops for the shutdown's sake; a dependency that happened to
  // begin its stop first in the same pass is not the reason.
  const down = core.shuttingDown ? null : hardDependencyDown(s);
  if (down) {
    followDependency(core, s, down);
    return beginStop(core, s);
  }
  if (s.target === "stopped") beginStop(core, s);
}

/** started -> stopping; the dependents go first, then `bringDown`. */
function beginStop(core: Core, s: Service): void {
  stopTask(core, s);
  s.pendingReason ??= "normal";
  s.broughtDown = false;
  transition(core, s, "stopping", s.pendingNote);
}

/** True while `dependent` still runs on top of `s` and must be down before `s` goes. */
function blocksStop(core: Core, l: Link): boolean {
  const f = l.from;
  if (f.state === "stopped") return false;
  if (core.shuttingDown) return true;
  if (!isHard(l.kind)) return false;
  // A settled run-once dependent stays up through this service's restart.
  if (f.settled && l.to.target === "started") return false;
  return f.state === "started" || f.state === "stopping" || f.running;
}

function evaluateStopping(core: Core, s: Service): void {
  if (s.broughtDown) return;
  for (const l of s.dependents) if (blocksStop(core, l)) return;
  if (core.shuttingDown) {
    for (const o of orderedAfter(core, s)) if (o.state !== "stopped") return;
  }
  bringDown(core, s);
}

/**
 * The service's own stop: the process or stop script, or nothing for internal services (but
 * for kill-all-on-stop, which the launcher carries out before it reports the stop).
 */
function bringDown(core: Core, s: Service): void {
  s.broughtDown = true;
  s.stateSince = core.clock.now();
  if (runsOnSchedule(s.desc)) return bringDownTask(core, s);
  if (s.desc.type === "scripted" || s.desc.options.includes("kill-all-on-stop")) {
    if (!s.running) {
      s.running = true;
      call(core, (launcher, desc) => launcher.stop(desc), s);
    }
    return armStopTimer(core, s);
  }
  if (!runsAProcess(s.desc.type) || !s.running) return finishStop(core, s);
  call(core, (launcher, desc) => launcher.stop(desc), s);
  armStopTimer(core, s);
}

/** Arms stop-timeout: SIGKILL if the service's process (or stop script) is still running when it expires. */
export function armStopTimer(core: Core, s: Service): void {
  cancel(core, s, "stopTimer");
  if (s.desc.stopTimeout <= 0) return;
  s.stopTimer = schedule(core, s, s.desc.stopTimeout * 1000, () => {
    s.stopTimer = null;
    if (s.state === "stopping" && s.running) {
      const expired = `stop-timeout ${s.desc.stopTimeout}s expired; killed`;
      s.pendingNote = s.pendingNote === null ? expired : `${s.pendingNote}; ${expired}`;
      call(core, (launcher, desc) => launcher.kill(desc), s);
    }
  });
}

/** Reaches stopped: reports the reason, then arranges the restart or chain-to if due. */
export function finishStop(core: Core, s: Service): void {
  cancel(core, s, "restartTimer");
  cancel(core, s, "startTimer");
  cancel(core, s, "stopTimer");
  // Only a service that had started chains: a start that fails at once and chained would let
  // a circular chain spin without end.
  const hadStarted = s.since !== null;
  s.settled = false;
  s.running = false;
  s.broughtDown = false;
  s.pid = null;
  s.since = null;
  s.reason = s.pendingReason ?? "normal";
  s.pendingReason = null;
  let note = s.pendingNote;
  s.pendingNote = null;

  const chainTo = s.desc.chainTo;
  const cleanExit = s.reason === "terminated" && s.exit?.code === 0;
  const chains =
    chainTo !== null &&
    hadStarted &&
    !core.shuttingDown &&
    s.restartAfter === null &&
    (cleanExit || s.desc.options.includes("always-chain"));
  if (chains) {
    // Only marks the target: its own events follow this service's stopped event.
    const error = core.chain(chainTo);
    note = error === null ? (note === null ? `chain-to ${chainTo}` : `${note}; chain-to ${chainTo}`) : `chain-to ${chainTo} failed: ${error}`;
  }

  transition(core, s, "stopped", note);
  if (s.restartAfter !== null && s.target === "started") {
    s.restartTimer = schedule(core, s, s.restartAfter, () => {
      s.restartTimer = null;
      mark(core, s);
    });
  }
}

// ---------------------------------------------------------------------------------------------
// Process events and timers.

/** The launcher says the service is up. */
export function onReady(core: Core, s: Service): void {
  if (!s.running) return;
  if (s.state === "starting") {
    if (s.desc.type === "scripted") {
      // The start script is done: a started scripted service has no process.
      s.running = false;
      s.pid = null;
    }
    becomeStarted(core, s, null);
  } else if (s.state === "started") {
    s.upSince = core.clock.now(); // a smooth-recovery relaunch is up again
  }
}

function becomeStarted(core: Core, s: Service, note: string | null): void {
  cancel(core, s, "startTimer");
  s.settled = runsOnce(s.desc);
  s.upSince = core.clock.now();
  transition(core, s, "started", note);
}

/** The launcher says the process (or script) ended. */
export function onExited(core: Core, s: Service, status: ExitStatus, cause: Cause | null): void {
  if (!s.running) return;
  if (runGoing(s)) return runEnded(core, s, status, null, cause);
  s.running = false;
  s.pid = null;
  s.exit = status;
  const unhealthy = s.unhealthy;
  s.unhealthy = false;
  if (unhealthy) cancel(core, s, "stopTimer");
  s.cause = cause ?? (unhealthy ? "unhealthy" : null);
  switch (s.state) {
    case "starting":
      // dinit's skippable: a start script interrupted by someone else (^C on a console) counts
      // as done. bosun's own interrupt (start-timeout, a stop) has moved it to stopping already.
      if (s.desc.type === "scripted" && status.signal === "INT" && s.desc.options.includes("skippable")) {
        return becomeStarted(core, s, "start command interrupted; skipped (skippable)");
      }
      s.pendingNote = `${s.desc.type === "scripted" ? "start command" : "process"} ${describeExit(status)} while starting`;
      return failStart(core, s, "failed");
    case "started":
      return crashed(core, s, status, unhealthy);
    case "stopping":
      if (s.broughtDown) finishStop(core, s);
      return;
    case "stopped":
      return;
  }
}

/** The launcher says the launch failed before the program ran. */
export function onLaunchFailed(core: Core, s: Service, failure: LaunchFailure): void {
  if (!s.running) return;
  if (runGoing(s)) return runEnded(core, s, null, failure);
  s.running = false;
  s.pid = null;
  s.failure = failure;
  if (s.state === "starting") {
    s.pendingNote = failure.message;
    return failStart(core, s, "exec-failed");
  }
  if (s.state === "started") {
    // A smooth-recovery relaunch could not exec: nothing runs any more.
    s.pendingReason = "exec-failed";
    s.pendingNote = failure.message;
    dropForGood(core, s);
    return beginStop(core, s);
  }
  if (s.state === "stopping" && s.broughtDown) {
    s.pendingNote = `stop command: ${failure.message}`;
    finishStop(core, s);
  }
}

/**
 * A started process ended of its own accord, or because bosun stopped it for being `unhealthy`
 * (a failure whatever its exit): restart it, or stop for good.
 */
function crashed(core: Core, s: Service, status: ExitStatus, unhealthy = false): void {
  const failed = unhealthy || isFailure(status);
  const reason: StopReason = failed ? "failed" : "terminated";
  const decision = core.shuttingDown
    ? { restart: false as const, tooQuickly: false }
    : decideRestart(s.desc, status, s, core.clock.now(), failed);
  if (!decision.restart) {
    s.pendingReason = decision.tooQuickly ? "failed" : reason;
    s.pendingNote = decision.tooQuickly ? "restarting too quickly" : describeExit(status);
    dropForGood(core, s);
    return beginStop(core, s);
  }
  s.restarts += 1;
  const limit = s.desc.restartLimitCount > 0 ? `/${s.desc.restartLimitCount}` : "";
  if (s.desc.smoothRecovery && s.desc.type !== "scripted") {
    s.restartTimer = schedule(core, s, decision.delay, () => {
      s.restartTimer = null;
      if (s.state !== "started") return;
      s.running = true;
      callStart(core, s);
    });
    emit(core, s, "started", `${describeExit(status)}; smooth recovery (${decision.attempt}${limit})`);
    return;
  }
  s.pendingReason = reason;
  s.pendingNote = `${describeExit(status)}; restarting (${decision.attempt}${limit})`;
  s.restartAfter = decision.delay;
  beginStop(core, s);
  for (const l of s.deps) {
    if (l.kind === "prepared-by" && l.to.state === "started") restartService(core, l.to, `restarting with ${s.name}`);
  }
}

/**
 * The health check says the service is unhealthy (see Engine.unhealthy). A started service's
 * process is stopped while the service stays started, so that its exit takes the crash path
 * (restart policy, limits, smooth recovery, dependents) like any other failure.
 */
export function onUnhealthy(core: Core, s: Service): void {
  // a scheduled service's runs are judged by their exit
  if (!s.running || s.unhealthy || !runsAProcess(s.desc.type) || runsOnSchedule(s.desc)) return;
  if (s.state === "starting") {
    s.unhealthy = true;
    s.pendingReason = "failed";
    dropForGood(core, s);
    transition(core, s, "stopping", "health check failed while starting");
    s.broughtDown = true;
    call(core, (launcher, desc) => launcher.stop(desc), s);
    return armStopTimer(core, s);
  }
  if (s.state !== "started" || s.desc.restart === "no" || core.shuttingDown) return;
  s.unhealthy = true;
  call(core, (launcher, desc) => launcher.stop(desc), s);
  cancel(core, s, "stopTimer");
  if (s.desc.stopTimeout <= 0) return;
  s.stopTimer = schedule(core, s, s.desc.stopTimeout * 1000, () => {
    s.stopTimer = null;
    if (s.state === "started" && s.running && s.unhealthy) call(core, (launcher, desc) => launcher.kill(desc), s);
  });
}

function startTimedOut(core: Core, s: Service): void {
  s.startTimer = null;
  if (s.state !== "starting" || !s.running) return;
  s.pendingReason = "timed-out";
  dropForGood(core, s);
  transition(core, s, "stopping", `start-timeout ${s.desc.startTimeout}s expired`);
  s.broughtDown = true;
  call(core, (launcher, desc) => launcher.interrupt(desc), s);
  armStopTimer(core, s);
}

/** Brings a service down and up again, with its prepared-by dependencies and hard dependents. */
export function restartService(core: Core, s: Service, note = "restart requested"): void {
  for (const l of s.deps) {
    if (l.kind === "prepared-by" && l.to.state === "started") restartService(core, l.to, `restarting with ${s.name}`);
  }
  if (s.state !== "started") return;
  s.pendingReason = "normal";
  s.pendingNote = note;
  beginStop(core, s);
}
