/**
 * @module supervisor/exit
 * The exit policy: which exit code bosun ends with, and when a service's end makes it shut
 * down. The main service that stops decides the code: its own, 128+N for a signal, or, when it
 * could not be launched at all, 127 (no such program) or 126 (found but not runnable), as
 * Docker, podman and tini give; then `exit-code-map`. A boot service that stops before it ever
 * started fails the boot (code 1); an orderly shutdown without either gives 0. Pure: the
 * supervisor feeds it the engine's events and acts on what it returns.
 */
import type { ServiceDescription } from "../config/schema.ts";
import type { ServiceEvent } from "../engine/types.ts";
import { shellCode } from "../process/signals.ts";

/** What the policy knows between events. */
export interface ExitState {
  /** The exit code decided so far; null until something decides it. */
  code: number | null;
  /** The services boot was asked to start (and the ad-hoc main). */
  readonly bootSet: ReadonlySet<string>;
  /** Services that reached started at least once. */
  readonly everStarted: ReadonlySet<string>;
  /**
   * The main service when the command line names it (`-- CMD` runs as `main` and wins over a
   * file's `main = true`, as a Docker CMD override does); null lets `main = true` decide.
   */
  readonly mainOverride: string | null;
}

/** What to do after one event: the (possibly new) code, and why to shut down, if at all. */
export interface ExitStep {
  code: number | null;
  /** Set when bosun should begin its shutdown, with the reason for its log line. */
  shutdown: string | null;
  /** Set when the event is worth an error line of its own (a boot that failed). */
  error: string | null;
}

/**
 * The policy's step for one event. `describe` is the event's one-line explanation (the same
 * words bosun logs for it).
 *
 * @example
 * exitStep(stoppedEvent, mainDesc, { code: null, bootSet, everStarted }, false, "exited: exited with 3")
 * // { code: 3, shutdown: "main service main ended, exit code 3", error: null }
 */
export function exitStep(
  event: ServiceEvent,
  desc: ServiceDescription | null,
  state: ExitState,
  shuttingDown: boolean,
  describe: string,
): ExitStep {
  const step: ExitStep = { code: state.code, shutdown: null, error: null };
  if (event.to !== "stopped" || event.target !== "stopped") return step;
  const neverStarted = !state.everStarted.has(event.service);
  const isMain = state.mainOverride === null ? desc?.main === true : event.service === state.mainOverride;
  if (isMain && desc) {
    if (state.code !== null) return step;
    const code = mainCode(event);
    step.code = desc.exitCodeMap[String(code)] ?? code;
    if (!shuttingDown) {
      step.shutdown = neverStarted
        ? `main service ${event.service} ${describe}; exit code ${step.code}`
        : `main service ${event.service} ended, exit code ${step.code}`;
    }
    return step;
  }
  if (state.bootSet.has(event.service) && neverStarted && !shuttingDown) {
    step.code ??= 1;
    step.error = `cannot boot: ${event.service}: ${describe}`;
    step.shutdown = "boot failed";
  }
  return step;
}

/** A stopped main's code before `exit-code-map`. */
function mainCode(event: ServiceEvent): number {
  if (event.failure) return event.failure.stage === "exec" && event.failure.errno === "ENOENT" ? 127 : 126;
  if (event.exit) return shellCode(event.exit);
  // stopped without a process of its own ending it: asked to, or given up while starting
  return event.reason === "normal" ? 0 : 1;
}
