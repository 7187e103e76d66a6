/**
 * @module test/config/check
 * `bosun check` over broken fixtures, one per problem class, asserting the exact location
 * and kind of each problem; task settings on services they do not fit; then the command itself:
 * output format, --json, exit status, and the example services passing cleanly.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { checkServices } from "../../src/config/check.ts";
import { removeAll, serviceDir } from "./dirs.ts";

afterAll(removeAll);

const ROOT = join(import.meta.dir, "../..");
const BROKEN = join(ROOT, "test/fixtures/config/broken");
const BUN = process.execPath;

/** file (relative to the fixture), line, service, severity, and a fragment of the message. */
type Expected = [string, number | null, string, "error" | "warning", string];

const CASES: Record<string, Expected[]> = {
  syntax: [["boot", 2, "boot", "error", "unterminated quoted string"]],
  "unknown-setting": [["boot", 2, "boot", "error", "unknown setting 'depends-onn' (did you mean 'depends-on'?)"]],
  "bad-value": [["boot", 3, "boot", "error", "restart-delay: '1 second' is not a duration"]],
  "missing-command": [["boot", 2, "boot", "error", "a process service needs a 'command'"]],
  "ignored-for-type": [["boot", 2, "boot", "warning", "command: ignored for type internal"]],
  "missing-dependency": [["boot", 3, "boot", "error", "depends-on: service 'absent' not found"]],
  cycle: [["b", 1, "b", "error", "dependency cycle: a -> b (depends-on) -> a (waits-for)"]],
  "ordering-cycle": [["db", 2, "db", "error", "dependency cycle: boot -> db (depends-on) -> boot (after)"]],
  "consumer-not-pipe": [["app-log", 3, "app-log", "error", "consumer-of: service 'app' does not produce a pipe"]],
  "consumer-missing": [["app-log", 3, "app-log", "error", "consumer-of: service 'app' not found"]],
  "missing-executable": [
    ["boot", 2, "boot", "error", "command: executable '/usr/bin/definitely-not-here' does not exist"],
    ["boot", 3, "boot", "error", "stop-command: executable 'no-such-program-in-path' is not in PATH"],
  ],
  "not-executable": [["boot", 2, "boot", "error", "script.sh' is not executable"]],
  "unknown-user": [["boot", 3, "boot", "error", "run-as: user 'no-such-user-bosun' does not exist"]],
  unhonoured: [
    ["boot", 3, "boot", "warning", "inittab-id: bosun writes no utmp records"],
    ["boot", 4, "boot", "warning", "options: 'runs-on-console': bosun does not hand its console"],
  ],
  "include-cycle": [["part-b", 1, "boot", "error", "include cycle (boot -> part-a -> part-b -> part-a)"]],
  "two-mains": [["other", 4, "other", "error", "main: more than one service has 'main = true' (boot at "]],
  clean: [],
};

describe("check finds each class of problem where it is", () => {
  for (const [name, expected] of Object.entries(CASES)) {
    test(`${name}: ${expected.length === 0 ? "no problems" : expected.map((e) => `${e[0]}:${e[1]} ${e[3]}`).join(", ")}`, () => {
      const dir = join(BROKEN, name);
      const problems = checkServices({ dirs: [dir], env: { PATH: "/usr/bin:/bin" } }, ["boot"]);
      expect(problems.map((p) => [p.file && relative(dir, p.file), p.line, p.service, p.severity])).toEqual(expected.map((e) => e.slice(0, 4)));
      problems.forEach((p, i) => expect(p.message).toContain(expected[i]![4]));
    });
  }
});

describe("check lints task settings", () => {
  /** The problems of one service file. */
  const problems = (text: string) => {
    const dir = serviceDir({ job: text });
    return checkServices({ dirs: [dir], env: { PATH: "/usr/bin:/bin" } }, ["job"]).map((p) => [p.line, p.severity, p.message]);
  };

  test("a bad expression and an unknown timezone are errors at their lines", () => {
    expect(problems("type = scripted\ncommand = /bin/true\nschedule = */5 * * * MON-FUN\nschedule-timezone = Mars/Olympus\n")).toEqual([
      [3, "error", "schedule: day-of-week (field 5 of 5) 'MON-FUN': 'FUN' is not a day-of-week: use 0-7 (0 and 7 are Sunday) or SUN-SAT"],
      [4, "error", expect.stringContaining("schedule-timezone: 'Mars/Olympus' is not a known timezone")],
    ]);
  });

  test("a scheduled service warns that stop-command and the restart settings do not apply to its runs", () => {
    expect(problems("type = scripted\ncommand = /bin/true\nstop-command = /bin/true\nrestart = on-failure\nrestart-delay = 2\nschedule = @hourly\n")).toEqual([
      [3, "warning", "stop-command: has no meaning for a scheduled service: a run still going at stop gets the term-signal"],
      [4, "warning", expect.stringContaining("restart: does not apply to a scheduled service")],
      [5, "warning", expect.stringContaining("restart-delay: does not apply to a scheduled service")],
    ]);
  });

  test("a schedule on a type with no command, and run-once beside a schedule, are errors", () => {
    expect(problems("type = internal\nschedule = @daily\n")).toEqual([[2, "error", "schedule: only a scripted or process service runs on a schedule, not type internal; use type = scripted"]]);
    expect(problems("type = scripted\ncommand = /bin/true\nschedule = @daily\noptions = run-once\n")).toEqual([
      [4, "error", expect.stringContaining("options: run-once and schedule contradict each other")],
    ]);
  });

  test("run-once on a service that is not scripted is an error; a marker without run-once is ignored", () => {
    expect(problems("type = process\ncommand = /bin/true\noptions = run-once\n")).toEqual([
      [3, "error", "options: run-once only applies to a scripted service (its start command is what runs once), not to type process"],
    ]);
    expect(problems("type = scripted\ncommand = /bin/true\nrun-once-marker = done\n")).toEqual([[3, "warning", "run-once-marker: ignored without 'options = run-once'"]]);
  });

  test("a run-once marker beside a stop-command is pointed out: shutdown undoes the start, the marker skips it next boot", () => {
    expect(problems("type = scripted\ncommand = /bin/true\nstop-command = /bin/true\noptions = run-once\nrun-once-marker = done\n")).toEqual([
      [5, "warning", expect.stringContaining("run-once-marker: beside a stop-command, a shutdown undoes the start but keeps the marker")],
    ]);
  });

  test("schedule tuning without a schedule is ignored; a timezone or a long jitter on @every is pointed out", () => {
    expect(problems("type = scripted\ncommand = /bin/true\nschedule-overlap = queue\nschedule-timeout = 5m\n")).toEqual([
      [3, "warning", "schedule-overlap: ignored without a 'schedule'"],
      [4, "warning", "schedule-timeout: ignored without a 'schedule'"],
    ]);
    expect(problems("type = scripted\ncommand = /bin/true\nschedule = @every 1m\nschedule-timezone = UTC\nschedule-jitter = 2m\n")).toEqual([
      [4, "warning", expect.stringContaining("schedule-timezone: ignored for @every")],
      [5, "warning", expect.stringContaining("schedule-jitter: longer than the @every interval")],
    ]);
  });

  test("a well-formed scheduled service and a run-once service have nothing to report", () => {
    expect(problems("type = scripted\ncommand = /bin/true\nschedule = 0 3 * * SUN\nschedule-timezone = Europe/Berlin\nschedule-jitter = 5m\n")).toEqual([]);
    expect(problems("type = scripted\ncommand = /bin/true\noptions = run-once\nrun-once-marker = /tmp/x\n")).toEqual([]);
  });
});

function bosun(...args: string[]) {
  const r = Bun.spawnSync([BUN, join(ROOT, "src/main.ts"), ...args], { cwd: ROOT, stdout: "pipe", stderr: "pipe" });
  return { code: r.exitCode, out: r.stdout.toString(), err: r.stderr.toString() };
}

describe("bosun check", () => {
  test("prints file:line: service 'x': error|warning: message and exits 1", () => {
    const r = bosun("check", "-d", join(BROKEN, "unhonoured"), "-d", join(BROKEN, "bad-value"), "boot");
    expect(r.code).toBe(1);
    expect(r.err.split("\n")[0]).toBe(`${join(BROKEN, "unhonoured/boot")}:3: service 'boot': warning: inittab-id: bosun writes no utmp records; inittab-id is ignored`);
  });

  test("--json gives the same problems as a list of objects", () => {
    const r = bosun("check", "--json", "-d", join(BROKEN, "cycle"));
    expect(r.code).toBe(1);
    expect(JSON.parse(r.out)).toEqual([
      { file: join(BROKEN, "cycle/b"), line: 1, service: "b", severity: "error", message: expect.stringContaining("dependency cycle") },
    ]);
  });

  test("exits 0 on a clean set of services", () => {
    const r = bosun("check", "-d", join(BROKEN, "clean"), "app");
    expect(r).toMatchObject({ code: 0 });
    expect(r.out).toContain("No problems found");
  });

  test("the example services in services/ pass cleanly", () => {
    const r = bosun("check", "-d", "services");
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
  });

  test("-e reads boot's global env file, so substitution sees what the daemon would", () => {
    const dir = mkdtempSync(join(tmpdir(), "check-env-"));
    try {
      writeFileSync(join(dir, "app"), "type = process\ncommand = ${BINDIR}/sh -c true\n");
      writeFileSync(join(dir, "environment"), "BINDIR=/bin\n");
      const without = bosun("check", "-d", dir, "app");
      expect(without.code).toBe(1);
      expect(without.err).toContain("executable '/sh' does not exist");
      expect(bosun("check", "-d", dir, "-e", join(dir, "environment"), "app").code).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("a bad flag is a usage error with exit 2", () => {
    expect(bosun("check", "--frobnicate").code).toBe(2);
  });
});
