/**
 * @module test/cgroup/launcher-v1
 * The launcher with real cgroups on this machine kind's v1 hierarchies (v1 never moves the test
 * runner itself), where a stop meets processes that cannot die: a frozen leader is reported
 * ended by KILL after the bounded wait past SIGKILL, naming the pid left behind, and the next
 * run gets a fresh cgroup beside the stuck one; a command spawned into a frozen cgroup fails
 * at stage cgroup. Each test closes its manager and leaves no cgroup directory (asserted).
 */
import { afterEach, describe, expect, test } from "bun:test";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { detectCgroups } from "../../src/cgroup/detect.ts";
import { openCgroups, type Cgroups } from "../../src/cgroup/manager.ts";
import { instanceName } from "../../src/cgroup/names.ts";
import { describe as service } from "../../src/config/schema.ts";
import { createLauncher, type ProcessLauncher } from "../../src/process/launcher.ts";
import { createReaper } from "../../src/process/reaper.ts";
import { removeTempDirs, tempDir } from "../support/files.ts";
import { stubLogs } from "../support/logs.ts";
import { alive } from "../support/proc.ts";
import { recorder } from "../support/recorder.ts";
import { waitFor } from "../support/wait.ts";
import { leftovers, ownDirs, scrub } from "./support.ts";

const isV1 = detectCgroups().mode === "v1";
const env = new Map([["PATH", process.env.PATH ?? "/usr/bin:/bin"]]);

let setup: { cgroups: Cgroups; instance: string; launcher: ProcessLauncher; close(): void } | null = null;
afterEach(async () => {
  if (!setup) return;
  const { cgroups, instance, launcher, close } = setup;
  setup = null;
  launcher.killAll();
  const left = await cgroups.close(2000);
  close();
  await scrub(instance);
  expect(left).toEqual([]);
  expect(leftovers(instance)).toEqual([]);
});

/** A launcher over a fresh cgroup manager that gives every service a cgroup, with a short wait past SIGKILL. */
function launcherWithCgroups() {
  const instance = instanceName();
  const cgroups = openCgroups({ instance, everyService: true });
  const rec = recorder();
  const out = stubLogs();
  const reaper = createReaper();
  const dir = tempDir();
  const launcher = createLauncher({ events: rec.events, logs: out.logs, env, reaper, runtimeDir: () => dir, cgroups, killWaitMs: 300 });
  setup = { cgroups, instance, launcher, close: () => (reaper.close(), removeTempDirs()) };
  const freezerDir = (name: string) => join(ownDirs().find((d) => d.includes("/freezer"))!, instance, name);
  return { launcher, rec, out, freezerDir };
}

describe.skipIf(!isV1)("the launcher on cgroup v1", () => {
  test("a leader that cannot die is reported ended by KILL after the bounded wait past SIGKILL, naming its pid; the next run gets a fresh cgroup", async () => {
    const { launcher, rec, out, freezerDir } = launcherWithCgroups();
    const d = service({ name: "stuck", type: "process", command: ["/bin/sleep", "100"] });
    launcher.start(d);
    const { pid } = await rec.next("launched", d.name);
    // a frozen sub-cgroup: its task does not die of SIGKILL until thawed
    const held = join(freezerDir("stuck.service"), "held");
    mkdirSync(held);
    try {
      writeFileSync(join(held, "cgroup.procs"), String(pid));
      writeFileSync(join(held, "freezer.state"), "FROZEN");
      await waitFor("the held cgroup frozen", () => readFileSync(join(held, "freezer.state"), "utf8").trim() === "FROZEN");
      launcher.stop(d);
      // the engine's stop-timeout
      launcher.kill(d);
      expect((await rec.next("exited", d.name)).status).toEqual({ code: null, signal: "KILL" });
      expect(alive(pid)).toBe(true);
      expect(out.system).toContainEqual({ level: "warn", service: "stuck", message: `processes left 0.3s after SIGKILL, in uninterruptible sleep or frozen: pids ${pid}` });
      launcher.start(d);
      const again = await waitFor("the second run", () => rec.log.filter((e) => e.kind === "launched" && e.name === d.name)[1] as { pid: number } | undefined);
      await waitFor("the second run in its own cgroup", () => readFileSync(join(freezerDir("stuck.service.2"), "cgroup.procs"), "utf8").includes(String(again.pid)));
    } finally {
      writeFileSync(join(held, "freezer.state"), "THAWED");
    }
    await waitFor("the thawed leader gone", () => !alive(pid));
    // its late exit is no news: the run it belonged to has ended
    expect(rec.kinds(d.name).filter((k) => k === "exited")).toHaveLength(1);
  });

  test("a command that cannot join its service's cgroup (frozen) fails to launch at stage cgroup", async () => {
    const { launcher, rec, out, freezerDir } = launcherWithCgroups();
    const d = service({ name: "iced", type: "process", command: ["/bin/sleep", "100"], stopCommand: ["/bin/true"] });
    launcher.start(d);
    await rec.next("launched", d.name);
    const state = join(freezerDir("iced.service"), "freezer.state");
    writeFileSync(state, "FROZEN");
    try {
      launcher.stop(d);
      const line = await waitFor("the stop-command's failure", () => out.system.find((l) => l.message.startsWith("stop-command failed to launch")));
      expect(line.message).toBe(`stop-command failed to launch: cgroup: EBUSY (cannot join ${freezerDir("iced.service")})`);
    } finally {
      writeFileSync(state, "THAWED");
    }
    launcher.kill(d);
    expect((await rec.next("exited", d.name)).status).toEqual({ code: null, signal: "KILL" });
  });
});
