/**
 * @module test/health/monitor
 * The monitor's scheduling and verdicts over a manual clock and a probe the test settles by
 * hand: when probes run, that they never overlap, timeouts, retries, the start period and its
 * interval, end(), counters, and callbacks that restart or end the monitor themselves.
 */
import { describe, expect, test } from "bun:test";
import type { HealthCheck } from "../../src/config/schema.ts";
import { createMonitor, type HealthMonitor } from "../../src/health/monitor.ts";
import type { CheckResult, HealthUpdate, Probe } from "../../src/health/types.ts";
import { ManualClock } from "../engine/fakes.ts";

const OK: CheckResult = { ok: true, text: "fine" };
const BAD: CheckResult = { ok: false, text: "HTTP 503 Service Unavailable" };

/** One probe the monitor started: when (clock ms), its abort signal, and how to settle it. */
interface Call {
  at: number;
  signal: AbortSignal;
  settle(result: CheckResult): void;
  fail(error: unknown): void;
}

/** Every promise reaction queued so far runs before a macrotask: results reach the monitor. */
const flush = () => new Promise<void>((resolve) => setImmediate(resolve));

function setup(check: Partial<HealthCheck> = {}) {
  const clock = new ManualClock();
  const calls: Call[] = [];
  const updates: HealthUpdate[] = [];
  const errors: unknown[] = [];
  const probe: Probe = (signal) =>
    new Promise((resolve, reject) => calls.push({ at: clock.now(), signal, settle: resolve, fail: reject }));
  let onUpdate = (_u: HealthUpdate, _m: HealthMonitor) => {};
  const monitor: HealthMonitor = createMonitor({
    check: { interval: 30, timeout: 30, retries: 3, startPeriod: 0, startInterval: 1, ...check },
    probe,
    clock,
    onUpdate: (u) => {
      updates.push(u);
      onUpdate(u, monitor);
    },
    onError: (e) => errors.push(e),
  });
  return {
    clock,
    calls,
    updates,
    errors,
    monitor,
    /** Replaces what happens on each update (after it is recorded). */
    react(fn: (u: HealthUpdate, m: HealthMonitor) => void) {
      onUpdate = fn;
    },
    /** Settles the latest probe and lets the monitor see it. */
    async answer(result: CheckResult) {
      calls.at(-1)!.settle(result);
      await flush();
    },
    /** Clock times (s) at which probes began. */
    times: () => calls.map((c) => c.at / 1000),
    states: () => updates.map((u) => u.status.state),
  };
}

describe("scheduling", () => {
  test("the first probe runs at begin(), the next an interval after it finished, never before", async () => {
    const h = setup();
    h.clock.advance(5000);
    expect(h.calls).toHaveLength(0);
    h.monitor.begin();
    expect(h.times()).toEqual([5]);
    h.clock.advance(2000);
    await h.answer(OK);
    h.clock.advance(29_999);
    expect(h.calls).toHaveLength(1);
    h.clock.advance(1);
    expect(h.times()).toEqual([5, 37]);
  });

  test("a slow probe is never overlapped: the next waits for it to finish, then a full interval", async () => {
    const h = setup({ interval: 10, timeout: 60 });
    h.monitor.begin();
    h.clock.advance(25_000); // longer than the interval
    expect(h.calls).toHaveLength(1);
    await h.answer(OK);
    expect(h.updates[0]!.status).toMatchObject({ lastCheck: 0, duration: 25_000 });
    h.clock.advance(9_999);
    expect(h.calls).toHaveLength(1);
    h.clock.advance(1);
    expect(h.times()).toEqual([0, 35]);
  });

  test("a probe still running at its timeout is aborted and fails then; the next waits until it has stopped", async () => {
    const h = setup({ interval: 10, timeout: 3 });
    h.monitor.begin();
    h.clock.advance(2_999);
    expect(h.calls[0]!.signal.aborted).toBe(false);
    h.clock.advance(1);
    expect(h.calls[0]!.signal.aborted).toBe(true);
    expect((h.calls[0]!.signal.reason as DOMException).name).toBe("TimeoutError");
    expect(h.updates.map((u) => [u.outcome, u.status.text, u.status.duration, u.status.failures])).toEqual([
      ["timeout", "timed out after 3 s", 3000, 1],
    ]);
    // this probe ignores its abort for a while: nothing new starts meanwhile
    h.clock.advance(60_000);
    expect(h.calls).toHaveLength(1);
    await h.answer(OK); // its late answer changes nothing
    expect(h.updates).toHaveLength(1);
    h.clock.advance(10_000);
    expect(h.times()).toEqual([0, 73]);
  });

  test("a probe that throws or rejects is a failure that says so, and probing goes on", async () => {
    const clock = new ManualClock();
    const updates: HealthUpdate[] = [];
    let n = 0;
    const monitor = createMonitor({
      check: { interval: 1, timeout: 1, retries: 3, startPeriod: 0, startInterval: 1 },
      probe: () => {
        if (++n === 1) throw new Error("spawn exploded");
        return Promise.reject(new Error("socket exploded"));
      },
      clock,
      onUpdate: (u) => updates.push(u),
      onError: (e) => {
        throw e;
      },
    });
    monitor.begin();
    await flush();
    clock.advance(1000);
    await flush();
    expect(updates.map((u) => [u.outcome, u.status.text])).toEqual([
      ["failure", "the check could not run: spawn exploded"],
      ["failure", "the check could not run: socket exploded"],
    ]);
    expect(monitor.running).toBe(true);
    monitor.end();
    expect(clock.pending()).toBe(0);
  });
});

describe("verdicts", () => {
  test("retries consecutive failures make a service unhealthy; one success makes it healthy again", async () => {
    const h = setup({ interval: 1, retries: 3 });
    h.monitor.begin();
    for (const result of [OK, BAD, BAD, OK, BAD, BAD, BAD, BAD, OK]) {
      await h.answer(result);
      h.clock.advance(1000);
    }
    expect(h.updates.map((u) => [u.status.state, u.status.failures])).toEqual([
      ["healthy", 0],
      ["healthy", 1],
      ["healthy", 2],
      ["healthy", 0],
      ["healthy", 1],
      ["healthy", 2],
      ["unhealthy", 3],
      ["unhealthy", 4],
      ["healthy", 0],
    ]);
    expect(h.updates.flatMap((u) => (u.change ? [`${u.change.from}>${u.change.to}`] : []))).toEqual([
      "starting>healthy",
      "healthy>unhealthy",
      "unhealthy>healthy",
    ]);
    expect(h.updates[6]!.status.text).toBe(BAD.text);
  });

  test("without a start period, failures count from the first probe: unhealthy without ever being healthy", async () => {
    const h = setup({ interval: 1, retries: 2 });
    h.monitor.begin();
    await h.answer(BAD);
    h.clock.advance(1000);
    await h.answer(BAD);
    expect(h.states()).toEqual(["starting", "unhealthy"]);
    expect(h.updates[1]!.change).toEqual({ from: "starting", to: "unhealthy" });
  });

  test("during the start period probes run every start interval and failures do not count; after it, every interval and they do", async () => {
    const h = setup({ interval: 30, startPeriod: 5, startInterval: 1, retries: 2 });
    h.monitor.begin();
    for (let i = 0; i < 5; i++) {
      await h.answer(BAD);
      h.clock.advance(1000);
    }
    expect(h.times()).toEqual([0, 1, 2, 3, 4, 5]);
    expect(h.updates.map((u) => u.status.failures)).toEqual([0, 0, 0, 0, 0]);
    // the probe begun at 5 s is outside the period: it counts, and the interval applies after it
    await h.answer(BAD);
    expect(h.updates.at(-1)!.status).toMatchObject({ state: "starting", failures: 1 });
    h.clock.advance(29_999);
    expect(h.calls).toHaveLength(6);
    h.clock.advance(1);
    expect(h.times().at(-1)).toBe(35);
    await h.answer(BAD);
    expect(h.updates.at(-1)!.status).toMatchObject({ state: "unhealthy", failures: 2 });
  });

  test("a success during the start period ends starting: the interval applies and failures count from then", async () => {
    const h = setup({ interval: 30, startPeriod: 60, startInterval: 1, retries: 1 });
    h.monitor.begin();
    await h.answer(BAD);
    h.clock.advance(1000);
    await h.answer(OK);
    h.clock.advance(29_999);
    expect(h.times()).toEqual([0, 1]);
    h.clock.advance(1);
    expect(h.times()).toEqual([0, 1, 31]);
    await h.answer(BAD);
    expect(h.states()).toEqual(["starting", "healthy", "unhealthy"]);
  });

  test("a probe begun in the start period does not count even if it fails after the period", async () => {
    const h = setup({ interval: 30, timeout: 10, startPeriod: 2, retries: 1 });
    h.monitor.begin();
    h.clock.advance(1000);
    await h.answer(BAD);
    h.clock.advance(1000); // begins at 2 s: outside the period
    h.clock.advance(10_000);
    expect(h.updates.map((u) => [u.outcome, u.status.state])).toEqual([
      ["failure", "starting"],
      ["timeout", "unhealthy"],
    ]);
  });

  test("begun untilHealthy, the start period lasts until the first healthy check: start interval, no failure counts", async () => {
    const h = setup({ interval: 30, startPeriod: 0, startInterval: 1, retries: 1 });
    h.monitor.begin({ untilHealthy: true });
    for (let i = 0; i < 4; i++) {
      await h.answer(BAD);
      h.clock.advance(1000);
    }
    expect(h.times()).toEqual([0, 1, 2, 3, 4]);
    expect(h.updates.map((u) => u.status)).toEqual(Array(4).fill(expect.objectContaining({ state: "starting", failures: 0 })));
    await h.answer(OK);
    // healthy: the interval applies, and the next failure counts (retries 1: unhealthy at once)
    h.clock.advance(29_999);
    expect(h.calls).toHaveLength(5);
    h.clock.advance(1);
    await h.answer(BAD);
    expect(h.states().slice(-2)).toEqual(["healthy", "unhealthy"]);
  });

  test("a later begin() without untilHealthy counts failures again (a relaunch after smooth recovery)", async () => {
    const h = setup({ startPeriod: 0, retries: 1 });
    h.monitor.begin({ untilHealthy: true });
    await h.answer(BAD);
    h.monitor.begin();
    await h.answer(BAD);
    expect(h.states()).toEqual(["starting", "unhealthy"]);
  });

  test("counters add up every finished check by outcome, across runs", async () => {
    const h = setup({ interval: 1, timeout: 1 });
    h.monitor.begin();
    await h.answer(OK);
    h.clock.advance(1000);
    await h.answer(BAD);
    h.monitor.begin();
    h.clock.advance(1000); // times out
    await h.answer(OK);
    h.clock.advance(1000);
    await h.answer(OK);
    expect(h.monitor.counts()).toEqual({ success: 2, failure: 1, timeout: 1 });
  });
});

describe("end and begin", () => {
  test("end() between probes leaves no timer, and no probe runs after it", async () => {
    const h = setup({ interval: 5 });
    h.monitor.begin();
    await h.answer(OK);
    expect(h.clock.pending()).toBe(1);
    h.monitor.end();
    expect(h.clock.pending()).toBe(0);
    expect(h.monitor.running).toBe(false);
    h.clock.advance(60_000);
    expect(h.calls).toHaveLength(1);
    expect(h.monitor.status()).toMatchObject({ state: "healthy" });
  });

  test("end() during a probe aborts it and cancels its timeout; its late result is dropped", async () => {
    const h = setup();
    h.monitor.begin();
    h.monitor.end();
    expect(h.calls[0]!.signal.aborted).toBe(true);
    expect(h.clock.pending()).toBe(0);
    await h.answer(BAD);
    expect(h.updates).toHaveLength(0);
    expect(h.clock.pending()).toBe(0);
  });

  test("begin() again starts afresh: starting, no failures, the old run's probe ignored", async () => {
    const h = setup({ interval: 1, retries: 1 });
    h.monitor.begin();
    await h.answer(BAD);
    expect(h.monitor.status().state).toBe("unhealthy");
    h.clock.advance(1000);
    const stale = h.calls[1]!;
    h.monitor.begin();
    expect(stale.signal.aborted).toBe(true);
    expect(h.monitor.status()).toEqual({ state: "starting", failures: 0, lastCheck: null, duration: null, text: null });
    stale.settle(BAD);
    await flush();
    expect(h.updates).toHaveLength(1);
    await h.answer(OK);
    expect(h.states()).toEqual(["unhealthy", "healthy"]);
  });

  test("an update handler may end the monitor (a restart on unhealthy): nothing is scheduled after", async () => {
    const h = setup({ interval: 1, retries: 1 });
    h.react((u, m) => {
      if (u.change?.to === "unhealthy") m.end();
    });
    h.monitor.begin();
    await h.answer(BAD);
    expect(h.clock.pending()).toBe(0);
    h.clock.advance(10_000);
    expect(h.calls).toHaveLength(1);
  });

  test("an update handler that throws is reported, and probing goes on", async () => {
    const h = setup({ interval: 1 });
    h.react(() => {
      throw new Error("handler broke");
    });
    h.monitor.begin();
    await h.answer(OK);
    expect((h.errors[0] as Error).message).toBe("handler broke");
    h.clock.advance(1000);
    expect(h.calls).toHaveLength(2);
  });
});
