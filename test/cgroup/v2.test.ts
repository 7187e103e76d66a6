/**
 * @module test/cgroup/v2
 * The cgroup v2 driver on this machine's real unified hierarchy (it has no controllers here,
 * but processes, cgroup.procs, cgroup.kill and cgroup.events are real): bosun's own leaf,
 * join before exec, kill-all with setsid'd grandchildren, a fresh cgroup after a kill, and
 * the warnings for limits whose controller is missing. The manager moves its own process on
 * v2, so each scenario runs in a child process (v2-child.ts); this file checks what it saw,
 * and that nothing of its instance is left.
 */
import { afterEach, describe, expect, test } from "bun:test";
import { detectCgroups } from "../../src/cgroup/detect.ts";
import { instanceName } from "../../src/cgroup/names.ts";
import { leftovers, runChild, scrub } from "./support.ts";

const v2 = detectCgroups({ prefer: "v2" }).v2;
const used: string[] = [];

afterEach(async () => {
  for (const instance of used.splice(0)) {
    const left = [...leftovers(instance), ...leftovers(`${instance}-external`)];
    await scrub(instance);
    await scrub(`${instance}-external`);
    expect(left).toEqual([]);
  }
});

/** Runs a scenario under a fresh instance name; fails on an error the child caught. */
async function scenario(name: string): Promise<Record<string, any>> {
  const instance = instanceName();
  used.push(instance);
  const out = await runChild<Record<string, any>>("v2-child.ts", [name, instance]);
  expect(out.error).toBeUndefined();
  expect(out.closeLeft).toEqual([]);
  expect(out.after).toBe(out.before);
  return { ...out, instance };
}

describe.skipIf(v2 === null)("cgroup v2", () => {
  test("bosun moves itself into the instance's supervisor leaf, leaving the instance free of processes, and back on close", async () => {
    const out = await scenario("leaf");
    expect(out.mode).toBe("v2");
    const instancePath = `${out.before === "/" ? "" : out.before}/${out.instance}`;
    expect(out.during).toBe(`${instancePath}/supervisor`);
    expect(out.instanceProcs).toBe("");
    expect(out.leafProcs.length).toBe(1);
    expect(out.children).toEqual(["supervisor", "web.service"]);
    expect(out.spawnCgroup).toEndWith(`${instancePath}/web.service`);
  });

  test("two bosuns under one parent cgroup keep apart", async () => {
    const [a, b] = await Promise.all([scenario("leaf"), scenario("leaf")]);
    expect(a.instance).not.toBe(b.instance);
    expect(a.during).not.toBe(b.during);
    expect(a.spawnCgroup).not.toBe(b.spawnCgroup);
  });

  test("a service's processes join its cgroup before exec, and kill-all empties it", async () => {
    const out = await scenario("join");
    expect(out.joined).toEndWith(`/${out.instance}/web.service`);
    expect(out.pids).toBe(2);
    expect(out.usage).toMatchObject({ pids: 2, memory: null, memoryMax: null });
    expect(out.usage.cpuSeconds).toBeGreaterThanOrEqual(0);
    // no memory controller here: OOM kills cannot be counted, and say so rather than 0
    expect(out.oomKills).toBeNull();
    expect(out.left).toEqual([]);
    expect(out.exit).toEqual({ code: null, signal: "SIGKILL" });
  });

  test("kill-all leaves none of a service's processes, setsid'd grandchildren included", async () => {
    const out = await scenario("kill");
    expect(out.killLeft).toEqual([]);
    expect(out.alive).toEqual([]);
    expect(out.exit.signal).toBe("SIGKILL");
    expect(out.released).toBe(true);
  });

  test("after a kill the next run gets a fresh cgroup, where the old one would kill it at once", async () => {
    const out = await scenario("fresh");
    expect(out.sameCgroupExit).toEqual({ code: null, signal: "SIGKILL" });
    expect(out.released).toBe(true);
    expect(out.second).toBe(out.first);
    expect(out.secondExit).toEqual({ code: 7, signal: null });
  });

  test("run-in-cgroup with a leading / joins that cgroup under the hierarchy's root, which bosun neither kills nor removes", async () => {
    const out = await scenario("placed");
    expect(out.owned).toBe(false);
    expect(out.joined).toBe(true);
    expect(out.killLeft).toEqual([]);
    expect(out.aliveAfterKillAll).toBe(true);
    expect(out.released).toBe(true);
    expect(out.externalKept).toBe(true);
  });

  test("limits whose controller is missing warn once each, naming the setting and the file, and the service still gets its cgroup", async () => {
    const out = await scenario("limits");
    expect(out.cgroup).toEndWith("/web.service");
    expect(out.warnings).toEqual([
      expect.stringMatching(/^memory-max: cannot write memory\.max: the memory controller is not available .*; the service runs without this limit$/),
      expect.stringMatching(/^pids-max: cannot write pids\.max: the pids controller is not available /),
    ]);
  });
});
