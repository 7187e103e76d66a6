/**
 * @module config/schedule
 * A scheduled service's `schedule`: a five-field cron expression (`MINUTE HOUR DAY-OF-MONTH
 * MONTH DAY-OF-WEEK`: lists, ranges, steps, month and day names), one of the nicknames
 * `@hourly` `@daily` `@weekly` `@monthly` `@yearly`, or bosun's own `@every DURATION`; and the
 * due times it gives in a timezone. croner's extensions are accepted too: `L` (last day of the
 * month, last weekday `5#L`), `W` (nearest weekday), `#` (nth weekday, `MON#2`) and a leading
 * `+` on the day-of-week (day-of-month AND day-of-week, where cron's rule is OR).
 *
 * The calendar arithmetic (month ends, leap days, timezones, daylight-saving changes) is
 * croner's, and this is the only module that imports it: the rest of bosun sees `Schedule`.
 * Its daylight-saving rule is Vixie cron's: an expression whose minute and hour fields are
 * plain values, lists or ranges names wall-clock times, so a time that falls in a skipped hour
 * runs once right after the change and a time in a repeated hour runs once, the first time;
 * an expression with a `*` or a step in its minute or hour field (and `@every`) keeps its
 * rhythm through the change instead.
 */
import { Cron, CronPattern } from "croner";
import type { ServiceDescription } from "./schema.ts";
import { parseSeconds } from "./units.ts";
import { ValueError } from "./value.ts";

/** How a due time reads lives in due.ts, which the CLI loads without croner. */
export { formatDue } from "./due.ts";

/** A parsed schedule: what gives a scheduled service its due times. */
export interface Schedule {
  /** The expression as written. */
  readonly expression: string;
  /** The IANA timezone a cron expression's fields are read in; null = bosun's local time (its TZ). */
  readonly timezone: string | null;
  /** `@every`'s interval in ms (due times are `anchor + k * every`); null for a cron expression. */
  readonly every: number | null;
  /**
   * The first due time strictly after `after` (wall-clock ms), or null when it never falls due
   * again. `anchor` is where an `@every` rhythm began (a cron expression ignores it).
   */
  next(after: number, anchor: number): number | null;
}

/** The five fields, in order: name, range, and the names a field also takes. */
const FIELDS = [
  { name: "minute", min: 0, max: 59, range: "0-59", names: [] },
  { name: "hour", min: 0, max: 23, range: "0-23", names: [] },
  { name: "day-of-month", min: 1, max: 31, range: "1-31", names: [] },
  { name: "month", min: 1, max: 12, range: "1-12 or JAN-DEC", names: ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"] },
  { name: "day-of-week", min: 0, max: 7, range: "0-7 (0 and 7 are Sunday) or SUN-SAT", names: ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"] },
] as const;
type Field = (typeof FIELDS)[number];

const NICKNAMES: Record<string, string> = {
  "@yearly": "0 0 1 1 *",
  "@annually": "0 0 1 1 *",
  "@monthly": "0 0 1 * *",
  "@weekly": "0 0 * * 0",
  "@daily": "0 0 * * *",
  "@midnight": "0 0 * * *",
  "@hourly": "0 * * * *",
};

const SHAPE = "five fields 'MINUTE HOUR DAY-OF-MONTH MONTH DAY-OF-WEEK' (e.g. '*/15 * * * *'), @hourly, @daily, @weekly, @monthly, @yearly or @every 30s";

/** croner's options: five fields only, dinit-era cron's OR of day-of-month and day-of-week, Vixie's DST rule. */
const CRON_OPTIONS = { mode: "5-part", fixedTimeRule: "no-wildcard", domAndDow: false, paused: true } as const;

/**
 * Reads a schedule. `timezone` (already checked with `checkTimezone`) is where a cron
 * expression's fields are read; null = bosun's local time. Throws a ValueError that names the
 * field at fault and why.
 *
 * @example
 * parseSchedule("30 2 * * *", "Europe/Berlin").next(Date.UTC(2025, 2, 29, 12), 0) // 2025-03-30T01:00Z: 03:00 CEST, right after the skipped hour
 * parseSchedule("@every 30s").next(1000, 1000) // 31000
 * parseSchedule("61 * * * *") // throws: minute (field 1 of 5) '61': 61 is outside 0-59
 */
export function parseSchedule(expression: string, timezone: string | null = null): Schedule {
  const text = expression.trim();
  if (text === "") throw new ValueError(`an empty schedule: use ${SHAPE}`);
  if (text.startsWith("@")) {
    const [nickname, ...rest] = text.split(/\s+/);
    const lower = nickname!.toLowerCase();
    if (lower === "@every") return every(text, rest);
    if (lower === "@reboot") throw new ValueError("@reboot is not a schedule: a service that should run at boot is started (waits-for from boot)");
    const fields = NICKNAMES[lower];
    if (fields === undefined || rest.length > 0) throw new ValueError(`'${text}' is not a schedule: use ${SHAPE}`);
    return cron(text, fields, timezone);
  }
  return cron(text, text, timezone);
}

function every(text: string, words: string[]): Schedule {
  if (words.length !== 1) throw new ValueError(`'${text}': @every takes one duration, like @every 30s, @every 5m or @every 1h`);
  let seconds: number;
  try {
    seconds = parseSeconds(words[0]!);
  } catch (e) {
    if (!(e instanceof ValueError)) throw e;
    throw new ValueError(`@every: ${e.message}`);
  }
  const ms = Math.round(seconds * 1000);
  if (ms < 1) throw new ValueError(`'${text}': @every needs an interval above zero`);
  return {
    expression: text,
    timezone: null,
    every: ms,
    next: (after, anchor) => anchor + (Math.floor((after - anchor) / ms) + 1) * ms,
  };
}

function cron(expression: string, fields: string, timezone: string | null): Schedule {
  const parts = fields.split(/\s+/);
  if (parts.length === 6 || parts.length === 7) {
    throw new ValueError(`'${expression}' has ${parts.length} fields: bosun's schedules are to the minute, without seconds or years; use ${SHAPE}`);
  }
  if (parts.length !== 5) throw new ValueError(`'${expression}' has ${parts.length} field${parts.length === 1 ? "" : "s"}: use ${SHAPE}`);
  // croner judges each field alone (the others wildcards), so an error names the field at fault.
  parts.forEach((part, i) => {
    const probe = ["*", "*", "*", "*", "*"];
    probe[i] = part;
    try {
      new CronPattern(probe.join(" "), undefined, CRON_OPTIONS);
    } catch (e) {
      const field = FIELDS[i]!;
      throw new ValueError(`${field.name} (field ${i + 1} of 5) '${part}': ${why(part, field, e)}`);
    }
  });
  const job = new Cron(fields, { ...CRON_OPTIONS, timezone: timezone ?? undefined });
  // From a fixed instant: whether an expression ever falls due must not depend on today.
  if (job.nextRun(new Date(Date.UTC(2000, 0, 1))) === null) {
    const dom = parts[2] !== "*" && parts[2] !== "?";
    throw new ValueError(`'${expression}' never falls due${dom ? ": none of the months given has the day of the month given (February has no 30th)" : ""}`);
  }
  return {
    expression,
    timezone,
    every: null,
    next: (after) => job.nextRun(new Date(after))?.getTime() ?? null,
  };
}

/** Why croner refused a field, in bosun's words where the cause is a common one. */
function why(text: string, field: Field, error: unknown): string {
  const items = (field.name === "day-of-week" ? text.replace(/^\+/, "") : text).split(",");
  if (items.some((item) => item === "")) return "a list has an empty item (two commas in a row, or a comma at an end)";
  for (const item of items) {
    const [base, step, extra] = item.split("/");
    if (extra !== undefined) return `'${item}' has more than one '/'`;
    if (step !== undefined) {
      if (!/^\d+$/.test(step) || Number(step) === 0) return `the step in '${item}' must be a whole number from 1, like */5`;
      if (base !== "*" && !base!.includes("-")) return `a step needs '*' or a range before it: write */${step} or FROM-TO/${step}`;
    }
    const nth = /#(.*)$/.exec(base!);
    if (nth && !/^([1-5]|L)$/i.test(nth[1]!)) return `'#${nth[1]}' picks one weekday of the month: write #1 to #5, or #L for the last`;
    // L, W and # are croner's extensions (last day, nearest weekday, nth weekday): its message covers the rest.
    if (/[LW#]/i.test(base!)) break;
    const bounds = base!.split("-");
    if (bounds.length > 2 || bounds.includes("")) return `'${base}' is not a value or a range FROM-TO of ${field.range}`;
    const values: number[] = [];
    for (const token of bounds) {
      if (token === "*" || token === "?") continue;
      const named = (field.names as readonly string[]).indexOf(token.toUpperCase());
      if (named >= 0) values.push(named + (field.name === "month" ? 1 : 0));
      else if (/^\d+$/.test(token)) {
        const n = Number(token);
        if (n < field.min || n > field.max) return `${token} is outside ${field.range}`;
        values.push(n);
      } else return `'${token}' is not a ${field.name}: use ${field.range}`;
    }
    if (values.length === 2 && values[0]! > values[1]!) return `the range '${base}' runs backwards: write it low-high (a range does not wrap around)`;
  }
  const message = error instanceof Error ? error.message : String(error);
  return message.replace(/^CronPattern: (Syntax error, )?/, "");
}

/**
 * The canonical name of a timezone bosun can compute in (`utc` -> `UTC`); throws a ValueError
 * naming it when the system's time zone data does not know it.
 *
 * @example
 * checkTimezone("Europe/Berlin") // "Europe/Berlin"
 * checkTimezone("Europe/Berln") // throws
 */
export function checkTimezone(name: string): string {
  try {
    return new Intl.DateTimeFormat("en-US", { timeZone: name }).resolvedOptions().timeZone;
  } catch {
    throw new ValueError(`'${name}' is not a known timezone: use an IANA name like Europe/Berlin, America/New_York or UTC`);
  }
}

/**
 * The next `n` due times after `from` (wall-clock ms); an `@every` rhythm counts from `from`.
 * Fewer than `n` when the schedule ends.
 *
 * @example
 * nextRuns(parseSchedule("@hourly", "UTC"), Date.UTC(2025, 0, 1), 2) // [01:00Z, 02:00Z] of that day, in ms
 */
export function nextRuns(schedule: Schedule, from: number, n: number): number[] {
  const out: number[] = [];
  let after = from;
  while (out.length < n) {
    const due = schedule.next(after, from);
    if (due === null) break;
    out.push(due);
    after = due;
  }
  return out;
}

/**
 * A service's schedule, or null when it has none. The description was validated at load, so
 * this does not throw for a loaded one.
 */
export function scheduleOf(desc: ServiceDescription): Schedule | null {
  return desc.schedule === null ? null : parseSchedule(desc.schedule, desc.scheduleTimezone);
}
