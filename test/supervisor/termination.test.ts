/**
 * @module test/supervisor/termination
 * The order of bosun's end over real (short) timers: a drain before the stop, a second TERM
 * ending the drain, a TERM after the stop began killing everything, SIGINT skipping the drain,
 * and the stop grace cutting the shutdown short, then leaving; the kill lead and the ad-hoc
 * main's stop-timeout under a grace.
 */
import { afterEach, describe, expect, test } from "bun:test";
import { createTermination, killLead, mainStopTimeout, type Termination } from "../../src/supervisor/termination.ts";
import { waitFor } from "../support/wait.ts";

let made: Termination | null = null;
afterEach(() => made?.close());

/** A termination whose steps are recorded; `stop` calls `stopping()` back as the supervisor does. */
function setup(opts: { drainMs?: number; graceMs?: number | null }) {
  const steps: string[] = [];
  const t: Termination = createTermination(
    { drainMs: opts.drainMs ?? 0, graceMs: opts.graceMs ?? null },
    {
      drain: (why, seconds) => void steps.push(`drain ${why} ${seconds}`),
      stop(why) {
        steps.push(`stop ${why}`);
        t.stopping();
      },
      forceExit: (why) => void steps.push(`force ${why}`),
      cutShort: (grace) => void steps.push(`cut ${grace}`),
      finish: () => void steps.push("finish"),
    },
  );
  made = t;
  return { t, steps, next: (step: string) => waitFor(step, () => steps.includes(step)) };
}

describe("signals", () => {
  test("SIGTERM without a drain stops at once; a second kills everything", () => {
    const { t, steps } = setup({});
    t.signal("SIGTERM");
    t.signal("SIGTERM");
    expect(steps).toEqual(["stop SIGTERM", "force second SIGTERM"]);
  });

  test("SIGTERM with a drain: not ready first, the stop after the delay", async () => {
    const { t, steps, next } = setup({ drainMs: 50 });
    t.signal("SIGTERM");
    expect(t.draining).toBe(true);
    expect(steps).toEqual(["drain TERM 0.05"]);
    await next("stop SIGTERM, after the drain");
    expect(t.draining).toBe(false);
  });

  test("a second SIGTERM during the drain ends it and begins the stop; a third kills", async () => {
    const { t, steps } = setup({ drainMs: 60_000 });
    t.signal("SIGTERM");
    t.signal("SIGTERM");
    t.signal("SIGTERM");
    expect(steps).toEqual(["drain TERM 60", "stop SIGTERM during the drain", "force second SIGTERM"]);
  });

  test("SIGINT skips the drain", () => {
    const { t, steps } = setup({ drainMs: 60_000 });
    t.signal("SIGINT");
    expect(steps).toEqual(["stop SIGINT"]);
  });

  test("a shutdown begun otherwise (the main service ended) ends a drain under way", async () => {
    const { t, steps } = setup({ drainMs: 60_000 });
    t.signal("SIGTERM");
    t.stopping();
    expect(t.draining).toBe(false);
    t.signal("SIGTERM");
    expect(steps).toEqual(["drain TERM 60", "force second SIGTERM"]);
  });
});

describe("the stop grace", () => {
  test("from the shutdown's first step: the deadline is set, what runs is cut short before it, then bosun leaves", async () => {
    const { t, steps, next } = setup({ graceMs: 300 });
    expect(t.deadline).toBeNull();
    const before = Date.now();
    t.signal("SIGTERM");
    expect(t.deadline).toBeGreaterThanOrEqual(before + 300);
    await next("finish");
    expect(steps).toEqual(["stop SIGTERM", "cut 0.3", "finish"]);
  });

  test("the drain counts against it: a grace ending during the drain stops, then cuts short", async () => {
    const { t, steps, next } = setup({ drainMs: 60_000, graceMs: 300 });
    t.signal("SIGTERM");
    await next("finish");
    expect(steps).toEqual(["drain TERM 60", "stop the stop grace of 0.3 s ends", "cut 0.3", "finish"]);
  });

  test("without a grace nothing is cut short", async () => {
    const { t, steps } = setup({});
    t.signal("SIGTERM");
    expect(t.deadline).toBeNull();
    expect(steps).toEqual(["stop SIGTERM"]);
  });

  test("services are killed a second before the deadline, or a third of a short grace; the ad-hoc main's stop-timeout comes before that", () => {
    expect(killLead(9000)).toBe(1000);
    expect(killLead(1500)).toBe(500);
    expect(mainStopTimeout(null, 0)).toBe(10);
    expect(mainStopTimeout(9000, 0)).toBe(7);
    expect(mainStopTimeout(3000, 0)).toBe(1);
    expect(mainStopTimeout(30_000, 0)).toBe(10);
    expect(mainStopTimeout(30_000, 25_000)).toBe(3);
    for (const [grace, drain] of [[9000, 0], [3000, 0], [1500, 0], [30_000, 5000]] as const) {
      expect(mainStopTimeout(grace, drain) * 1000).toBeLessThan(grace - killLead(grace) - drain);
    }
  });
});
