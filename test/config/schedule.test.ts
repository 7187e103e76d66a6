/**
 * @module test/config/schedule
 * Schedules against fixed instants: what parses and what is refused (naming the field at fault),
 * the due times of ranges, steps, lists and names, month ends and leap days, daylight-saving
 * changes both ways in named timezones, `@every`, timezone names, the local timezone taken
 * from TZ, and the schedule settings as the loader reads them.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { createLoader } from "../../src/config/loader.ts";
import { checkTimezone, formatDue, nextRuns, parseSchedule, scheduleOf } from "../../src/config/schedule.ts";
import { removeTempDirs, tempDir } from "../support/files.ts";
import { loaderFor, problemsOf } from "./support.ts";

afterAll(removeTempDirs);

/** The next `n` due times of `expression` after the instant `from`, as ISO strings in UTC. */
function due(expression: string, timezone: string | null, from: string, n: number): string[] {
  return nextRuns(parseSchedule(expression, timezone), Date.parse(from), n).map((t) => new Date(t).toISOString());
}

/** The same, as wall-clock times with their offset in the schedule's timezone. */
function wall(expression: string, timezone: string, from: string, n: number): string[] {
  return nextRuns(parseSchedule(expression, timezone), Date.parse(from), n).map((t) => formatDue(t, timezone));
}

function refusal(expression: string): string {
  try {
    parseSchedule(expression);
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error(`'${expression}' was accepted`);
}

describe("parsing", () => {
  test("a bad field is named with its position and the reason", () => {
    const cases: [string, string][] = [
      ["61 * * * *", "minute (field 1 of 5) '61': 61 is outside 0-59"],
      ["* 24 * * *", "hour (field 2 of 5) '24': 24 is outside 0-23"],
      ["* * 0 * *", "day-of-month (field 3 of 5) '0': 0 is outside 1-31"],
      ["* * * 13 *", "month (field 4 of 5) '13': 13 is outside 1-12 or JAN-DEC"],
      ["* * * * 8", "day-of-week (field 5 of 5) '8': 8 is outside 0-7"],
      ["* * * FOO *", "month (field 4 of 5) 'FOO': 'FOO' is not a month: use 1-12 or JAN-DEC"],
      ["* * * * SUNDAY", "day-of-week (field 5 of 5) 'SUNDAY': 'SUNDAY' is not a day-of-week"],
      ["*/0 * * * *", "minute (field 1 of 5) '*/0': the step in '*/0' must be a whole number from 1"],
      ["5/5 * * * *", "a step needs '*' or a range before it: write */5 or FROM-TO/5"],
      ["5-1 * * * *", "the range '5-1' runs backwards: write it low-high"],
      ["* * * DEC-JAN *", "month (field 4 of 5) 'DEC-JAN': the range 'DEC-JAN' runs backwards"],
      ["1,,2 * * * *", "a list has an empty item"],
      ["* 1-2-3 * * *", "hour (field 2 of 5) '1-2-3': '1-2-3' is not a value or a range FROM-TO of 0-23"],
      ["* * * * MON#6", "'#6' picks one weekday of the month: write #1 to #5, or #L for the last"],
      ["0 0 30 2 *", "never falls due: none of the months given has the day of the month given"],
    ];
    for (const [expression, message] of cases) expect(refusal(expression)).toContain(message);
  });

  test("the wrong number of fields, seconds, unknown nicknames and @reboot are refused with what to write", () => {
    expect(refusal("* * * *")).toStartWith("'* * * *' has 4 fields: use five fields 'MINUTE HOUR DAY-OF-MONTH MONTH DAY-OF-WEEK'");
    expect(refusal("0 0 * * * *")).toContain("has 6 fields: bosun's schedules are to the minute, without seconds or years");
    expect(refusal("@fortnightly")).toStartWith("'@fortnightly' is not a schedule: use five fields");
    expect(refusal("@hourly now")).toStartWith("'@hourly now' is not a schedule");
    expect(refusal("@reboot")).toContain("@reboot is not a schedule");
    expect(refusal("")).toStartWith("an empty schedule");
  });

  test("@every takes one duration above zero, in the loader's units", () => {
    expect(parseSchedule("@every 30s").every).toBe(30_000);
    expect(parseSchedule("@every 500ms").every).toBe(500);
    expect(parseSchedule("@every 5m").every).toBe(300_000);
    expect(parseSchedule("@every 1h").every).toBe(3_600_000);
    expect(parseSchedule("@every 90").every).toBe(90_000);
    expect(refusal("@every")).toContain("@every takes one duration");
    expect(refusal("@every 1h 30m")).toContain("@every takes one duration");
    expect(refusal("@every 0")).toContain("an interval above zero");
    expect(refusal("@every soon")).toStartWith("@every: 'soon' is not a duration");
  });

  test("nicknames are the cron expressions they stand for, in any case", () => {
    const from = "2025-05-14T10:20:00Z";
    expect(due("@hourly", "UTC", from, 3)).toEqual(due("0 * * * *", "UTC", from, 3));
    expect(due("@daily", "UTC", from, 3)).toEqual(due("0 0 * * *", "UTC", from, 3));
    expect(due("@midnight", "UTC", from, 3)).toEqual(due("0 0 * * *", "UTC", from, 3));
    expect(due("@weekly", "UTC", from, 3)).toEqual(due("0 0 * * 0", "UTC", from, 3));
    expect(due("@monthly", "UTC", from, 3)).toEqual(due("0 0 1 * *", "UTC", from, 3));
    expect(due("@yearly", "UTC", from, 2)).toEqual(["2026-01-01T00:00:00.000Z", "2027-01-01T00:00:00.000Z"]);
    expect(due("@Annually", "UTC", from, 2)).toEqual(due("@yearly", "UTC", from, 2));
  });
});

describe("due times", () => {
  test("ranges, steps, lists and month and day names", () => {
    expect(due("*/20 9-10 * * *", "UTC", "2025-05-14T09:30:00Z", 4)).toEqual([
      "2025-05-14T09:40:00.000Z",
      "2025-05-14T10:00:00.000Z",
      "2025-05-14T10:20:00.000Z",
      "2025-05-14T10:40:00.000Z",
    ]);
    expect(due("0 8 * jan,jul mon-fri", "UTC", "2025-01-30T12:00:00Z", 3)).toEqual([
      "2025-01-31T08:00:00.000Z", // Friday
      "2025-07-01T08:00:00.000Z", // Tuesday, after February to June are left out
      "2025-07-02T08:00:00.000Z",
    ]);
    expect(due("15 3 * * SUN", "UTC", "2025-05-14T00:00:00Z", 1)).toEqual(due("15 3 * * 7", "UTC", "2025-05-14T00:00:00Z", 1));
    expect(due("0 0 10-20/5 * *", "UTC", "2025-05-01T00:00:00Z", 4)).toEqual([
      "2025-05-10T00:00:00.000Z",
      "2025-05-15T00:00:00.000Z",
      "2025-05-20T00:00:00.000Z",
      "2025-06-10T00:00:00.000Z",
    ]);
  });

  test("a day of the month and a day of the week together mean either (cron's rule)", () => {
    expect(due("0 0 1 * MON", "UTC", "2025-01-25T00:00:00Z", 3)).toEqual([
      "2025-01-27T00:00:00.000Z", // a Monday
      "2025-02-01T00:00:00.000Z", // the 1st, a Saturday
      "2025-02-03T00:00:00.000Z",
    ]);
  });

  test("the extensions: L for the last day, #N for the nth weekday, + for day-of-month AND day-of-week", () => {
    expect(due("0 0 L * *", "UTC", "2024-01-31T12:00:00Z", 3)).toEqual(["2024-02-29T00:00:00.000Z", "2024-03-31T00:00:00.000Z", "2024-04-30T00:00:00.000Z"]);
    expect(due("0 9 * * MON#2", "UTC", "2025-01-01T00:00:00Z", 2)).toEqual(["2025-01-13T09:00:00.000Z", "2025-02-10T09:00:00.000Z"]);
    expect(due("0 12 1 * +MON", "UTC", "2025-01-01T00:00:00Z", 2)).toEqual(["2025-09-01T12:00:00.000Z", "2025-12-01T12:00:00.000Z"]);
  });

  test("a due time is strictly after the instant asked about", () => {
    const hourly = parseSchedule("@hourly", "UTC");
    expect(hourly.next(Date.parse("2025-05-14T10:00:00Z"), 0)).toBe(Date.parse("2025-05-14T11:00:00Z"));
    expect(hourly.next(Date.parse("2025-05-14T09:59:59.999Z"), 0)).toBe(Date.parse("2025-05-14T10:00:00Z"));
  });

  test("month ends: the 31st skips the shorter months and the 30th skips February", () => {
    expect(due("0 0 31 * *", "UTC", "2025-01-01T00:00:00Z", 4)).toEqual([
      "2025-01-31T00:00:00.000Z",
      "2025-03-31T00:00:00.000Z",
      "2025-05-31T00:00:00.000Z",
      "2025-07-31T00:00:00.000Z",
    ]);
    expect(due("0 0 30 * *", "UTC", "2025-01-30T12:00:00Z", 2)).toEqual(["2025-03-30T00:00:00.000Z", "2025-04-30T00:00:00.000Z"]);
    expect(due("59 23 * * *", "UTC", "2025-12-31T23:58:00Z", 2)).toEqual(["2025-12-31T23:59:00.000Z", "2026-01-01T23:59:00.000Z"]);
  });

  test("leap days: February 29th comes every four years, and not in 2100", () => {
    expect(due("0 12 29 2 *", "UTC", "2025-01-01T00:00:00Z", 2)).toEqual(["2028-02-29T12:00:00.000Z", "2032-02-29T12:00:00.000Z"]);
    expect(due("0 12 29 2 *", "UTC", "2097-01-01T00:00:00Z", 1)).toEqual(["2104-02-29T12:00:00.000Z"]);
    expect(due("0 0 28-29 2 *", "UTC", "2024-02-27T00:00:00Z", 3)).toEqual([
      "2024-02-28T00:00:00.000Z",
      "2024-02-29T00:00:00.000Z",
      "2025-02-28T00:00:00.000Z",
    ]);
  });

  test("a named timezone reads the fields in its wall-clock time", () => {
    expect(wall("0 9 * * *", "Asia/Kolkata", "2025-05-14T00:00:00Z", 2)).toEqual(["2025-05-14 09:00:00 +05:30", "2025-05-15 09:00:00 +05:30"]);
    expect(due("0 9 * * *", "Asia/Kolkata", "2025-05-14T00:00:00Z", 1)).toEqual(["2025-05-14T03:30:00.000Z"]);
  });
});

describe("daylight-saving changes", () => {
  test("Europe/Berlin, spring: 02:30 does not exist on the last Sunday of March, so it runs once at 03:00", () => {
    expect(wall("30 2 * * *", "Europe/Berlin", "2025-03-29T12:00:00Z", 3)).toEqual([
      "2025-03-30 03:00:00 +02:00",
      "2025-03-31 02:30:00 +02:00",
      "2025-04-01 02:30:00 +02:00",
    ]);
  });

  test("Europe/Berlin, autumn: 02:30 comes twice on the last Sunday of October and runs the first time only", () => {
    expect(wall("30 2 * * *", "Europe/Berlin", "2025-10-25T12:00:00Z", 3)).toEqual([
      "2025-10-26 02:30:00 +02:00",
      "2025-10-27 02:30:00 +01:00",
      "2025-10-28 02:30:00 +01:00",
    ]);
    // A list of hours is wall-clock times too: each runs once.
    expect(wall("30 1,2 * * *", "Europe/Berlin", "2025-10-25T12:00:00Z", 3)).toEqual([
      "2025-10-26 01:30:00 +02:00",
      "2025-10-26 02:30:00 +02:00",
      "2025-10-27 01:30:00 +01:00",
    ]);
  });

  test("a '*' in the hour keeps its rhythm through both changes", () => {
    // Autumn: the repeated hour runs again, so every real hour has its run.
    expect(due("0 * * * *", "Europe/Berlin", "2025-10-25T23:30:00Z", 4)).toEqual([
      "2025-10-26T00:00:00.000Z", // 02:00 +02:00
      "2025-10-26T01:00:00.000Z", // 02:00 +01:00
      "2025-10-26T02:00:00.000Z",
      "2025-10-26T03:00:00.000Z",
    ]);
    // Spring: every 15 minutes of real time, across the hour the clock skips.
    expect(due("*/15 * * * *", "Europe/Berlin", "2025-03-30T00:40:00Z", 4)).toEqual([
      "2025-03-30T00:45:00.000Z", // 01:45 +01:00
      "2025-03-30T01:00:00.000Z", // 03:00 +02:00
      "2025-03-30T01:15:00.000Z",
      "2025-03-30T01:30:00.000Z",
    ]);
  });

  test("America/New_York: 02:30 in March runs at 03:00, 01:30 in November runs once", () => {
    expect(wall("30 2 * * *", "America/New_York", "2025-03-08T12:00:00Z", 2)).toEqual(["2025-03-09 03:00:00 -04:00", "2025-03-10 02:30:00 -04:00"]);
    expect(wall("30 1 * * *", "America/New_York", "2025-11-01T12:00:00Z", 2)).toEqual(["2025-11-02 01:30:00 -04:00", "2025-11-03 01:30:00 -05:00"]);
  });

  test("a change at midnight (America/Santiago): @daily runs at 01:00 on the day that has no midnight", () => {
    expect(wall("@daily", "America/Santiago", "2025-09-05T12:00:00Z", 3)).toEqual([
      "2025-09-06 00:00:00 -04:00",
      "2025-09-07 01:00:00 -03:00",
      "2025-09-08 00:00:00 -03:00",
    ]);
  });

  test("with no timezone the local one applies, and TZ sets it; a UTC schedule ignores the local changes", () => {
    const script = `
      import { nextRuns, parseSchedule } from ${JSON.stringify(join(import.meta.dir, "../../src/config/schedule.ts"))};
      const iso = (s, tz, from) => nextRuns(parseSchedule(s, tz), Date.parse(from), 2).map((t) => new Date(t).toISOString());
      console.log(JSON.stringify([iso("30 2 * * *", null, "2025-03-29T12:00:00Z"), iso("0 * * * *", "UTC", "2025-10-05T02:00:00Z")]));
    `;
    const run = (tz: string) => {
      const r = Bun.spawnSync([process.execPath, "-e", script], { env: { ...process.env, TZ: tz }, stdout: "pipe", stderr: "pipe" });
      if (r.exitCode !== 0) throw new Error(`bun -e with TZ=${tz} failed: ${r.stderr.toString()}`);
      return JSON.parse(r.stdout.toString());
    };
    // Sydney's clocks went forward on 2025-10-05 (local); a UTC schedule must not move with them.
    expect(run("Europe/Berlin")).toEqual([
      ["2025-03-30T01:00:00.000Z", "2025-03-31T00:30:00.000Z"],
      ["2025-10-05T03:00:00.000Z", "2025-10-05T04:00:00.000Z"],
    ]);
    expect(run("Australia/Sydney")[1]).toEqual(["2025-10-05T03:00:00.000Z", "2025-10-05T04:00:00.000Z"]);
  });
});

describe("@every", () => {
  test("keeps its rhythm from the anchor, whatever instant is asked about", () => {
    const s = parseSchedule("@every 30s");
    expect(s.next(1_000, 1_000)).toBe(31_000);
    expect(s.next(31_000, 1_000)).toBe(61_000);
    expect(s.next(45_500, 1_000)).toBe(61_000);
    // Before the anchor (a clock set back): still on the same grid.
    expect(s.next(-20_000, 1_000)).toBe(1_000);
    expect(s.next(-40_000, 1_000)).toBe(-29_000);
  });

  test("nextRuns counts an @every rhythm from the instant given", () => {
    expect(nextRuns(parseSchedule("@every 5m"), 0, 3)).toEqual([300_000, 600_000, 900_000]);
  });
});

describe("timezones", () => {
  test("known names are taken in their canonical spelling; unknown ones are refused", () => {
    expect(checkTimezone("Europe/Berlin")).toBe("Europe/Berlin");
    expect(checkTimezone("utc")).toBe("UTC");
    expect(checkTimezone("America/New_York")).toBe("America/New_York");
    expect(() => checkTimezone("Europe/Berln")).toThrow("'Europe/Berln' is not a known timezone: use an IANA name like Europe/Berlin");
    expect(() => checkTimezone("Mars/Olympus")).toThrow("is not a known timezone");
  });

  test("formatDue shows the wall-clock time with its offset", () => {
    expect(formatDue(Date.parse("2025-03-30T01:00:00Z"), "Europe/Berlin")).toBe("2025-03-30 03:00:00 +02:00");
    expect(formatDue(Date.parse("2025-03-30T00:59:00Z"), "Europe/Berlin")).toBe("2025-03-30 01:59:00 +01:00");
    expect(formatDue(Date.parse("2025-03-30T00:59:00Z"), "UTC")).toBe("2025-03-30 00:59:00 +00:00");
  });
});

describe("schedule settings", () => {
  test("every schedule setting fills its field; the marker is relative to the service's directory", () => {
    const files = {
      "jobs/backup": `type = scripted
command = /bin/true
schedule = 30 2 * * *
schedule-timezone = europe/berlin
schedule-overlap = queue
schedule-jitter = 5m
schedule-timeout = 1h
`,
      "jobs/migrate": "type = scripted\ncommand = /bin/true\noptions = run-once\nrun-once-marker = state/migrated\n",
    };
    const dir = tempDir(files);
    const loader = createLoader({ dirs: [join(dir, "jobs")], env: {} });
    const backup = loader.load("backup");
    expect(backup).toMatchObject({
      schedule: "30 2 * * *",
      scheduleTimezone: "Europe/Berlin",
      scheduleOverlap: "queue",
      scheduleJitter: 300,
      scheduleTimeout: 3600,
    });
    expect(scheduleOf(backup)?.next(Date.parse("2025-03-29T12:00:00Z"), 0)).toBe(Date.parse("2025-03-30T01:00:00Z"));
    expect(loader.load("migrate")).toMatchObject({ options: ["run-once"], runOnceMarker: join(dir, "jobs/state/migrated") });
  });

  test("the defaults: no schedule, local time, skip, no jitter, no timeout, no marker", () => {
    const d = loaderFor({ web: "type = process\ncommand = /bin/true\n" }).loader.load("web");
    expect(d).toMatchObject({ schedule: null, scheduleTimezone: null, scheduleOverlap: "skip", scheduleJitter: 0, scheduleTimeout: 0, runOnceMarker: null });
    expect(scheduleOf(d)).toBeNull();
  });

  test("bad values are errors at their line, naming the setting and the field at fault", () => {
    const { loader } = loaderFor({
      job: "type = scripted\ncommand = /bin/true\nschedule = 0 25 * * *\nschedule-timezone = Europe/Berln\nschedule-overlap = later\nschedule-jitter = a bit\n",
    });
    expect(problemsOf(() => loader.load("job")).map((p) => [p.line, p.message])).toEqual([
      [3, "schedule: hour (field 2 of 5) '25': 25 is outside 0-23"],
      [4, expect.stringContaining("schedule-timezone: 'Europe/Berln' is not a known timezone")],
      [5, "schedule-overlap: 'later' is not a valid schedule-overlap: use one of skip, queue"],
      [6, expect.stringContaining("schedule-jitter: 'a bit' is not a duration")],
    ]);
  });

  test("the task settings and run-once are honoured, so loading them warns of nothing", () => {
    const { loader } = loaderFor({
      job: "type = scripted\ncommand = /bin/true\nschedule = @every 1m\nschedule-overlap = queue\nschedule-jitter = 5\nschedule-timeout = 30\n",
      once: "type = scripted\ncommand = /bin/true\noptions = run-once\nrun-once-marker = /tmp/done\n",
    });
    loader.load("job");
    loader.load("once");
    expect(loader.warnings()).toEqual([]);
  });
});
