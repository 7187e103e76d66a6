/**
 * @module test/e2e/killall
 * `options = kill-all-on-stop` through `bosun boot`: refused, with the reason, by a bosun that
 * is not PID 1 of its pid namespace; honoured by one that is (a pid namespace of its own), where
 * a process no service owns any more gets TERM when the option's service stops at shutdown.
 */
import { afterEach, expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { boot, bootDir, stopDaemons } from "../support/daemon.ts";
import { removeTempDirs, tempDir } from "../support/files.ts";
import { waitFor } from "../support/wait.ts";

afterEach(async () => {
  await stopDaemons();
  removeTempDirs();
});

const cleanup = "type = internal\noptions = kill-all-on-stop\n";

test("a bosun that is not PID 1 of its pid namespace refuses to load a kill-all-on-stop service, saying why", async () => {
  const b = boot(bootDir({ boot: "type = internal\ndepends-on = cleanup\n", cleanup }));
  expect(await b.exited).toBe(1);
  expect(b.stderr()).toContain(`${join(b.services, "cleanup")}:2: service 'cleanup': options: kill-all-on-stop sends TERM and then KILL to every process in bosun's pid namespace, so bosun honours it only as PID 1`);
});

test("as PID 1 of a pid namespace, stopping it at shutdown sends TERM to a process its service left behind", async () => {
  const stray = join(tempDir(), "stray-got-term");
  const files = {
    boot: "type = internal\ndepends-on = app\n",
    // the app leaves a stray behind in a session of its own: the app's stop does not reach it
    app: `type = process\ndepends-on = cleanup\ncommand = /bin/sh -c "setsid /bin/sh -c 'trap \\"touch ${stray}; exit 0\\" TERM; echo stray up; while :; do sleep 0.05; done' & wait"\n`,
    cleanup,
  };
  const b = boot(bootDir(files), { pid1: true });
  await waitFor("the stray", () => b.stdout().includes("stray up"), 10_000);
  await b.signal("SIGTERM");
  expect(await b.exited).toBe(0);
  expect(b.stderr()).toContain("kill-all-on-stop: sending TERM, then KILL, to every other process");
  expect(existsSync(stray)).toBe(true);
});
