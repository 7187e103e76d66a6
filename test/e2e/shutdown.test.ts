/**
 * @module test/e2e/shutdown
 * Drain and stop grace seen from outside, with real signals: /readyz fails on SIGTERM before
 * any service gets its own, a second SIGTERM ends the drain; under --stop-grace bosun (PID 1)
 * ends services that ignore SIGTERM by itself, exits with the main service's code and writes
 * its last lines, never killed from outside; the grace's defaults and BOSUN_STOP_GRACE.
 */
import { afterEach, expect, setDefaultTimeout, test } from "bun:test";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { runCli } from "../support/cli.ts";
import { boot, bootDir, freePort, stopDaemons, type Daemon } from "../support/daemon.ts";
import { removeTempDirs, tempDir, type Files } from "../support/files.ts";
import { waitFor } from "../support/wait.ts";

setDefaultTimeout(30_000);

afterEach(async () => {
  await stopDaemons();
  removeTempDirs();
});
function start(files: Files, args: string[], opts: { pid1?: boolean; env?: Record<string, string> } = {}): Daemon {
  return boot(bootDir(files), { args, ...opts });
}

/** A process that ignores SIGTERM. */
const STUBBORN = "type = process\nstop-timeout = 300\ncommand = /bin/sh -c \"trap '' TERM; while :; do sleep 0.1; done\"\n";

test("--drain-delay: on SIGTERM /readyz fails while every service still runs; a second SIGTERM ends the drain and stops them", async () => {
  const port = freePort();
  const marker = join(tempDir(), "web-got-term");
  const b = start(
    {
      boot: "type = internal\ndepends-on = web\n",
      web: `type = process\ncommand = /bin/sh -c "trap 'touch ${marker}; exit 0' TERM; while :; do sleep 0.1; done"\n`,
    },
    ["--health-listen", `127.0.0.1:${port}`, "--drain-delay", "60"],
  );
  const readyz = (query = "") => fetch(`http://127.0.0.1:${port}/readyz${query}`);
  // the listener is not up at first: a refused request is "not yet"
  await waitFor("/readyz ok", async () => (await readyz().catch(() => null))?.status === 200, 10_000);
  await b.signal("SIGTERM");
  await waitFor("/readyz failing", async () => (await readyz().catch(() => null))?.status === 503, 10_000);
  const verbose = await (await readyz("?verbose")).text();
  expect(verbose).toBe("[-]bosun failed: draining before shutdown\n[+]boot ok\n[+]web ok\nreadyz check failed\n");
  expect(existsSync(marker)).toBe(false);
  expect(b.stderr()).toContain("draining (TERM): not ready from now; services stop in 60 s");
  await b.signal("SIGTERM");
  expect(await b.exited).toBe(0);
  expect(existsSync(marker)).toBe(true);
  expect(b.stderr()).toContain("shutting down (SIGTERM during the drain)");
});

test("--stop-grace 3 as PID 1: services ignoring SIGTERM are cut short by bosun itself, which exits 137 with the main's code and its last lines written", async () => {
  const b = start({ app: `${STUBBORN}main = true\n`, helper: STUBBORN }, ["--stop-grace", "3", "app", "helper"], { pid1: true });
  await waitFor("both started", () => /app: started/.test(b.stderr()) && /helper: started/.test(b.stderr()), 10_000);
  await b.signal("SIGTERM");
  // exits by itself: nothing here kills it (the harness kills only after a failed test)
  expect(await b.exited).toBe(137);
  const err = b.stderr();
  expect(err).toContain("the stop grace of 3 s is ending: killing app, helper with SIGKILL");
  expect(err).toContain("app: killed with SIGKILL (cut short: the stop grace of 3 s ends)");
  expect(err).toContain("helper: killed with SIGKILL (cut short: the stop grace of 3 s ends)");
  // the main's own stop line, the last one bosun writes about it, is there
  expect(err).toMatch(/app: stopped: killed by KILL/);
});

test("-- CMD ignoring SIGTERM under --stop-grace 3: the ad-hoc main's stop-timeout fits under the grace and kills it first", async () => {
  const b = start({}, ["--stop-grace", "3", "--", "sh", "-c", "trap '' TERM; while :; do sleep 0.1; done"], { pid1: true });
  await waitFor("main started", () => /main: started/.test(b.stderr()), 10_000);
  await b.signal("SIGTERM");
  expect(await b.exited).toBe(137);
  expect(b.stderr()).toContain("main: stopped: stop-timeout 1s expired; killed");
  expect(b.stderr()).not.toContain("cut short");
});

test("the stop grace is 9 s as PID 1 and none otherwise; BOSUN_STOP_GRACE and --drain-delay show in bosun info", async () => {
  const info = async (b: Daemon) => {
    await waitFor("main started", () => /main: started/.test(b.stderr()), 10_000);
    const r = await runCli(["info", "--json", "-p", b.socket]);
    return JSON.parse(r.stdout) as { stopGrace: number | null; drainDelay: number };
  };
  const pid1 = start({}, ["--", "sleep", "1000"], { pid1: true });
  expect(await info(pid1)).toMatchObject({ stopGrace: 9, drainDelay: 0 });
  const plain = start({}, ["--", "sleep", "1000"]);
  expect(await info(plain)).toMatchObject({ stopGrace: null });
  const set = start({}, ["--drain-delay", "2", "--", "sleep", "1000"], { env: { BOSUN_STOP_GRACE: "5" } });
  expect(await info(set)).toMatchObject({ stopGrace: 5, drainDelay: 2 });
  const human = await runCli(["info", "-p", set.socket]);
  expect(human.stdout).toContain("shutdown:   drain 2 s, then all done within 5 s (stop grace)");
});
