/**
 * @module supervisor/termination
 * How bosun ends within the grace its runtime gives it.
 * - SIGTERM: with a drain delay, readiness fails first (/readyz 503, STOPPING=1 upstream) while
 *   every service keeps running that long, so a load balancer stops sending traffic before
 *   anything stops (Kubernetes removes the pod from its endpoints meanwhile); then the orderly
 *   stop. A second TERM during the drain ends it and begins the orderly stop; a TERM once the
 *   stop has begun kills everything.
 * - SIGINT: the orderly stop at once; a second kills everything.
 * - The stop grace: a deadline for the whole shutdown, drain included, counted from its first
 *   step (a signal, `bosun shutdown`, or the main service's end). A little before it ends, every
 *   service still running is killed with SIGKILL, so that bosun reaps them, flushes its logs and
 *   exits with the main service's code by itself instead of being killed by the runtime.
 */

/** The stop grace bosun assumes as PID 1: under Docker's and Podman's default 10 s. */
export const PID1_STOP_GRACE_SECONDS = 9;

/** dinit's stop-timeout, which the ad-hoc main has when no grace is known. */
const DEFAULT_STOP_TIMEOUT_SECONDS = 10;

/**
 * How long before the grace ends what still runs gets SIGKILL (ms): time to reap, write the
 * last lines and exit. A second, or a third of a shorter grace.
 *
 * @example
 * killLead(9000) // 1000
 */
export function killLead(graceMs: number): number {
  return Math.min(1000, graceMs / 3);
}

/**
 * The ad-hoc main's stop-timeout (seconds): dinit's 10 s, but short enough that its own kill
 * (logged as its stop-timeout) comes before the grace's, after any drain.
 *
 * @example
 * mainStopTimeout(9000, 0) // 7
 * mainStopTimeout(null, 0) // 10
 */
export function mainStopTimeout(graceMs: number | null, drainMs: number): number {
  if (graceMs === null) return DEFAULT_STOP_TIMEOUT_SECONDS;
  const killAt = graceMs - killLead(graceMs) - drainMs;
  if (killAt <= 0) return DEFAULT_STOP_TIMEOUT_SECONDS; // the grace's kill comes first whatever it is
  return Math.min(DEFAULT_STOP_TIMEOUT_SECONDS * 1000, Math.max(killAt / 2, killAt - 1000)) / 1000;
}

/** What ending bosun does; the supervisor provides it. */
export interface TerminationSteps {
  /** Readiness fails from now; the services keep running. */
  drain(why: string, seconds: number): void;
  /** Begin the orderly stop (the supervisor's shutdown; it calls `stopping()` back). */
  stop(why: string): void;
  /** SIGKILL to everything and leave shortly (a TERM once the stop has begun). */
  forceExit(why: string): void;
  /** The grace is ending: SIGKILL to what still runs, each logged as cut short. */
  cutShort(graceSeconds: number): void;
  /** Leave now with the code decided so far: what was killed did not end in time. */
  finish(): void;
}

/** The termination state; see createTermination. */
export interface Termination {
  /** A TERM or INT arrived. */
  signal(signal: "SIGTERM" | "SIGINT"): void;
  /** The orderly stop began (by any path): the drain, if any, is over; the grace runs. */
  stopping(): void;
  readonly draining: boolean;
  /** Unix ms when the grace ends; null without a grace or before the shutdown. */
  readonly deadline: number | null;
  /** Clears the timers (bosun exiting). */
  close(): void;
}

/**
 * Builds the termination over real timers.
 *
 * @example
 * const t = createTermination({ drainMs: 5000, graceMs: 30_000 }, steps);
 * process.on("SIGTERM", () => t.signal("SIGTERM"));
 */
export function createTermination(opts: { drainMs: number; graceMs: number | null }, steps: TerminationSteps): Termination {
  let phase: "running" | "draining" | "stopping" = "running";
  let deadline: number | null = null;
  let drainTimer: ReturnType<typeof setTimeout> | null = null;
  const graceTimers: ReturnType<typeof setTimeout>[] = [];

  /** The grace starts with the shutdown's first step and runs to its end. */
  function startGrace(): void {
    const grace = opts.graceMs;
    if (grace === null || deadline !== null) return;
    deadline = Date.now() + grace;
    const lead = killLead(grace);
    graceTimers.push(
      setTimeout(() => {
        if (phase !== "stopping") steps.stop(`the stop grace of ${grace / 1000} s ends`);
        steps.cutShort(grace / 1000);
      }, grace - lead),
      setTimeout(() => steps.finish(), grace - lead / 4),
    );
  }

  function endDrain(): void {
    if (drainTimer !== null) clearTimeout(drainTimer);
    drainTimer = null;
  }

  return {
    signal(signal) {
      const name = signal.slice(3);
      if (phase === "stopping") return steps.forceExit(`second ${signal}`);
      if (phase === "draining") return steps.stop(`${signal} during the drain`);
      if (signal === "SIGTERM" && opts.drainMs > 0) {
        phase = "draining";
        startGrace();
        drainTimer = setTimeout(() => {
          drainTimer = null;
          steps.stop(`${signal}, after the drain`);
        }, opts.drainMs);
        return steps.drain(name, opts.drainMs / 1000);
      }
      steps.stop(signal);
    },
    stopping() {
      endDrain();
      phase = "stopping";
      startGrace();
    },
    get draining() {
      return phase === "draining";
    },
    get deadline() {
      return deadline;
    },
    close() {
      endDrain();
      for (const t of graceTimers) clearTimeout(t);
    },
  };
}
