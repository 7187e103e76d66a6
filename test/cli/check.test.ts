/**
 * @module test/cli/check
 * `bosun check` as a user runs it: the output format, --json, the exit status with warnings,
 * errors and --strict, bad flags, -e, -d that is missing or not a directory, and the example
 * services in services/ passing cleanly.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { spawnCli } from "../support/cli.ts";
import { removeTempDirs, tempDir } from "../support/files.ts";

afterAll(removeTempDirs);

const ROOT = join(import.meta.dir, "../..");
const BROKEN = join(ROOT, "test/fixtures/config/broken");

/** `bosun ARGS...` as a process, from the checkout's root (`-d services` is the examples). */
const bosun = (...args: string[]) => spawnCli(args, { cwd: ROOT });

describe("bosun check", () => {
  test("prints file:line: service 'x': error|warning: message", async () => {
    const r = await bosun("check", "-d", join(BROKEN, "unhonoured"), "-d", join(BROKEN, "bad-value"), "boot");
    expect(r.code).toBe(0);
    expect(r.stderr.split("\n")[0]).toBe(`${join(BROKEN, "unhonoured/boot")}:3: service 'boot': warning: inittab-id: bosun writes no utmp records; inittab-id is ignored`);
  });

  test("--json gives the same problems as a list of objects", async () => {
    const r = await bosun("check", "--json", "-d", join(BROKEN, "cycle"));
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout)).toEqual([
      { file: join(BROKEN, "cycle/b"), line: 1, service: "b", severity: "error", message: expect.stringContaining("dependency cycle") },
    ]);
  });

  test("exits 0 on a clean set of services", async () => {
    const r = await bosun("check", "-d", join(BROKEN, "clean"), "app");
    expect(r).toMatchObject({ code: 0 });
    expect(r.stdout).toContain("No problems found");
  });

  test("the example services in services/ pass cleanly", async () => {
    // health checks and cgroup limits are honoured now: not even a warning
    const r = await bosun("check", "--strict", "-d", "services");
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
  });

  test("-e reads boot's global env file, so substitution sees what the daemon would", async () => {
    const dir = tempDir({ app: "type = process\ncommand = ${BINDIR}/sh -c true\n", environment: "BINDIR=/bin\n" });
    const without = await bosun("check", "-d", dir, "app");
    expect(without.code).toBe(1);
    expect(without.stderr).toContain("executable '/sh' does not exist");
    expect((await bosun("check", "-d", dir, "-e", join(dir, "environment"), "app")).code).toBe(0);
  });

  test("a bad flag is a usage error with exit 2", async () => {
    expect((await bosun("check", "--frobnicate")).code).toBe(2);
  });

  test("warnings alone exit 0 (unlike dinit-check); --strict makes them fail; an error always does", async () => {
    const warned = await bosun("check", "-d", join(BROKEN, "unhonoured"));
    expect(warned.stderr).toContain("warning: inittab-id: bosun writes no utmp records");
    expect(warned.stderr).toContain("0 error(s), 2 warning(s)");
    expect(warned.code).toBe(0);
    expect((await bosun("check", "--strict", "-d", join(BROKEN, "unhonoured"))).code).toBe(1);
    expect((await bosun("check", "--json", "--strict", "-d", join(BROKEN, "unhonoured"))).code).toBe(1);
    expect((await bosun("check", "-d", join(BROKEN, "bad-value"))).code).toBe(1);
    expect((await bosun("check", "--strict", "-d", join(BROKEN, "clean"), "app")).code).toBe(0);
  });

  test("a -d that does not exist, beside one that does, is a warning naming it", async () => {
    const r = await bosun("check", "-d", "/nonexistent/services", "-d", join(BROKEN, "clean"), "app");
    expect(r.stderr.split("\n")[0]).toBe("/nonexistent/services: warning: service directory (-d) does not exist; check the path");
    expect(r.code).toBe(0);
    const file = await bosun("check", "--json", "-d", join(BROKEN, "clean", "app"), "-d", join(BROKEN, "clean"), "app");
    expect(JSON.parse(file.stdout)).toEqual([
      { file: join(BROKEN, "clean", "app"), line: null, service: null, severity: "warning", message: "service directory (-d) is not a directory; give the directory that holds the service files" },
    ]);
  });
});
