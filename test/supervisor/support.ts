/**
 * @module test/supervisor/support
 * The supervisor in this process for its tests: service files in a fresh temp dir, a
 * supervisor over them with a log stub and its events recorded, and, after each test, the one
 * a test booted forced to exit and closed, whatever the test left running.
 */
import { afterAll, afterEach, expect } from "bun:test";
import type { ServiceEvent } from "../../src/engine/types.ts";
import { createSupervisor, type Supervisor } from "../../src/supervisor/supervisor.ts";
import { removeTempDirs, tempDir, type Files } from "../support/files.ts";
import { stubLogs } from "../support/logs.ts";

/** How a test supervisor is made: the boot services, a main command, environment over this process's. */
export interface SupervisorOptions {
  services?: string[];
  mainCommand?: string[];
  env?: Record<string, string>;
}

/** A test supervisor and what it reports. */
export interface Made {
  sup: Supervisor;
  /** Its service directory. */
  dir: string;
  out: ReturnType<typeof stubLogs>;
  /** Every event it published, in order. */
  events: ServiceEvent[];
  /** bosun's own lines about `name`, as messages. */
  lines(name: string): string[];
}

/**
 * Sets up a supervisor test file (call it once, at the top): registers the hooks that end the
 * supervisor `boot` made after each test and remove the temp dirs after the file.
 *
 * @example
 * const { boot } = supervisorSetup();
 * const { sup } = boot({ web: "type = process\ncommand = sleep 30\n" }, { services: ["web"] });
 */
export function supervisorSetup() {
  let running: Supervisor | null = null;
  afterEach(async () => {
    if (!running) return;
    running.forceExit("test over");
    await running.done;
    await running.close();
    running = null;
  });
  afterAll(removeTempDirs);

  /** A fresh service directory with these files, and a supervisor over it (not yet loaded; the test ends it). */
  function supervisor(files: Files, opts: SupervisorOptions = {}): Made {
    const dir = tempDir(files);
    const out = stubLogs();
    const sup = createSupervisor({
      dirs: [dir],
      services: opts.services ?? [],
      mainCommand: opts.mainCommand ?? null,
      env: { ...process.env, ...opts.env },
      logs: out.logs,
    });
    const events: ServiceEvent[] = [];
    sup.subscribe((e) => events.push(e));
    const lines = (name: string) => out.system.filter((l) => l.service === name).map((l) => l.message);
    return { sup, dir, out, events, lines };
  }

  /** A supervisor over these files, loaded (asserted) and started; ended after the test. */
  function boot(files: Files, opts: SupervisorOptions = {}): Made {
    const made = supervisor(files, opts);
    running = made.sup;
    expect(made.sup.load()).toBe(true);
    made.sup.startBoot();
    return made;
  }

  return { supervisor, boot };
}
