/**
 * @module supervisor/announce
 * bosun's own lines about its services: `web: started`, `web: exited: killed by KILL`,
 * `web: failed to start: exec: ENOENT (...)`. A stop reason has one word, then the engine's
 * note, the launch failure or the exit says what happened.
 */
import type { Tagged } from "../log/consola.ts";
import type { ServiceType } from "../config/schema.ts";
import { describeExit, isFailure } from "../engine/outcome.ts";
import { isFailedRun } from "../engine/task.ts";
import type { ServiceEvent, StopReason } from "../engine/types.ts";

/** A reload's wording lives in describe-reload.ts, which `bosun reload` loads alone. */
export { describeReload } from "./describe-reload.ts";

const STOP_WORDS: Record<StopReason, string> = {
  normal: "stopped",
  terminated: "exited",
  failed: "failed",
  "exec-failed": "failed to start",
  "timed-out": "start timed out",
  "dep-failed": "not started",
  "dep-restart": "stopped for a dependency's restart",
};

/**
 * One line for a service that stopped: what kind of stop, then the engine's note, the launch
 * failure or the exit. A stop that was asked for mentions the exit only when it went wrong
 * (SIGTERM ending a process, or a stop command exiting 0, is how a stop is meant to end); a
 * scripted service's exit then is its stop command's.
 *
 * @example
 * describeStop({ ...event, reason: "terminated", exit: { code: 3, signal: null }, note: null }, "process") // "exited: exited with 3"
 */
export function describeStop(event: ServiceEvent, type: ServiceType | null): string {
  const word = STOP_WORDS[event.reason ?? "normal"];
  const asked = (event.reason ?? "normal") === "normal";
  const exit = event.exit && (!asked || isFailure(event.exit)) ? event.exit : null;
  const detail = event.note ?? event.failure?.message ?? (exit ? `${asked && type === "scripted" ? "stop command " : ""}${describeExit(exit)}` : null);
  const cause = event.cause ? ` (${event.cause})` : "";
  return detail === null ? `${word}${cause}` : `${word}: ${detail}${cause}`;
}

/**
 * Logs one state change on the service's own logger (tagged with its name): started and stopped
 * at info (a stop that went wrong at warn, except during shutdown, when every stop is expected),
 * the steps between at debug.
 */
export function announce(tagged: Tagged, event: ServiceEvent, type: ServiceType | null, shuttingDown: boolean): void {
  if (event.to === "started") tagged.info(event.note ? `started (${event.note})` : "started");
  else if (event.to === "stopped") {
    const line = describeStop(event, type);
    if (event.reason === "normal" || event.reason === "terminated" || shuttingDown) tagged.info(line);
    else tagged.warn(line);
  } else tagged.debug(`${event.to}${event.note ? ` (${event.note})` : ""}`);
}

/**
 * Logs one run event of a scheduled service: a run's start at debug, its end at info (a failed,
 * timed-out or unlaunched run at warn, with its exit), a skipped or queued due time at info.
 *
 * @example
 * announceRun(about("backup"), runEndedEvent) // "backup: run 3 failed: exited with 1 after 2.0s" (warn)
 */
export function announceRun(tagged: Tagged, event: ServiceEvent): void {
  const text = event.note ?? `run ${event.run?.number} ${event.run?.phase}`;
  if (event.run?.phase === "started") tagged.debug(text);
  else if (event.run?.result && isFailedRun(event.run.result)) tagged.warn(text);
  else tagged.info(text);
}
