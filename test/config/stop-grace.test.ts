/**
 * @module test/config/stop-grace
 * `check` and a known stop grace: a stop-timeout set longer than the grace `boot` will have is
 * a warning at its line (from `--stop-grace` or BOSUN_STOP_GRACE); the default stop-timeout
 * and an unknown grace say nothing.
 */
import { afterAll, expect, test } from "bun:test";
import { join } from "node:path";
import { checkServices } from "../../src/config/check.ts";
import { spawnCli } from "../support/cli.ts";
import { removeTempDirs, tempDir } from "../support/files.ts";

afterAll(removeTempDirs);

const files = {
  boot: "type = internal\ndepends-on = slow\ndepends-on = quick\ndepends-on = plain\n",
  slow: "type = process\ncommand = /bin/sleep 1\nstop-timeout = 30\n",
  quick: "type = process\ncommand = /bin/sleep 1\nstop-timeout = 5\n",
  plain: "type = process\ncommand = /bin/sleep 1\n",
};

test("a stop-timeout longer than a known grace is a warning at its line; shorter ones and the default are not", () => {
  const dir = tempDir(files);
  const problems = checkServices({ dirs: [dir], env: { PATH: "/usr/bin:/bin" }, stopGrace: 9 }, ["boot"]);
  expect(problems.map((p) => [p.file, p.line, p.service, p.severity])).toEqual([[join(dir, "slow"), 3, "slow", "warning"]]);
  expect(problems[0]!.message).toBe(
    "stop-timeout: 30 s is longer than the stop grace (9 s): a shutdown kills the service with SIGKILL before it runs out; lower stop-timeout or raise --stop-grace",
  );
  expect(checkServices({ dirs: [dir], env: { PATH: "/usr/bin:/bin" } }, ["boot"])).toEqual([]);
});

test("bosun check takes the grace from --stop-grace or BOSUN_STOP_GRACE; 0 means none", async () => {
  const dir = tempDir(files);
  const check = (args: string[], env: Record<string, string> = {}) => spawnCli(["check", "-d", dir, ...args], { env });
  const flagged = await check(["--stop-grace", "20"]);
  expect(flagged.code).toBe(0); // a warning alone
  expect((await check(["--stop-grace", "20", "--strict"])).code).toBe(1);
  expect(flagged.stderr).toContain(`${join(dir, "slow")}:3: service 'slow': warning: stop-timeout: 30 s is longer than the stop grace (20 s)`);
  expect((await check([], { BOSUN_STOP_GRACE: "10" })).stderr).toContain("(10 s)");
  expect((await check(["--strict"], { BOSUN_STOP_GRACE: "0" })).code).toBe(0);
  expect((await check(["--strict", "--stop-grace", "60"])).code).toBe(0);
});
