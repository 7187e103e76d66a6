/**
 * @module test/process/support
 * What the launcher's test files share: a temp dir and a reaper for the whole file (this process
 * reaps what services leave behind, as bosun does), and a fresh launcher per test over a new
 * event recorder and log stub, whose processes are killed after the test whatever it left.
 */
import { afterAll, afterEach } from "bun:test";
import { createLauncher, type LauncherOptions, type ProcessLauncher } from "../../src/process/launcher.ts";
import { createReaper, type Reaper } from "../../src/process/reaper.ts";
import { removeTempDirs, tempDir } from "../support/files.ts";
import { stubLogs } from "../support/logs.ts";
import { recorder } from "../support/recorder.ts";

/** One launcher with what it reports to. */
export interface Launched {
  launcher: ProcessLauncher;
  rec: ReturnType<typeof recorder>;
  out: ReturnType<typeof stubLogs>;
}

/**
 * Sets up a process-layer test file (call it once, at the top of the file): a temp dir and a
 * reaper until afterAll, and after each test the latest launcher's processes killed and the
 * launcher closed. `fresh` makes that launcher, with `env` as the daemon's environment and the
 * temp dir as its runtime dir.
 *
 * @example
 * const setup = processSetup(new Map([["PATH", "/usr/bin:/bin"]]));
 * const { launcher, rec } = setup.fresh();
 */
export function processSetup(env: Map<string, string>) {
  const dir = tempDir();
  const reaper: Reaper = createReaper();
  let latest: ProcessLauncher | undefined;
  afterAll(() => {
    reaper.close();
    removeTempDirs();
  });
  afterEach(() => {
    // whatever a failed test left running goes now
    latest?.killAll();
    latest?.close();
  });
  return {
    /** The file's temp dir (the launchers' runtime dir). */
    dir,
    /** The file's reaper: orphans come to this process, as they come to bosun. */
    reaper,
    /** A new launcher over a new recorder and log stub; `extra` overrides its options. */
    fresh(extra: Partial<LauncherOptions> = {}): Launched {
      const rec = recorder();
      const out = stubLogs();
      latest = createLauncher({ events: rec.events, logs: out.logs, env, reaper, runtimeDir: () => dir, ...extra });
      return { launcher: latest, rec, out };
    },
  };
}
