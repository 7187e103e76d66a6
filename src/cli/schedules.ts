/**
 * @module cli/schedules
 * `bosun check --verbose`'s view of scheduled services: for each one the check reaches, its
 * schedule and the next five due times from now, as bosun computes them (in the schedule's
 * timezone, with the UTC offset; an `@every` rhythm counted as if the task started now).
 */
import { runsOnSchedule } from "../config/kinds.ts";
import { createLoader } from "../config/loader.ts";
import { reach } from "../config/reach.ts";
import { formatDue, nextRuns, scheduleOf } from "../config/schedule.ts";

/** How many due times `check --verbose` shows per scheduled service. */
const SHOWN = 5;

/**
 * The lines for the scheduled services `names` reach; none when they reach none. Services
 * that do not load are left out (the check reports them).
 *
 * @example
 * scheduleLines({ dirs: ["services"], env: process.env }, ["boot"])
 * // ["backup: @daily (Europe/Berlin), next runs:", "  2025-05-15 00:00:00 +02:00", ...]
 */
export function scheduleLines(opts: { dirs: string[]; env: Record<string, string | undefined> }, names: string[], now = Date.now()): string[] {
  const { services } = reach(createLoader(opts), names);
  const lines: string[] = [];
  for (const d of [...services.values()].sort((a, b) => (a.name < b.name ? -1 : 1))) {
    if (!runsOnSchedule(d)) continue;
    const due = nextRuns(scheduleOf(d)!, now, SHOWN);
    lines.push(`${d.name}: ${d.schedule}${d.scheduleTimezone ? ` (${d.scheduleTimezone})` : ""}, next runs:`);
    lines.push(...(due.length > 0 ? due.map((ms) => `  ${formatDue(ms, d.scheduleTimezone)}`) : ["  none: the schedule never falls due again"]));
  }
  return lines;
}
