/**
 * @module test/engine/tasks
 * Scheduled services in the engine, on the manual clock: started as a task with nothing run,
 * a run at each due time through the launcher, runs counted by result without any state change
 * or restart, overlap (skip counted, queue of one), jitter, schedule-timeout, the task's stop
 * waiting for its run (then the stop signal, then SIGKILL), runs by hand, clock jumps noticed
 * through the clock, next due times in a named timezone, and reloads of the schedule.
 */
import { describe, expect, test } from "bun:test";
import type { ServiceEvent } from "../../src/engine/types.ts";
import { harness, svc } from "./fakes.ts";

const OK = { code: 0, signal: null };
const at = (iso: string) => Date.parse(iso);

/** A task `backup` (scripted unless said) on `@every 10s`, with the given settings. */
function task(settings: Parameters<typeof svc>[1] = {}, engine: Parameters<typeof harness>[1] = {}) {
  const h = harness([svc("backup", { type: "scripted", schedule: "@every 10s", ...settings })], engine);
  const runs = () => h.events.filter((e) => e.run !== null).map((e) => `${e.run!.phase} ${e.run!.number}${e.run!.result ? ` ${e.run!.result}` : ""}`);
  const task = () => h.engine.status("backup")!.task!;
  return { ...h, runs, task };
}

describe("runs at due times", () => {
  test("a scheduled service is started at once without running anything, then runs its command at each due time", () => {
    const h = task();
    h.engine.start("backup");
    expect(h.state("backup")).toBe("started");
    expect(h.launcher.ops()).toEqual([]);
    expect(h.task()).toMatchObject({ schedule: "@every 10s", next: 10_000, running: null, runs: 0 });
    h.clock.advance(9_999);
    expect(h.launcher.ops()).toEqual([]);
    h.clock.advance(1);
    expect(h.launcher.ops()).toEqual(["start:backup"]);
    h.engine.launched("backup", 4242);
    expect(h.engine.status("backup")).toMatchObject({ state: "started", pid: 4242 });
    expect(h.task().running).toEqual({ number: 1, start: 10_000, byHand: false });
    h.clock.advance(1_500);
    h.engine.exited("backup", OK);
    expect(h.task()).toMatchObject({ running: null, runs: 1, failures: 0, next: 20_000 });
    expect(h.task().last).toEqual({ number: 1, byHand: false, start: 10_000, end: 11_500, result: "ok", exit: OK, failure: null });
    h.clock.advance(8_500);
    expect(h.launcher.ops()).toEqual(["start:backup", "start:backup"]);
    expect(h.runs()).toEqual(["started 1", "ended 1 ok", "started 2"]);
  });

  test("run events change no state: from and to are the state the task is in, and the end carries the exit and a note", () => {
    const h = task();
    h.engine.start("backup");
    h.clock.advance(10_000);
    h.clock.advance(2_000);
    h.engine.exited("backup", { code: 3, signal: null });
    const ended = h.events.find((e) => e.run?.phase === "ended")!;
    expect(ended).toMatchObject({ service: "backup", from: "started", to: "started", reason: null, exit: { code: 3, signal: null } });
    expect(ended.note).toBe("run 1 failed: exited with 3 after 2.0s");
    expect(h.transitions()).toEqual(["backup:stopped>starting", "backup:starting>started", "backup:started>started", "backup:started>started"]);
  });

  test("a run's failure is counted and changes nothing: restart settings do not apply to runs", () => {
    const h = task({ type: "process", restart: "yes", restartDelay: 0 });
    h.engine.start("backup");
    h.clock.advance(10_000);
    h.engine.exited("backup", { code: null, signal: "SEGV" });
    h.clock.advance(10_000);
    h.engine.launchFailed("backup", { stage: "exec", errno: "ENOENT", message: "exec: ENOENT (no such file: /bin/backup)" });
    expect(h.engine.status("backup")).toMatchObject({ state: "started", restarts: 0, exit: null, reason: null });
    expect(h.task()).toMatchObject({ runs: 2, failures: 2, results: { ok: 0, failed: 1, "exec-failed": 1 } });
    expect(h.events.filter((e) => e.run?.phase === "ended").map((e) => e.note)).toEqual([
      "run 1 failed: killed by SEGV after 0.0s",
      "run 2 could not start: exec: ENOENT (no such file: /bin/backup)",
    ]);
    h.clock.advance(10_000);
    expect(h.launcher.count("start", "backup")).toBe(3);
  });

  test("a launcher that throws ends the run as exec-failed instead of leaving it going", () => {
    const h = task();
    h.launcher.onCall = (call) => {
      if (call.op === "start") throw new Error("no slot");
    };
    h.engine.start("backup");
    h.clock.advance(10_000);
    expect(h.task()).toMatchObject({ running: null, failures: 1 });
    expect(h.task().last?.failure?.message).toBe("launcher: no slot");
    expect(h.state("backup")).toBe("started");
  });

  test("next due times through the engine's clock: 02:30 Europe/Berlin on the day the clocks go forward is 03:00 CEST", () => {
    const h = task({ schedule: "30 2 * * *", scheduleTimezone: "Europe/Berlin" });
    h.clock.jump(at("2025-03-29T12:00:00Z"));
    h.engine.start("backup");
    expect(h.task().next).toBe(at("2025-03-30T01:00:00Z"));
    h.clock.advance(at("2025-03-30T01:00:00Z") - h.clock.now());
    expect(h.launcher.ops()).toEqual(["start:backup"]);
    h.engine.exited("backup", OK);
    expect(h.task().next).toBe(at("2025-03-31T00:30:00Z"));
  });

  test("a far due time is reached through timer steps of at most 2^31-1 ms", () => {
    const h = task({ schedule: "@yearly", scheduleTimezone: "UTC" });
    h.clock.jump(at("2025-06-01T00:00:00Z"));
    h.engine.start("backup");
    h.clock.advance(2 ** 31 - 1);
    expect(h.launcher.ops()).toEqual([]);
    expect(h.clock.pending()).toBe(1);
    h.clock.advance(at("2026-01-01T00:00:00Z") - h.clock.now());
    expect(h.launcher.ops()).toEqual(["start:backup"]);
  });
});

describe("overlap", () => {
  test("skip: a due time while a run goes is dropped and counted; nothing runs at the run's end", () => {
    const h = task();
    h.engine.start("backup");
    h.clock.advance(10_000);
    h.clock.advance(25_000);
    expect(h.launcher.count("start", "backup")).toBe(1);
    expect(h.task().skipped).toBe(2);
    h.engine.exited("backup", OK);
    expect(h.launcher.count("start", "backup")).toBe(1);
    expect(h.runs()).toEqual(["started 1", "skipped 1", "skipped 1", "ended 1 ok"]);
    h.clock.advance(5_000);
    expect(h.launcher.count("start", "backup")).toBe(2);
  });

  test("queue: one due time waits for the run's end and starts then; a second one is skipped", () => {
    const h = task({ scheduleOverlap: "queue" });
    h.engine.start("backup");
    h.clock.advance(10_000);
    h.clock.advance(25_000);
    expect(h.task()).toMatchObject({ queued: true, skipped: 1 });
    h.engine.exited("backup", OK);
    expect(h.launcher.count("start", "backup")).toBe(2);
    expect(h.runs()).toEqual(["started 1", "queued 2", "skipped 1", "ended 1 ok", "started 2"]);
    expect(h.events.at(-1)?.run).toMatchObject({ phase: "started", fromQueue: true, byHand: false, start: 35_000 });
    expect(h.task().queued).toBe(false);
  });

  test("skipped due times are kept across a stop and a new start of the task", () => {
    const h = task();
    h.engine.start("backup");
    h.clock.advance(20_000);
    h.engine.exited("backup", OK);
    h.engine.stop("backup");
    h.engine.start("backup");
    expect(h.task()).toMatchObject({ skipped: 1, runs: 1, results: { ok: 1 } });
  });
});

describe("jitter", () => {
  test("each run starts within [due, due + jitter) as the random source picks", () => {
    for (const [random, delay] of [[0, 0], [0.5, 2_000], [0.999999, 3_999]] as const) {
      const h = task({ scheduleJitter: 4 }, { random: () => random });
      h.engine.start("backup");
      expect(h.task().next).toBe(10_000 + delay);
      h.clock.advance(10_000 + delay - 1);
      expect(h.launcher.ops()).toEqual([]);
      h.clock.advance(1);
      expect(h.launcher.ops()).toEqual(["start:backup"]);
    }
  });

  test("without jitter the random source is never drawn", () => {
    const h = task({}, { random: () => { throw new Error("drawn"); } });
    h.engine.start("backup");
    h.clock.advance(30_000);
    expect(h.launcher.count("start", "backup")).toBe(1);
  });
});

describe("schedule-timeout", () => {
  test("a run past schedule-timeout gets the stop signal, then SIGKILL after stop-timeout; it counts as timed-out", () => {
    const h = task({ scheduleTimeout: 5, stopTimeout: 3, termSignal: "INT" });
    h.engine.start("backup");
    h.clock.advance(10_000);
    h.clock.advance(4_999);
    expect(h.launcher.ops()).toEqual(["start:backup"]);
    h.clock.advance(1);
    expect(h.launcher.ops()).toEqual(["start:backup", "stop:backup"]);
    h.clock.advance(3_000);
    expect(h.launcher.ops()).toEqual(["start:backup", "stop:backup", "kill:backup"]);
    h.engine.exited("backup", { code: null, signal: "KILL" });
    expect(h.task()).toMatchObject({ failures: 1, results: { "timed-out": 1 } });
    expect(h.events.at(-1)?.note).toBe("run 1 timed out: schedule-timeout 5s expired; killed by KILL");
    expect(h.state("backup")).toBe("started");
  });

  test("a run that ends before its timeout is not signalled, and the next run has a timeout of its own", () => {
    const h = task({ scheduleTimeout: 5 });
    h.engine.start("backup");
    h.clock.advance(10_000);
    h.engine.exited("backup", OK);
    h.clock.advance(10_000);
    h.clock.advance(5_000);
    expect(h.launcher.ops()).toEqual(["start:backup", "start:backup", "stop:backup"]);
  });
});

describe("stopping the task", () => {
  test("without a run it stops at once and leaves no timer and no clock watch behind", () => {
    const h = task();
    h.engine.start("backup");
    expect(h.clock.watching()).toBe(1);
    h.engine.stop("backup");
    expect(h.state("backup")).toBe("stopped");
    expect(h.clock.pending()).toBe(0);
    expect(h.clock.watching()).toBe(0);
    expect(h.task().next).toBeNull();
    expect(h.launcher.ops()).toEqual([]);
  });

  test("it sends nothing at first and waits for the run; a run that ends in time ends the stop", () => {
    const h = task({ stopTimeout: 10 });
    h.engine.start("backup");
    h.clock.advance(10_000);
    h.engine.stop("backup");
    expect(h.state("backup")).toBe("stopping");
    expect(h.engine.waitingOn()).toEqual([{ name: "backup", state: "stopping", since: 10_000 }]);
    h.clock.advance(9_999);
    expect(h.launcher.ops()).toEqual(["start:backup"]);
    h.engine.exited("backup", OK);
    expect(h.engine.status("backup")).toMatchObject({ state: "stopped", reason: "normal" });
    expect(h.task().last?.result).toBe("ok");
    h.clock.advance(60_000);
    expect(h.launcher.ops()).toEqual(["start:backup"]);
  });

  test("a run still going after stop-timeout gets the stop signal, then SIGKILL after a further stop-timeout", () => {
    const h = task({ stopTimeout: 10 });
    h.engine.start("backup");
    h.clock.advance(10_000);
    h.engine.stop("backup");
    h.clock.advance(10_000);
    expect(h.launcher.ops()).toEqual(["start:backup", "stop:backup"]);
    h.clock.advance(9_999);
    expect(h.launcher.ops()).toEqual(["start:backup", "stop:backup"]);
    h.clock.advance(1);
    expect(h.launcher.ops()).toEqual(["start:backup", "stop:backup", "kill:backup"]);
    h.engine.exited("backup", { code: null, signal: "KILL" });
    expect(h.engine.status("backup")).toMatchObject({ state: "stopped", reason: "normal" });
    expect(h.events.at(-1)?.note).toBe("stop-timeout 10s expired; run 1 sent TERM; stop-timeout 10s expired; killed");
    expect(h.task().last?.result).toBe("stopped");
  });

  test("stop-timeout 0 waits for the run without limit", () => {
    const h = task({ stopTimeout: 0 });
    h.engine.start("backup");
    h.clock.advance(10_000);
    h.engine.stop("backup");
    h.clock.advance(1_000_000);
    expect(h.launcher.ops()).toEqual(["start:backup"]);
    expect(h.state("backup")).toBe("stopping");
  });

  test("a queued run is dropped and no due time starts a run while the task waits for its run", () => {
    const h = task({ scheduleOverlap: "queue", stopTimeout: 100 });
    h.engine.start("backup");
    h.clock.advance(20_000);
    expect(h.task().queued).toBe(true);
    h.engine.stop("backup");
    h.clock.advance(50_000);
    h.engine.exited("backup", OK);
    expect(h.launcher.count("start", "backup")).toBe(1);
    expect(h.state("backup")).toBe("stopped");
  });

  test("shutdown waits for the run like a stop, and bosun is idle once it ended", () => {
    const h = task({ stopTimeout: 10 });
    h.engine.start("backup");
    h.clock.advance(10_000);
    h.engine.shutdown();
    expect(h.state("backup")).toBe("stopping");
    expect(h.engine.idle()).toBe(false);
    h.engine.exited("backup", OK);
    expect(h.engine.idle()).toBe(true);
  });

  test("a task's dependency restarting stops the task (after its run) and starts it again", () => {
    const h = harness([svc("db", { type: "process" }), svc("backup", { type: "scripted", schedule: "@every 10s", depends: ["need:db"] })]);
    h.engine.start("backup");
    h.engine.ready("db");
    h.clock.advance(10_000);
    h.engine.restart("db");
    expect(h.state("backup")).toBe("stopping");
    expect(h.launcher.ops()).toEqual(["start:db", "start:backup"]);
    h.engine.exited("backup", OK);
    expect(h.launcher.ops()).toEqual(["start:db", "start:backup", "stop:db"]);
    h.engine.exited("db", { code: null, signal: "TERM" });
    h.engine.ready("db");
    expect(h.state("backup")).toBe("started");
  });
});

describe("runs by hand", () => {
  test("run starts one now without moving the due time", () => {
    const h = task();
    h.engine.start("backup");
    h.clock.advance(3_000);
    expect(h.engine.run("backup")).toEqual({ ok: true, number: 1, queued: false });
    expect(h.launcher.ops()).toEqual(["start:backup"]);
    expect(h.events.at(-1)?.run).toMatchObject({ phase: "started", byHand: true, number: 1 });
    h.engine.exited("backup", OK);
    expect(h.task()).toMatchObject({ next: 10_000, last: { byHand: true } });
  });

  test("while a run goes it is refused, or with schedule-overlap = queue waits for it (one at most)", () => {
    const skip = task();
    skip.engine.start("backup");
    skip.clock.advance(10_000);
    expect(skip.engine.run("backup")).toMatchObject({ ok: false, code: "refused", message: expect.stringContaining("run 1 is still going") });

    const queue = task({ scheduleOverlap: "queue" });
    queue.engine.start("backup");
    queue.clock.advance(10_000);
    expect(queue.engine.run("backup")).toEqual({ ok: true, number: 2, queued: true });
    expect(queue.engine.run("backup")).toMatchObject({ ok: false, code: "refused", message: expect.stringContaining("already waits") });
    queue.clock.advance(10_000);
    expect(queue.task().skipped).toBe(1);
    queue.engine.exited("backup", OK);
    expect(queue.events.at(-1)?.run).toMatchObject({ phase: "started", number: 2, byHand: true, fromQueue: true });
  });

  test("refused for a task that is not started, and invalid for a service without a schedule", () => {
    const h = harness([svc("backup", { type: "scripted", schedule: "@hourly" }), svc("web", { type: "process" })]);
    expect(h.engine.run("backup")).toMatchObject({ ok: false, code: "refused", message: "backup is stopped: runs go only while the task is started; start it first" });
    expect(h.engine.run("web")).toMatchObject({ ok: false, code: "invalid" });
    expect(h.engine.run("nosuch")).toMatchObject({ ok: false, code: "not-found" });
  });
});

describe("the wall clock", () => {
  test("a jump forward that the clock reports (a suspend, a clock set) runs the due time at once", () => {
    const h = task({ schedule: "@hourly", scheduleTimezone: "UTC" });
    h.engine.start("backup");
    h.clock.jump(2 * 3_600_000);
    expect(h.launcher.ops()).toEqual(["start:backup"]);
    h.engine.exited("backup", OK);
    expect(h.task()).toMatchObject({ next: 3 * 3_600_000, skipped: 0 });
  });

  test("a timer that fires before the wall-clock due time (the clock was set back a little) re-arms for the rest", () => {
    const h = task({ schedule: "@hourly", scheduleTimezone: "UTC" });
    h.engine.start("backup");
    h.clock.jump(-60_000, { unnoticed: true });
    h.clock.advance(3_600_000);
    expect(h.launcher.ops()).toEqual([]);
    h.clock.advance(60_000);
    expect(h.launcher.ops()).toEqual(["start:backup"]);
  });

  test("a clock set back by more than three hours re-arms from the new time", () => {
    const h = task({ schedule: "0 12 * * *", scheduleTimezone: "UTC" });
    h.clock.jump(at("2025-05-14T11:00:00Z"));
    h.engine.start("backup");
    h.clock.jump(-24 * 3_600_000);
    expect(h.task().next).toBe(at("2025-05-13T12:00:00Z"));
  });
});

describe("reload", () => {
  test("a changed schedule applies at once to a started task", () => {
    const h = task();
    h.engine.start("backup");
    h.clock.advance(1_000);
    const r = h.engine.reload(svc("backup", { type: "scripted", schedule: "@every 2s" }));
    expect(r).toMatchObject({ ok: true, now: ["schedule"], restartNeeded: [] });
    expect(h.task().next).toBe(2_000);
    h.clock.advance(1_000);
    expect(h.launcher.ops()).toEqual(["start:backup"]);
  });

  test("a schedule cannot be added or removed while the service is up; stopped, it can", () => {
    const h = harness([svc("backup", { type: "scripted", schedule: "@hourly" }), svc("web", { type: "process" })]);
    h.engine.start("backup");
    h.engine.start("web");
    expect(h.engine.reload(svc("backup", { type: "scripted" }))).toMatchObject({ ok: false, message: expect.stringContaining("cannot lose its schedule while it is started") });
    expect(h.engine.reload(svc("web", { type: "process", schedule: "@hourly" }))).toMatchObject({ ok: false, message: expect.stringContaining("cannot gain a schedule") });
    h.engine.stop("backup");
    expect(h.engine.reload(svc("backup", { type: "scripted" }))).toMatchObject({ ok: true });
    expect(h.engine.status("backup")!.task).toBeNull();
  });
});

test("events of a task carry run: null on state changes", () => {
  const h = task();
  h.engine.start("backup");
  const states: ServiceEvent[] = h.events.filter((e) => e.from !== e.to);
  expect(states.every((e) => e.run === null)).toBe(true);
});
