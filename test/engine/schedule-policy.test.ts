/**
 * @module test/engine/schedule-policy
 * The task-timing policy against fixed clocks: first due time, early and late wake-ups, the
 * 24.8-day timer step, overlap (skip counted, queue of one), runs by hand, stopping, jitter
 * within its bounds, clock jumps both ways, and whole days driven through the manual clock the
 * engine's tests use, across daylight-saving changes.
 */
import { describe, expect, test } from "bun:test";
import { parseSchedule, type Schedule } from "../../src/config/schedule.ts";
import { describe as description } from "../../src/config/schema.ts";
import {
  CLOCK_BACK_LIMIT,
  MAX_TIMER_DELAY,
  runEnded,
  runNow,
  startTiming,
  stopTiming,
  timingOptions,
  wake,
  type TimingOptions,
  type TimingStep,
} from "../../src/engine/schedule-policy.ts";
import { ManualClock } from "./fakes.ts";

const at = (iso: string) => Date.parse(iso);
const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
const HOUR = 3_600_000;

/** No jitter unless asked; a random source that fails the test if drawn. */
function opts(partial: Partial<TimingOptions> = {}): TimingOptions {
  return {
    overlap: "skip",
    jitter: 0,
    random: () => {
      throw new Error("random drawn without jitter");
    },
    ...partial,
  };
}

describe("due times and wake-ups", () => {
  const hourly = parseSchedule("@hourly", "UTC");

  test("a task's first due time is the first after its start; the timer is armed for it", () => {
    const s = startTiming(hourly, at("2025-05-14T10:20:00Z"), opts());
    expect(iso(s.state.due)).toBe("2025-05-14T11:00:00.000Z");
    expect(s).toMatchObject({ run: false, overlap: null, timer: 40 * 60_000 });
    expect(s.state).toMatchObject({ active: true, running: false, queued: false, skipped: 0 });
  });

  test("a timer that fires early re-arms for the rest; at the due time a run starts and the next one is armed", () => {
    const start = startTiming(hourly, at("2025-05-14T10:20:00Z"), opts());
    const early = wake(start.state, hourly, at("2025-05-14T10:59:59.990Z"), opts());
    expect(early).toMatchObject({ run: false, timer: 10 });
    expect(early.state.due).toBe(start.state.due);
    const due = wake(early.state, hourly, at("2025-05-14T11:00:00Z"), opts());
    expect(due).toMatchObject({ run: true, overlap: null, timer: HOUR });
    expect(due.state.running).toBe(true);
    expect(iso(due.state.due)).toBe("2025-05-14T12:00:00.000Z");
  });

  test("a due time further than a timer holds is reached in steps of 2^31-1 ms", () => {
    const leap = parseSchedule("0 0 29 2 *", "UTC");
    const start = at("2025-01-01T00:00:00Z");
    let s = startTiming(leap, start, opts());
    const target = at("2028-02-29T00:00:00Z");
    expect(s.state.due).toBe(target);
    let now = start;
    let steps = 0;
    while (!s.run) {
      expect(s.timer).toBe(Math.min(MAX_TIMER_DELAY, target - now));
      now += s.timer!;
      s = wake(s.state, leap, now, opts());
      steps++;
    }
    expect(now).toBe(target);
    expect(steps).toBe(Math.ceil((target - start) / MAX_TIMER_DELAY));
    expect(steps).toBeGreaterThan(40);
  });

  test("after each run the timer is re-armed against the wall clock", () => {
    let s = startTiming(hourly, at("2025-05-14T10:20:00Z"), opts());
    s = wake(s.state, hourly, at("2025-05-14T11:00:00Z"), opts());
    const ended = runEnded(s.state, hourly, at("2025-05-14T11:25:00Z"), opts());
    expect(ended).toMatchObject({ run: false, overlap: null, timer: 35 * 60_000 });
    expect(ended.state.running).toBe(false);
  });

  test("a schedule that has ended arms nothing", () => {
    const once: Schedule = { expression: "once", timezone: null, every: null, next: (after) => (after < 1000 ? 1000 : null) };
    let s = startTiming(once, 0, opts());
    s = wake(s.state, once, 1000, opts());
    expect(s).toMatchObject({ run: true, timer: null });
    expect(runEnded(s.state, once, 2000, opts())).toMatchObject({ run: false, timer: null });
  });
});

describe("overlap", () => {
  const every = parseSchedule("@every 10s");

  test("skip: a due time during a run is dropped and counted; the run's end starts nothing", () => {
    let s = startTiming(every, 0, opts());
    s = wake(s.state, every, 10_000, opts());
    expect(s.run).toBe(true);
    s = wake(s.state, every, 20_000, opts());
    expect(s).toMatchObject({ run: false, overlap: "skipped" });
    s = wake(s.state, every, 30_000, opts());
    expect(s.state.skipped).toBe(2);
    s = runEnded(s.state, every, 35_000, opts());
    expect(s).toMatchObject({ run: false, timer: 5_000 });
    expect(s.state).toMatchObject({ running: false, skipped: 2 });
  });

  test("queue: one due time waits for the run's end and starts then; a second one is skipped", () => {
    const q = opts({ overlap: "queue" });
    let s = startTiming(every, 0, q);
    s = wake(s.state, every, 10_000, q);
    s = wake(s.state, every, 20_000, q);
    expect(s).toMatchObject({ run: false, overlap: "queued" });
    s = wake(s.state, every, 30_000, q);
    expect(s).toMatchObject({ run: false, overlap: "skipped" });
    expect(s.state).toMatchObject({ queued: true, skipped: 1 });
    s = runEnded(s.state, every, 32_000, q);
    expect(s).toMatchObject({ run: true, timer: 8_000 });
    expect(s.state).toMatchObject({ running: true, queued: false });
    s = runEnded(s.state, every, 33_000, q);
    expect(s).toMatchObject({ run: false });
    expect(s.state.running).toBe(false);
  });

  test("a due time that passed unnoticed during a run is handled when the run ends", () => {
    let s = startTiming(every, 0, opts());
    s = wake(s.state, every, 10_000, opts());
    const ended = runEnded(s.state, every, 21_000, opts());
    expect(ended).toMatchObject({ run: true, overlap: null, timer: 9_000 });
  });
});

describe("runs by hand and stopping", () => {
  const daily = parseSchedule("@daily", "UTC");

  test("run starts one now without moving the due time; with a run going it queues or is refused", () => {
    const start = startTiming(daily, at("2025-05-14T10:00:00Z"), opts());
    const manual = runNow(start.state, daily, at("2025-05-14T10:05:00Z"), opts());
    expect(manual).toMatchObject({ run: true, overlap: null });
    expect(manual.state.due).toBe(start.state.due);
    expect(runNow(manual.state, daily, at("2025-05-14T10:06:00Z"), opts())).toMatchObject({ run: false, overlap: "refused" });
    const queued = runNow(manual.state, daily, at("2025-05-14T10:06:00Z"), opts({ overlap: "queue" }));
    expect(queued).toMatchObject({ run: false, overlap: "queued" });
    expect(queued.state.skipped).toBe(0);
    expect(runNow(queued.state, daily, at("2025-05-14T10:07:00Z"), opts({ overlap: "queue" }))).toMatchObject({ overlap: "refused" });
  });

  test("stopping arms nothing, drops a queued run, refuses runs by hand, and the run's end starts nothing", () => {
    const q = opts({ overlap: "queue" });
    let s = startTiming(daily, at("2025-05-14T10:00:00Z"), q);
    s = runNow(s.state, daily, at("2025-05-14T10:01:00Z"), q);
    s = runNow(s.state, daily, at("2025-05-14T10:02:00Z"), q);
    expect(s.state.queued).toBe(true);
    const stopped = stopTiming(s.state, at("2025-05-14T10:03:00Z"));
    expect(stopped).toMatchObject({ run: false, timer: null });
    expect(stopped.state).toMatchObject({ active: false, running: true, queued: false, due: null });
    expect(runNow(stopped.state, daily, at("2025-05-14T10:04:00Z"), q)).toMatchObject({ run: false, overlap: "refused" });
    expect(wake(stopped.state, daily, at("2025-05-15T00:00:00Z"), q)).toMatchObject({ run: false, timer: null });
    const ended = runEnded(stopped.state, daily, at("2025-05-14T10:05:00Z"), q);
    expect(ended).toMatchObject({ run: false, timer: null });
    expect(ended.state.running).toBe(false);
  });

  test("due times while the task was stopped are not caught up when it starts again", () => {
    const hourly = parseSchedule("@hourly", "UTC");
    const first = startTiming(hourly, at("2025-05-14T10:20:00Z"), opts());
    stopTiming(first.state, at("2025-05-14T10:30:00Z"));
    const again = startTiming(hourly, at("2025-05-14T15:10:00Z"), opts(), first.state.skipped);
    expect(again).toMatchObject({ run: false, timer: 50 * 60_000 });
    expect(iso(again.state.due)).toBe("2025-05-14T16:00:00.000Z");
  });
});

describe("jitter", () => {
  /** A deterministic uniform source (a linear congruential generator). */
  function seeded(seed: number): () => number {
    let x = seed;
    return () => {
      x = (x * 1103515245 + 12345) % 2 ** 31;
      return x / 2 ** 31;
    };
  }

  test("each run starts within [due, due + jitter), drawn once per due time", () => {
    const hourly = parseSchedule("@hourly", "UTC");
    const j = opts({ jitter: 5 * 60_000, random: seeded(7) });
    let s = startTiming(hourly, 0, j);
    const offsets: number[] = [];
    for (let i = 0; i < 200; i++) {
      offsets.push(s.state.fireAt! - s.state.due!);
      // At the due time itself the jittered run is not due yet; the timer covers the offset.
      const before = wake(s.state, hourly, s.state.due!, j);
      expect(before.run).toBe(s.state.fireAt === s.state.due);
      s = wake(s.state, hourly, s.state.fireAt!, j);
      expect(s.run).toBe(true);
      s = runEnded(s.state, hourly, s.state.seen, j);
    }
    expect(Math.min(...offsets)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...offsets)).toBeLessThan(5 * 60_000);
    // Spread over the range, not stuck at one end.
    expect(Math.max(...offsets) - Math.min(...offsets)).toBeGreaterThan(4 * 60_000);
  });

  test("the extremes of the random source stay in bounds; a jitter longer than the gap is cut to it", () => {
    const hourly = parseSchedule("@hourly", "UTC");
    expect(startTiming(hourly, 0, opts({ jitter: 60_000, random: () => 0 })).state).toMatchObject({ due: HOUR, fireAt: HOUR });
    expect(startTiming(hourly, 0, opts({ jitter: 60_000, random: () => 0.999999999 })).state.fireAt).toBe(HOUR + 59_999);
    const every = parseSchedule("@every 1m");
    const long = startTiming(every, 0, opts({ jitter: 5 * 60_000, random: () => 0.999999999 }));
    expect(long.state.fireAt! - long.state.due!).toBe(59_999);
  });

  test("timingOptions reads overlap and jitter (seconds) from a description", () => {
    const random = () => 0.5;
    const d = description({ name: "job", type: "scripted", command: ["/bin/true"], schedule: "@hourly", scheduleOverlap: "queue", scheduleJitter: 1.5 });
    expect(timingOptions(d, random)).toEqual({ overlap: "queue", jitter: 1500, random });
  });
});

describe("clock jumps", () => {
  const hourly = parseSchedule("@hourly", "UTC");

  test("a late wake-up (suspend, clock forward) runs the due time once and skips to the next after it", () => {
    let s = startTiming(hourly, at("2025-05-14T10:20:00Z"), opts());
    s = wake(s.state, hourly, at("2025-05-14T14:10:00Z"), opts());
    expect(s).toMatchObject({ run: true, overlap: null, timer: 50 * 60_000 });
    expect(s.state.skipped).toBe(0);
    expect(iso(s.state.due)).toBe("2025-05-14T15:00:00.000Z");
  });

  test("a clock set back less than three hours keeps the due time, so nothing that ran runs again", () => {
    let s = startTiming(hourly, at("2025-05-14T10:20:00Z"), opts());
    s = wake(s.state, hourly, at("2025-05-14T11:00:00Z"), opts());
    s = runEnded(s.state, hourly, at("2025-05-14T11:05:00Z"), opts());
    const back = wake(s.state, hourly, at("2025-05-14T09:05:00Z"), opts());
    expect(iso(back.state.due)).toBe("2025-05-14T12:00:00.000Z");
    expect(back).toMatchObject({ run: false, timer: 2 * HOUR + 55 * 60_000 });
  });

  test("a clock set back further is armed afresh from the new time", () => {
    let s = startTiming(hourly, at("2026-05-14T10:20:00Z"), opts());
    const now = at("2025-05-14T10:20:00Z");
    expect(s.state.seen - now).toBeGreaterThan(CLOCK_BACK_LIMIT);
    s = wake(s.state, hourly, now, opts());
    expect(iso(s.state.due)).toBe("2025-05-14T11:00:00.000Z");
    expect(s).toMatchObject({ run: false, timer: 40 * 60_000 });
  });

  test("@every re-arms on any set-back: it counts real time, so it never waits out the jump", () => {
    const every = parseSchedule("@every 30s");
    let s = startTiming(every, 1_000_000, opts());
    s = wake(s.state, every, 1_000_000 - 10 * 60_000, opts());
    expect(s.timer).toBeLessThanOrEqual(30_000);
  });
});

/**
 * A task driven as the wiring will drive it: one timer on the manual clock, runs that last
 * `runMs`, wall time = `base` + clock time. Returns the launch times and the final state.
 */
function drive(schedule: Schedule, options: TimingOptions, base: number, span: number, runMs: number) {
  const clock = new ManualClock();
  const now = () => base + clock.now();
  const launches: number[] = [];
  let timer: unknown = null;
  let state: TimingStep["state"];
  const apply = (s: TimingStep) => {
    state = s.state;
    if (timer !== null) clock.cancel(timer);
    timer = s.timer === null ? null : clock.schedule(s.timer, () => apply(wake(state, schedule, now(), options)));
    if (s.run) {
      launches.push(now());
      clock.schedule(runMs, () => apply(runEnded(state, schedule, now(), options)));
    }
  };
  apply(startTiming(schedule, now(), options));
  clock.advance(span);
  return { launches: launches.map((t) => new Date(t).toISOString()), state: state! };
}

describe("driven through the manual clock", () => {
  test("Europe/Berlin 02:30 across both changes: once at 03:00 in March, once (the first 02:30) in October", () => {
    const s = parseSchedule("30 2 * * *", "Europe/Berlin");
    expect(drive(s, opts(), at("2025-03-29T00:00:00Z"), 3 * 24 * HOUR, 60_000).launches).toEqual([
      "2025-03-29T01:30:00.000Z",
      "2025-03-30T01:00:00.000Z",
      "2025-03-31T00:30:00.000Z",
    ]);
    expect(drive(s, opts(), at("2025-10-25T00:00:00Z"), 3 * 24 * HOUR, 60_000).launches).toEqual([
      "2025-10-25T00:30:00.000Z",
      "2025-10-26T00:30:00.000Z",
      "2025-10-27T01:30:00.000Z",
    ]);
  });

  test("America/New_York hourly keeps its rhythm through the November change", () => {
    const s = parseSchedule("0 * * * *", "America/New_York");
    const { launches } = drive(s, opts(), at("2025-11-02T04:30:00Z"), 4 * HOUR, 60_000);
    expect(launches).toEqual(["2025-11-02T05:00:00.000Z", "2025-11-02T06:00:00.000Z", "2025-11-02T07:00:00.000Z", "2025-11-02T08:00:00.000Z"]);
  });

  test("runs longer than the interval: skip counts the dropped due times, queue runs back to back", () => {
    const every = parseSchedule("@every 10s");
    const skip = drive(every, opts(), 0, 100_000, 25_000);
    expect(skip.launches.map(Date.parse)).toEqual([10_000, 40_000, 70_000, 100_000]);
    expect(skip.state.skipped).toBe(6);
    const queue = drive(every, opts({ overlap: "queue" }), 0, 100_000, 25_000);
    expect(queue.launches.map(Date.parse)).toEqual([10_000, 35_000, 60_000, 85_000]);
    // 20, 40, 60 and 90 waited in turn; 30, 50, 70, 80 and 100 found one already waiting.
    expect(queue.state.skipped).toBe(5);
  });

  test("a yearly schedule is reached through timer steps on the clock", () => {
    const s = parseSchedule("@yearly", "UTC");
    const { launches } = drive(s, opts(), at("2025-06-01T00:00:00Z"), 2 * 366 * 24 * HOUR, 1_000);
    expect(launches).toEqual(["2026-01-01T00:00:00.000Z", "2027-01-01T00:00:00.000Z"]);
  });
});
