/**
 * @module test/config/badinput
 * Hostile input: binary garbage, huge files and lines, directories and FIFOs where files are
 * expected, symlink loops, unreadable files, include cycles, bad names. Each must end in a
 * clear error with its location; nothing may crash or hang.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { chmodSync, mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createLoader } from "../../src/config/loader.ts";
import { ConfigError, type Problem } from "../../src/config/problems.ts";
import { asNobody, NOBODY_CWD, removeBundle } from "../support/other-user.ts";
import { removeTempDirs, tempDir } from "../support/files.ts";

afterAll(() => {
  removeTempDirs();
  removeBundle();
});

function problemsOf(dir: string, name = "svc"): Problem[] {
  try {
    createLoader({ dirs: [dir], env: {} }).loadAll([name]);
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
  return [];
}

describe("bad input gets a clear error with its location", () => {
  test("binary garbage is refused at the first line holding a NUL byte", () => {
    const dir = tempDir({});
    const garbage = new Uint8Array(4096).map((_, i) => (i * 7919 + 13) % 256);
    writeFileSync(join(dir, "svc"), garbage);
    const problems = problemsOf(dir);
    expect(problems.length).toBeGreaterThan(0);
    expect(problems[0]).toMatchObject({ file: join(dir, "svc"), severity: "error", service: "svc" });
    expect(problems.some((p) => p.message.includes("NUL byte"))).toBe(true);
  });

  test("a 10 MB file is refused before it is read", () => {
    const dir = tempDir({});
    writeFileSync(join(dir, "svc"), Buffer.alloc(10 * 1024 * 1024, "# padding\n"));
    expect(problemsOf(dir)).toEqual([expect.objectContaining({ file: join(dir, "svc"), line: null, message: expect.stringContaining("is 10485760 bytes") })]);
  });

  test("a line of 1 MB is refused at its line", () => {
    const dir = tempDir({ svc: `type = process\ncommand = /bin/echo ${"x".repeat(1024 * 1024)}\n` });
    expect(problemsOf(dir)).toEqual([expect.objectContaining({ file: join(dir, "svc"), line: 2, message: expect.stringContaining("characters long") })]);
  });

  test("a directory where a service file is expected", () => {
    const dir = tempDir({ "svc/inner": "" });
    expect(problemsOf(dir)).toEqual([expect.objectContaining({ file: join(dir, "svc"), message: expect.stringContaining("is a directory, not a file") })]);
  });

  test("a directory where an env-file or an include is expected", () => {
    const dir = tempDir({ svc: "type = internal\nenv-file = envdir\n@include incdir\n", "envdir/x": "", "incdir/x": "" });
    const problems = problemsOf(dir);
    expect(problems.map((p) => [p.line, p.message.includes("is a directory")])).toEqual([
      [2, true],
      [3, true],
    ]);
  });

  test("a FIFO as a service file is refused without opening it (no hang)", () => {
    const dir = tempDir({});
    Bun.spawnSync(["mkfifo", join(dir, "svc")]);
    expect(problemsOf(dir)[0]!.message).toContain("is not a regular file");
  });

  test("a .d directory that is a symlink loop is an error at the setting's line", () => {
    const dir = tempDir({ svc: "type = internal\n\nwaits-for.d = loop.d\n" });
    symlinkSync("loop.d", join(dir, "loop.d"));
    expect(problemsOf(dir)).toEqual([expect.objectContaining({ line: 3, message: expect.stringContaining("symbolic link loop") })]);
  });

  test("a symlink loop inside a .d directory is only a name; the missing service is reported", () => {
    const dir = tempDir({ svc: "type = internal\nwaits-for.d = deps.d\n" });
    mkdirSync(join(dir, "deps.d"));
    symlinkSync("ring", join(dir, "deps.d/ring"));
    expect(problemsOf(dir)).toEqual([expect.objectContaining({ line: 2, message: expect.stringContaining("service 'ring' not found") })]);
  });

  test("a service file that is a symlink loop", () => {
    const dir = tempDir({});
    symlinkSync("svc", join(dir, "svc"));
    expect(problemsOf(dir)[0]!.message).toContain("symbolic link loop");
  });

  test("an @include cycle is an error at the include that closes it", () => {
    const dir = tempDir({ svc: "@include a\n", a: "type = internal\n@include svc\n" });
    expect(problemsOf(dir)).toEqual([expect.objectContaining({ file: join(dir, "a"), line: 2, message: expect.stringContaining("include cycle (svc -> a -> svc)") })]);
  });

  test("dependency names with '/' or a leading dot are errors at their line", () => {
    const dir = tempDir({ svc: "depends-on = ../../etc/passwd\nwaits-for = .hidden\n" });
    expect(problemsOf(dir).map((p) => [p.line, p.message.includes("not a valid service name")])).toEqual([
      [1, true],
      [2, true],
    ]);
  });

  test("an unreadable service file, env-file and .d directory, for a user who cannot read them", () => {
    const dir = tempDir({ svc: "type = internal\nenv-file = secret.env\nwaits-for.d = private.d\n", "secret.env": "A=1\n", "private.d/x": "" });
    chmodSync(dir, 0o755);
    chmodSync(join(dir, "secret.env"), 0o600);
    chmodSync(join(dir, "private.d"), 0o700);
    writeFileSync(join(dir, "locked"), "type = internal\n", { mode: 0o600 });
    // root reads everything, so run check as nobody to meet real permission errors.
    const run = (name: string) =>
      Bun.spawnSync(
        asNobody(["check", "--json", "-d", dir, name]),
        { stdout: "pipe", stderr: "pipe", cwd: NOBODY_CWD },
      );
    const svc = run("svc");
    expect(svc.stderr.toString()).toBe("");
    expect((JSON.parse(svc.stdout.toString()) as Problem[]).map((p) => [p.line, p.message])).toEqual([
      [2, expect.stringContaining("secret.env is not readable (permission denied)")],
      [3, expect.stringContaining("private.d is not readable (permission denied)")],
    ]);
    const locked = JSON.parse(run("locked").stdout.toString()) as Problem[];
    expect(locked[0]!.message).toContain("locked is not readable (permission denied)");
  });
});
