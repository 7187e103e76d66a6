/**
 * @module config/due
 * How a scheduled service's due time reads in `bosun status`, `bosun list` and `bosun check
 * --verbose`. Apart from config/schedule.ts (which re-exports it) so showing a due time does
 * not load croner.
 */

/**
 * A due time as people read it in the schedule's timezone, with its UTC offset, so a time
 * around a daylight-saving change is unambiguous.
 *
 * @example
 * formatDue(Date.UTC(2025, 2, 30, 1), "Europe/Berlin") // "2025-03-30 03:00:00 +02:00"
 */
export function formatDue(ms: number, timezone: string | null): string {
  const parts = new Intl.DateTimeFormat("en-US", {
    timeZone: timezone ?? undefined,
    hourCycle: "h23",
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
    timeZoneName: "longOffset",
  }).formatToParts(new Date(ms));
  const part = (type: Intl.DateTimeFormatPartTypes) => parts.find((p) => p.type === type)?.value ?? "";
  const offset = part("timeZoneName").replace(/^GMT/, "") || "+00:00";
  return `${part("year")}-${part("month")}-${part("day")} ${part("hour")}:${part("minute")}:${part("second")} ${offset}`;
}
