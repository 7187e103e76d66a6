/**
 * @module test/process/session
 * bosun as a session supervisor (not PID 1): it makes itself child subreaper, so a daemon that
 * double-forks away from its launcher still comes back to bosun to be supervised and reaped.
 */
import { afterEach, expect, test } from "bun:test";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { boot, bootDir, stopDaemons } from "../support/daemon.ts";
import { removeTempDirs } from "../support/files.ts";
import { waitFor } from "../support/wait.ts";

let pidFile = "";
afterEach(async () => {
  await stopDaemons();
  // a daemon left behind by a failed run has its own session: end it by its pid
  const pid = existsSync(pidFile) ? Number(readFileSync(pidFile, "utf8")) : 0;
  try {
    if (pid > 1) process.kill(pid, "SIGKILL");
  } catch {
    // gone, as it should be after a passing run
  }
  removeTempDirs();
});

test("a double-forking bgprocess daemon is supervised through its pid file and reaped by bosun", async () => {
  const root = bootDir({});
  pidFile = join(root, "daemon.pid");
  // single quotes keep `$$` for the daemon's own shell (dinit's `$$$$` is a literal `$$`)
  const daemon = `'trap \\"exit 4\\" TERM; echo $$$$ > ${pidFile}; while :; do sleep 0.05; done'`;
  writeFileSync(
    join(root, "services", "daemon"),
    `type = bgprocess\ncommand = /bin/sh -c "(setsid sh -c ${daemon} &); while [ ! -s ${pidFile} ]; do sleep 0.01; done"\npid-file = ${pidFile}\nrestart = false\n`,
  );
  const b = boot(root, { args: ["daemon"] });
  await waitFor("daemon started", () => b.stderr().includes("daemon: started"), 10_000);
  await b.signal("SIGTERM");
  expect(await b.exited).toBe(0);
  // the daemon's own exit status reached bosun: only its parent (bosun, as subreaper) can read it
  expect(b.stderr()).toContain("daemon: stopped: exited with 4");
});
