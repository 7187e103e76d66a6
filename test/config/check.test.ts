/**
 * @module test/config/check
 * `bosun check` over broken fixtures, one per problem class, asserting the exact location
 * and kind of each problem; then the command itself: output format, --json, exit status,
 * and the example services passing cleanly.
 */
import { describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { checkServices } from "../../src/config/check.ts";

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
