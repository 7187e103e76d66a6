/**
 * @module health/monitor
 * When a service's probe runs and what its results mean, over an injected Clock (pure
 * scheduling: no I/O of its own). The first probe runs at `begin()`; the next is scheduled
 * only once the previous one has settled, so probes never overlap: `health-start-interval`
 * later while the service is still `starting` within `health-start-period`, `health-interval`
 * later otherwise. A probe still running at `health-timeout` is aborted and counts as a
 * failure at once. Failures of probes begun during the start period do not count, but a
 * success then ends `starting`. `health-retries` consecutive failures make the service
 * `unhealthy`; one success makes it `healthy` again. `end()` aborts a running probe and
 * leaves no timer behind.
 *
 * A run begun `untilHealthy` (a service whose start waits for its first healthy check) stays
 * in its start period until that check, however long it takes: every probe until then runs at
 * the start interval and no failure counts, so a slow start is not cut short by failures
 * counted before it could answer. What bounds that wait is the service's start-timeout.
 */
import type { HealthCheck } from "../config/schema.ts";
import { errorText } from "../engine/core.ts";
import type { Clock, TimerHandle } from "../engine/types.ts";
import type { CheckOutcome, CheckResult, HealthStatus, HealthUpdate, Probe } from "./types.ts";

/** What a monitor is built from. The callbacks may call `begin()` or `end()` themselves. */
export interface MonitorOptions {
  /** The service's health settings (seconds, as in its description). */
  check: Pick<HealthCheck, "interval" | "timeout" | "retries" | "startPeriod" | "startInterval">;
  probe: Probe;
  clock: Clock;
  /** After every finished check (a timed-out one at its timeout). */
  onUpdate(update: HealthUpdate): void;
  /** What `onUpdate` threw: probing goes on regardless. */
  onError(error: unknown): void;
}

/** How one run's probing begins. */
export interface BeginOptions {
  /** The start period lasts until the first healthy check (see the module's comment). */
  untilHealthy?: boolean;
}

/** One service's health checks, started and ended with each run of the service. */
export interface HealthMonitor {
  /** Starts probing afresh (state `starting`, no failures): the first probe runs now. */
  begin(opts?: BeginOptions): void;
  /** Stops probing: aborts a running probe; no timer is left. The last status stays readable. */
  end(): void;
  /** True between `begin()` and `end()`. */
  readonly running: boolean;
  status(): HealthStatus;
  /** Checks finished by outcome, over every run of this monitor (for /metrics). */
  counts(): Record<CheckOutcome, number>;
}

/** One begin()..end(): a probe in flight from an earlier run must not touch a later one. */
interface Run {
  began: number;
  untilHealthy: boolean;
  /** The next probe's start. */
  timer: TimerHandle | null;
  /** The running probe's timeout, and its abort. */
  deadline: TimerHandle | null;
  controller: AbortController | null;
}

const fresh = (): HealthStatus => ({ state: "starting", failures: 0, lastCheck: null, duration: null, text: null });

/**
 * Builds a monitor for one service's check; nothing runs until `begin()`.
 *
 * @example
 * const monitor = createMonitor({
 *   check: desc.health!, probe: probeFor(desc.health!, spawnProbe), clock: realClock(),
 *   onUpdate: (u) => { if (u.change?.to === "unhealthy") restart(desc.name); },
 *   onError: (e) => logs.system("error", String(e), desc.name),
 * });
 * monitor.begin(); // when the service's process is up
 * monitor.end();   // when it stops
 */
export function createMonitor(opts: MonitorOptions): HealthMonitor {
  const { check, probe, clock } = opts;
  const ms = (seconds: number) => seconds * 1000;
  const counts: Record<CheckOutcome, number> = { success: 0, failure: 0, timeout: 0 };
  let status = fresh();
  let run: Run | null = null;

  const inStartPeriod = (r: Run, at: number) => status.state === "starting" && (r.untilHealthy || at < r.began + ms(check.startPeriod));

  function scheduleNext(r: Run): void {
    const wait = inStartPeriod(r, clock.now()) ? check.startInterval : check.interval;
    r.timer = clock.schedule(ms(wait), () => {
      r.timer = null;
      probeOnce(r);
    });
  }

  function record(outcome: CheckOutcome, text: string, started: number, duringStart: boolean): void {
    counts[outcome]++;
    const from = status.state;
    let { failures } = status;
    let state = from;
    if (outcome === "success") {
      failures = 0;
      state = "healthy";
    } else if (!duringStart) {
      failures++;
      if (failures >= check.retries) state = "unhealthy";
    }
    status = { state, failures, lastCheck: started, duration: clock.now() - started, text };
    try {
      opts.onUpdate({ status, outcome, change: state === from ? null : { from, to: state } });
    } catch (e) {
      opts.onError(e);
    }
  }

  function probeOnce(r: Run): void {
    const started = clock.now();
    const duringStart = inStartPeriod(r, started);
    const controller = new AbortController();
    r.controller = controller;
    let reported = false;
    const report = (outcome: CheckOutcome, text: string) => {
      if (reported || run !== r) return;
      reported = true;
      record(outcome, text, started, duringStart);
    };
    r.deadline = clock.schedule(ms(check.timeout), () => {
      r.deadline = null;
      controller.abort(new DOMException(`timed out after ${check.timeout} s`, "TimeoutError"));
      report("timeout", `timed out after ${check.timeout} s`);
    });
    let settled: Promise<CheckResult>;
    try {
      settled = probe(controller.signal);
    } catch (e) {
      settled = Promise.reject(e);
    }
    settled
      .then(
        (result) => report(result.ok ? "success" : "failure", result.text),
        (e) => report("failure", `the check could not run: ${errorText(e)}`),
      )
      .finally(() => {
        // A probe that outlived its timeout is over only now: the next one waits for it.
        if (run !== r) return;
        if (r.deadline !== null) clock.cancel(r.deadline);
        r.deadline = null;
        r.controller = null;
        scheduleNext(r);
      });
  }

  function end(): void {
    if (!run) return;
    if (run.timer !== null) clock.cancel(run.timer);
    if (run.deadline !== null) clock.cancel(run.deadline);
    run.controller?.abort(new DOMException("health checks ended", "AbortError"));
    run = null;
  }

  return {
    begin(o = {}) {
      end();
      status = fresh();
      run = { began: clock.now(), untilHealthy: o.untilHealthy ?? false, timer: null, deadline: null, controller: null };
      probeOnce(run);
    },
    end,
    get running() {
      return run !== null;
    },
    status: () => status,
    counts: () => ({ ...counts }),
  };
}
