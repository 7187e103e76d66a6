/**
 * @module test/config/check
 * The checker over broken fixtures, one per problem class, asserting the exact location and
 * kind of each problem; task settings on services they do not fit (the command itself is
 * tested in test/cli/check).
 */
import { afterAll, describe, expect, test } from "bun:test";
import { join, relative } from "node:path";
import { checkServices } from "../../src/config/check.ts";
import { removeTempDirs, tempDir } from "../support/files.ts";

afterAll(removeTempDirs);

const ROOT = join(import.meta.dir, "../..");
const BROKEN = join(ROOT, "test/fixtures/config/broken");

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
  // One pass finds a bad value, a missing dependency, a missing executable and an unknown user of one file.
  "every-problem": [
    ["boot", 2, "boot", "error", "command: executable '/usr/bin/nginxx' does not exist"],
    ["boot", 3, "boot", "error", "stop-timeout: 'ten'"],
    ["boot", 4, "boot", "error", "depends-on: service 'absent' not found"],
    ["boot", 5, "boot", "error", "run-as: user 'nosuchuser' does not exist"],
  ],
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
    const dir = tempDir({ job: text });
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

describe("check reports every problem in one pass", () => {
  const check = (files: Record<string, string>, names = ["boot"], env: Record<string, string> = {}) => {
    const dir = tempDir(files);
    return checkServices({ dirs: [dir], env: { PATH: "/usr/bin:/bin", ...env } }, names).map((p) => [p.file && relative(dir, p.file), p.line, p.severity, p.message]);
  };

  test("the services a file with errors names are loaded and checked too", () => {
    expect(
      check({
        boot: "type = internal\nstop-timeout = ten\ndepends-on = db\n",
        db: "type = process\ncommand = /usr/bin/no-such-db\nrestart-delay = soon\n",
      }),
    ).toEqual([
      ["boot", 2, "error", expect.stringContaining("stop-timeout: 'ten'")],
      ["db", 2, "error", "command: executable '/usr/bin/no-such-db' does not exist"],
      ["db", 3, "error", expect.stringContaining("restart-delay: 'soon'")],
    ]);
  });

  test("a setting that could not be read invents no contradiction (a mistyped type is not read as internal)", () => {
    // No "command: ignored for type internal": only the facts the readable settings state are checked.
    expect(check({ boot: "type = proccess\ncommand = /bin/true\nrun-as = nosuchuser\n" })).toEqual([
      ["boot", 1, "error", expect.stringContaining("'proccess' is not a valid service type")],
      ["boot", 3, "error", "run-as: user 'nosuchuser' does not exist (not in /etc/passwd)"],
    ]);
  });
});

describe("check looks for the working directory", () => {
  const check = (files: Record<string, string>, names = ["boot"], env: Record<string, string> = {}) => {
    const dir = tempDir(files);
    return checkServices({ dirs: [dir], env: { PATH: "/usr/bin:/bin", ...env } }, names).map((p) => [p.line, p.severity, p.message]);
  };

  test("a working-dir that does not exist, or is not a directory, is an error at its line", () => {
    expect(check({ boot: "type = process\ncommand = /bin/true\nworking-dir = /nonexistent\n" })).toEqual([
      [3, "error", "working-dir: /nonexistent does not exist; create it or fix the path (the service would fail to start)"],
    ]);
    expect(check({ boot: "type = process\ncommand = /bin/true\nworking-dir = /etc/passwd\n" })).toEqual([
      [3, "error", "working-dir: /etc/passwd is not a directory"],
    ]);
  });

  test("a relative working-dir is looked for beside the service file; $1 is fixed by the instance's name", () => {
    expect(check({ boot: "type = process\ncommand = /bin/true\nworking-dir = data\n", "data/keep": "" })).toEqual([]);
    const dir = tempDir({ app: "type = process\ncommand = /bin/true\nworking-dir = /nonexistent/$1\n" });
    expect(checkServices({ dirs: [dir], env: {} }, ["app@x"]).map((p) => [p.severity, p.message])).toEqual([
      ["error", expect.stringContaining("working-dir: /nonexistent/x does not exist")],
    ]);
  });

  test("a working-dir built from an environment variable is only a warning: boot may see another environment", () => {
    expect(check({ boot: "type = process\ncommand = /bin/true\nworking-dir = ${APP_HOME}/run\n" }, ["boot"], { APP_HOME: "/nonexistent" })).toEqual([
      [3, "warning", expect.stringMatching(/^working-dir: \/nonexistent\/run does not exist here; it depends on \$APP_HOME, substituted when bosun loads the service/)],
    ]);
    expect(check({ boot: "type = process\ncommand = /bin/true\nworking-dir = ${APP_HOME:-/}\n" })).toEqual([]);
  });

  test("a service that runs no process is not asked for one", () => {
    expect(check({ boot: "type = internal\nworking-dir = /nonexistent\n" })).toEqual([[2, "warning", expect.stringContaining("working-dir: ignored for type internal")]]);
  });
});

describe("check points out single quotes in command lines", () => {
  const warnings = (text: string) => {
    const dir = tempDir({ boot: text });
    return checkServices({ dirs: [dir], env: { PATH: "/usr/bin:/bin" } }, ["boot"]).map((p) => [p.line, p.severity, p.message]);
  };

  test("a shell snippet in single quotes gets the double-quoted form to write instead", () => {
    expect(warnings("type = process\ncommand = /bin/sh -c 'echo hi; sleep 1'\n")).toEqual([
      [
        2,
        "warning",
        `command: single quotes are ordinary characters in a service file (only double quotes group words), so the program gets 'echo hi; sleep 1' as 4 words, quotes included; write: command = /bin/sh -c "echo hi; sleep 1"`,
      ],
    ]);
  });

  test("stop-command and health-command too, each at its own line, keeping '+=' and escaping what double quotes need", () => {
    const text = `type = process\ncommand = /bin/sleep 100\nstop-command = /bin/sh -c 'kill "$$MAINPID"'\nhealth-command = /bin/sh\nhealth-command += -c 'test -e /tmp/up'\n`;
    const found = warnings(text).filter((f) => String(f[2]).includes("single quotes"));
    expect(found.map((f) => [f[0], f[1]])).toEqual([[3, "warning"], [5, "warning"]]);
    expect(found[0]![2]).toEndWith(`write: stop-command = /bin/sh -c "kill \\"$$MAINPID\\""`);
    expect(found[1]![2]).toEndWith(`write: health-command += -c "test -e /tmp/up"`);
  });

  test("single quotes inside double quotes, and apostrophes, are left alone", () => {
    expect(warnings(`type = process\ncommand = /bin/sh -c "echo 'hi there'"\n`)).toEqual([]);
    expect(warnings("type = process\ncommand = /bin/echo it's Bob's\n")).toEqual([]);
  });
});
