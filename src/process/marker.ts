/**
 * @module process/marker
 * `run-once-marker`: the file that says a run-once service's start has been done, so that it
 * is not done again after bosun restarts. It is written once the start command succeeded;
 * while it exists a start skips the command and the service counts as started at once. It is
 * removed when the service is stopped other than by bosun's shutdown (the supervisor's call),
 * since its stop-command has then undone the start.
 */
import { existsSync, unlinkSync, writeFileSync } from "node:fs";
import { runsOnce } from "../config/kinds.ts";
import type { ServiceDescription } from "../config/schema.ts";
import { errnoOf } from "./failure.ts";

/** The marker file of a run-once service, or null when it has none. */
function markerOf(d: ServiceDescription): string | null {
  return runsOnce(d) ? d.runOnceMarker : null;
}

/**
 * True when `d` is a run-once service whose marker exists: its start is done already.
 *
 * @example
 * if (markerPresent(desc)) ops.ready(run); // counts as started without running the command
 */
export function markerPresent(d: ServiceDescription): boolean {
  const path = markerOf(d);
  return path !== null && existsSync(path);
}

/**
 * Writes the marker after the start command succeeded; returns why it could not (a warning:
 * the service is started, but the start runs again at the next boot), or null.
 *
 * @example
 * writeMarker(desc) // "cannot write run-once-marker /var/lib/app/migrated: ENOENT (...)" when its directory is missing
 */
export function writeMarker(d: ServiceDescription): string | null {
  const path = markerOf(d);
  if (path === null) return null;
  try {
    writeFileSync(path, `the start of ${d.name} is done (bosun run-once-marker, ${new Date().toISOString()}); remove this file to run it again\n`);
    return null;
  } catch (e) {
    return `cannot write run-once-marker ${path}: ${errnoOf(e) ?? (e as Error).message}${errnoOf(e) === "ENOENT" ? " (its directory does not exist)" : ""}; the start command runs again at the next boot`;
  }
}

/**
 * Removes the marker (the service was stopped, its start undone); returns why it could not,
 * or null (also when there was none).
 *
 * @example
 * removeMarker(desc) // null
 */
export function removeMarker(d: ServiceDescription): string | null {
  const path = markerOf(d);
  if (path === null) return null;
  try {
    unlinkSync(path);
    return null;
  } catch (e) {
    if (errnoOf(e) === "ENOENT") return null;
    return `cannot remove run-once-marker ${path}: ${errnoOf(e) ?? (e as Error).message}; the next boot skips the start command while it exists`;
  }
}
