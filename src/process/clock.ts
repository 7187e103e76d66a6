/**
 * @module process/clock
 * The real Clock the engine runs on: wall-clock milliseconds and Bun's timers.
 */
import type { Clock } from "../engine/types.ts";

/** A Clock backed by Date.now and setTimeout. */
export function realClock(): Clock {
  return {
    now: () => Date.now(),
    schedule: (ms, callback) => setTimeout(callback, ms),
    cancel: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
  };
}
