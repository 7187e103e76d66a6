/**
 * @module test/config/stop-grace
 * `check` and a known stop grace: a stop-timeout set longer than the grace `boot` will have is
 * a warning at its line (from `--stop-grace` or BOSUN_STOP_GRACE); the default stop-timeout
 * and an unknown grace say nothing.
 */
import { afterAll, expect, test } from "bun:test";
import { join } from "node:path";
import { checkServices } from "../../src/config/check.ts";
import { removeAll, serviceDir } from "./dirs.ts";

afterAll(removeAll);

const MAIN = join(import.meta.dir, "../../src/main.ts");
const files = {
  boot: "type = internal\ndepends-on = slow\ndepends-on = quick\ndepends-on = plain\n",
  slow: "type = process\ncommand = /bin/sleep 1\nstop-timeout = 30\n",
  quick: "type = process\ncommand = /bin/sleep 1\nstop-timeout = 5\n",
  plain: "type = process\ncommand = /bin/sleep 1\n",
};

test("a stop-timeout longer than a known grace is a warning at its line; shorter ones and the default are not", () => {
  const dir = serviceDir(files);
  const problems = checkServices({ dirs: [dir], env: { PATH: "/usr/bin:/bin" }, stopGrace: 9 }, ["boot"]);
  expect(problems.map((p) => [p.file, p.line, p.service, p.severity])).toEqual([[join(dir, "slow"), 3, "slow", "warning"]]);
  expect(problems[0]!.message).toBe(
    "stop-timeout: 30 s is longer than the stop grace (9 s): a shutdown kills the service with SIGKILL before it runs out; lower stop-timeout or raise --stop-grace",
  );
  expect(checkServices({ dirs: [dir], env: { PATH: "/usr/bin:/bin" } }, ["boot"])).toEqual([]);
});

test("bosun check takes the grace from --stop-grace or BOSUN_STOP_GRACE; 0 means none", () => {
  const dir = serviceDir(files);
  const check = (args: string[], env: Record<string, string> = {}) =>
    Bun.spawnSync([process.execPath, MAIN, "check", "-d", dir, ...args], { stdout: "pipe", stderr: "pipe", env: { ...process.env, ...env } });
  const flagged = check(["--stop-grace", "20"]);
  expect(flagged.exitCode).toBe(0); // a warning alone
  expect(check(["--stop-grace", "20", "--strict"]).exitCode).toBe(1);
  expect(flagged.stderr.toString()).toContain(`${join(dir, "slow")}:3: service 'slow': warning: stop-timeout: 30 s is longer than the stop grace (20 s)`);
  expect(check([], { BOSUN_STOP_GRACE: "10" }).stderr.toString()).toContain("(10 s)");
  expect(check(["--strict"], { BOSUN_STOP_GRACE: "0" }).exitCode).toBe(0);
  expect(check(["--strict", "--stop-grace", "60"]).exitCode).toBe(0);
});
