/**
 * @module process/clock
 * The real Clock the engine runs on: wall-clock milliseconds and Bun's timers. Timers count
 * monotonic time, so a wall clock that is set, or a machine that sleeps (the monotonic clock
 * stops meanwhile), moves the two apart: while something watches for that (a scheduled
 * service waiting for its due time), the clock compares them once a minute and reports a
 * jump. Nothing runs while nothing watches.
 */
import type { Clock } from "../engine/types.ts";

/** How often the two clocks are compared while something watches: a jump is noticed within this. */
export const JUMP_CHECK_MS = 60_000;
/** A drift between the clocks beyond this is a jump; NTP slews far slower, and a late check moves both alike. */
export const JUMP_TOLERANCE_MS = 2_000;

/** Where the clock reads time: the wall clock, and a monotonic one that does not count a suspend. */
export interface TimeSources {
  wall(): number;
  monotonic(): number;
}

const system: TimeSources = { wall: () => Date.now(), monotonic: () => performance.now() };

/**
 * A Clock backed by Date.now and setTimeout; `sources` and `checkMs` are for tests.
 *
 * @example
 * const engine = createEngine({ launcher, clock: realClock() });
 */
export function realClock(sources: TimeSources = system, checkMs = JUMP_CHECK_MS): Clock {
  const watchers = new Set<() => void>();
  let check: ReturnType<typeof setInterval> | null = null;
  let wall = 0;
  let monotonic = 0;

  function compare(): void {
    const [w, m] = [sources.wall(), sources.monotonic()];
    const drift = w - wall - (m - monotonic);
    [wall, monotonic] = [w, m];
    if (Math.abs(drift) > JUMP_TOLERANCE_MS) for (const onJump of [...watchers]) onJump();
  }

  return {
    now: () => sources.wall(),
    schedule: (ms, callback) => setTimeout(callback, ms),
    cancel: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
    watchJumps(onJump) {
      watchers.add(onJump);
      if (check === null) {
        [wall, monotonic] = [sources.wall(), sources.monotonic()];
        check = setInterval(compare, checkMs);
        // A watch never keeps bosun (or a test) alive on its own.
        check.unref();
      }
      return () => {
        watchers.delete(onJump);
        if (watchers.size === 0 && check !== null) {
          clearInterval(check);
          check = null;
        }
      };
    },
  };
}
