/**
 * @module engine/outcome
 * How a run ended, in one place: whether a process exit counts as a failure (dinit's
 * on-failure judgement), the one wording of an exit for people (`exited with 3`, `killed by
 * SEGV`), and which stop reasons mean the service failed. The engine, the process layer, the
 * supervisor's log lines and the CLI all read these, so they can never word or judge an
 * outcome differently.
 */
import type { ExitStatus, StopReason } from "./types.ts";

/** Signals a process is conventionally asked to end with; dying of one is not a failure. */
const POLITE_SIGNALS = new Set(["HUP", "INT", "USR1", "USR2", "TERM"]);

/**
 * dinit's on-failure judgement: a non-zero exit code, or death by a signal other than
 * HUP/INT/USR1/USR2/TERM.
 *
 * @example
 * isFailure({ code: 3, signal: null }); // true
 * isFailure({ code: null, signal: "TERM" }); // false
 */
export function isFailure(status: ExitStatus): boolean {
  if (status.signal !== null) return !POLITE_SIGNALS.has(status.signal);
  return status.code !== null && status.code !== 0;
}

/**
 * An exit for people: `exited with 3`, `killed by SEGV`.
 *
 * @example
 * describeExit({ code: null, signal: "KILL" }); // "killed by KILL"
 */
export function describeExit(status: ExitStatus): string {
  return status.signal !== null ? `killed by ${status.signal}` : `exited with ${status.code ?? "?"}`;
}

/** Stop reasons that mean something went wrong (hard dependents then stop with dep-failed). */
const FAILED_REASONS: ReadonlySet<StopReason> = new Set<StopReason>(["failed", "exec-failed", "timed-out", "dep-failed"]);

/**
 * True for a stop reason that means the service failed (`is-failed`, dependents' dep-failed).
 *
 * @example
 * isFailedStop("timed-out"); // true
 * isFailedStop("normal"); // false
 */
export function isFailedStop(reason: StopReason | null): boolean {
  return reason !== null && FAILED_REASONS.has(reason);
}
