/**
 * @module engine/restart
 * The restart policy: what to do after a started process ends on its own: restart (after how long), or stop for good
 * because the policy says no or the service is restarting too quickly.
 */
import type { ServiceDescription } from "../config/schema.ts";
import { isFailure } from "./outcome.ts";
import type { ExitStatus } from "./types.ts";

/** What to do after a started process ended of its own accord. */
export type RestartDecision =
  | { restart: false; tooQuickly: boolean }
  | { restart: true; delay: number; attempt: number };

/** The part of a record the decision reads and updates. */
export interface RestartHistory {
  restartTimes: number[];
  backoff: number;
  upSince: number | null;
}

/**
 * Decides on a restart and, when restarting, records it in `history`. Times are clock ms;
 * description durations are seconds.
 *
 * The limit counts automatic restarts within the last `restartLimitInterval` (dinit's window);
 * `restartLimitCount` 0 means unlimited. The backoff (bosun's `restartDelayMax`, used only when
 * greater than `restartDelay`) doubles the delay per consecutive restart up to the cap; a process
 * that stayed up for longer than `restartLimitInterval` starts the doubling afresh. `failed` is
 * dinit's judgement of the exit unless bosun ended the process for a failure of its own
 * finding (a health check), whatever the exit then was.
 *
 * @example
 * decideRestart(desc, { code: 1, signal: null }, history, clock.now());
 * // { restart: true, delay: 200, attempt: 1 }
 */
export function decideRestart(
  desc: ServiceDescription,
  status: ExitStatus,
  history: RestartHistory,
  now: number,
  failed = isFailure(status),
): RestartDecision {
  const wanted = desc.restart === "yes" || (desc.restart === "on-failure" && failed);
  if (!wanted) return { restart: false, tooQuickly: false };

  const window = desc.restartLimitInterval * 1000;
  history.restartTimes = history.restartTimes.filter((t) => now - t < window);
  if (desc.restartLimitCount > 0 && history.restartTimes.length >= desc.restartLimitCount) {
    return { restart: false, tooQuickly: true };
  }
  if (history.upSince !== null && now - history.upSince > window) history.backoff = 0;

  const base = desc.restartDelay * 1000;
  const cap = desc.restartDelayMax * 1000;
  const delay = cap > base ? Math.min(cap, base * 2 ** history.backoff) : base;
  history.backoff += 1;
  history.restartTimes.push(now);
  return { restart: true, delay, attempt: history.restartTimes.length };
}
