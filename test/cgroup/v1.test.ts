/**
 * @module test/cgroup/v1
 * The cgroup v1 driver on this machine kind's real hierarchies (memory, cpu, cpuacct, pids,
 * freezer, blkio): limits enforced by the kernel (an OOM kill attributed to the service that
 * caused it, a fork burst held at pids-max), every process killed including setsid'd
 * grandchildren, usage read back, limits visible in the files, a stuck process reported
 * rather than waited for forever, run-in-cgroup joined but not owned. v1 never moves bosun
 * itself, so these run in the test process; each test closes its manager and leaves no
 * cgroup directory (asserted), and a failed test's leftovers are scrubbed.
 */
import { afterEach, describe, expect, test } from "bun:test";
import { mkdirSync, readFileSync, rmdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { detectCgroups } from "../../src/cgroup/detect.ts";
import { joinArgv } from "../../src/cgroup/join.ts";
import { openCgroups, type Cgroups } from "../../src/cgroup/manager.ts";
import { instanceName } from "../../src/cgroup/names.ts";
import type { ServiceCgroup } from "../../src/cgroup/types.ts";
import { describeUsage } from "../../src/cgroup/usage.ts";
import { alive } from "../support/proc.ts";
import { waitFor } from "../support/wait.ts";
import { cgroupOf, leftovers, ownDirs, scrub, service } from "./support.ts";

const isV1 = detectCgroups().mode === "v1";

let open: { cgroups: Cgroups; instance: string }[] = [];
afterEach(async () => {
  for (const { cgroups, instance } of open.splice(0)) {
    const left = await cgroups.close(2000);
    await scrub(instance);
    expect(left).toEqual([]);
    expect(leftovers(instance)).toEqual([]);
  }
});

/** A manager with its own instance; a cgroup for every service unless told otherwise. */
function manager(everyService = true): Cgroups {
  const instance = instanceName();
  const cgroups = openCgroups({ instance, everyService });
  open.push({ cgroups, instance });
  return cgroups;
}

function prepared(cgroups: Cgroups, ...args: Parameters<typeof service>): { cgroup: ServiceCgroup; warnings: string[] } {
  const p = cgroups.prepare(service(...args));
  if (!p.ok) throw new Error(p.failure.message);
  if (!p.cgroup) throw new Error("no cgroup prepared");
  return { cgroup: p.cgroup, warnings: p.warnings };
}

/** Spawns argv into a prepared cgroup the way the launcher will: Bun's option plus the join step. */
function spawnIn(cg: ServiceCgroup, argv: string[]) {
  return Bun.spawn([...joinArgv(cg.joinFiles), ...argv], { cgroup: cg.spawnCgroup, stdout: "pipe", stderr: "inherit" });
}

/** The session id of a process (0 when it is gone). */
function sessionOf(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "latin1");
    return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[3]);
  } catch {
    return 0;
  }
}

describe.skipIf(!isV1)("cgroup v1", () => {
  test("the mode line names v1, its controllers, and the unused cgroup2 mount beside it", () => {
    const cgroups = manager();
    expect(cgroups.mode).toBe("v1");
    expect(cgroups.description).toContain("cgroup v1 at /sys/fs/cgroup");
    expect(cgroups.description).toContain("memory");
    expect(cgroups.description).toContain("a cgroup for every service");
  });

  test("a service's processes are in its cgroup in every hierarchy from their first instruction", async () => {
    const cgroups = manager();
    const { cgroup } = prepared(cgroups, "web", { cpuMax: "50000 100000", pidsMax: 50 });
    expect(cgroup.dirs.length).toBeGreaterThan(1);
    expect(cgroup.joinFiles.length).toBe(cgroup.dirs.length - 1);
    const proc = spawnIn(cgroup, ["/bin/cat", "/proc/self/cgroup"]);
    const text = await new Response(proc.stdout).text();
    expect(await proc.exited).toBe(0);
    for (const controller of ["freezer", "pids", "memory", "cpu", "cpuacct"]) {
      expect(cgroupOf(text, controller)).toEndWith(`/${cgroups.instance}/web.service`);
    }
  });

  test("a join step that cannot write a cgroup.procs file fails before the program runs and names the file", async () => {
    const proc = Bun.spawn([...joinArgv(["/nonexistent/cgroup.procs"]), "/bin/sh", "-c", "echo ran"], { stdout: "pipe", stderr: "pipe" });
    const [out, err, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
    expect(code).toBe(1);
    expect(out).toBe("");
    expect(err).toContain("/nonexistent/cgroup.procs");
  });

  test("a service allocating past memory-max is OOM-killed and attributed, while another keeps running", async () => {
    const cgroups = manager();
    const hog = prepared(cgroups, "hog", { memoryMax: 64 * 1024 ** 2 }).cgroup;
    const calm = prepared(cgroups, "calm", { memoryMax: 64 * 1024 ** 2 }).cgroup;
    const calmProc = spawnIn(calm, ["/bin/sleep", "100"]);
    const hogProc = spawnIn(hog, [process.execPath, "-e", "const keep = []; for (;;) keep.push(Buffer.alloc(1 << 20, 1))"]);
    await hogProc.exited;
    expect(hogProc.signalCode).toBe("SIGKILL");
    expect(hog.oomKills()).toBeGreaterThanOrEqual(1);
    expect(calm.oomKills()).toBe(0);
    expect(calmProc.exitCode).toBeNull();
    expect(calm.pids()).toContain(calmProc.pid);
    expect(await calm.killAll(5000)).toEqual([]);
    expect(await calmProc.exited).toBe(137);
  });

  test("a fork burst under pids-max = 10 is held at 10 processes", async () => {
    const cgroups = manager();
    const { cgroup } = prepared(cgroups, "burst", { pidsMax: 10 });
    // 30 forks, each child sleeping; perl counts the forks the kernel refused
    const burst = 'for (1..30) { my $p = fork; if (!defined $p) { $refused++ } elsif ($p == 0) { sleep 100; exit } } $| = 1; print "refused $refused\\n"; sleep 100';
    const proc = spawnIn(cgroup, ["perl", "-e", burst]);
    const reader = proc.stdout.getReader();
    const line = new TextDecoder().decode((await reader.read()).value);
    reader.releaseLock();
    // perl and 9 children: the other 21 forks were refused
    expect(line).toBe("refused 21\n");
    expect(cgroup.pids().length).toBe(10);
    const pidsDir = cgroup.dirs.find((d) => d.includes("/pids/"))!;
    expect(readFileSync(join(pidsDir, "pids.max"), "utf8").trim()).toBe("10");
    // forks the kernel refused at the limit
    expect(Number(/^max (\d+)$/m.exec(readFileSync(join(pidsDir, "pids.events"), "utf8"))![1])).toBeGreaterThan(0);
    expect(await cgroup.killAll(5000)).toEqual([]);
    await proc.exited;
  });

  test("kill-all leaves none of a service's processes, setsid'd grandchildren included, and the cgroup is removed", async () => {
    const cgroups = manager();
    const { cgroup } = prepared(cgroups, "forker");
    const proc = spawnIn(cgroup, ["/bin/sh", "-c", "setsid /bin/sh -c '/bin/sleep 100 & exec /bin/sleep 100' & setsid /bin/sleep 100 & exec /bin/sleep 100"]);
    // four processes in three sessions: the grandchildren really left the service's session
    const pids = await waitFor("four processes in three sessions", () => {
      const now = cgroup.pids();
      return now.length === 4 && new Set(now.map(sessionOf)).size === 3 && now;
    });
    expect(await cgroup.killAll(5000)).toEqual([]);
    await proc.exited;
    expect(proc.signalCode).toBe("SIGKILL");
    for (const p of pids) expect(alive(p)).toBe(false);
    expect(cgroup.release()).toBe(true);
    for (const d of cgroup.dirs) expect(() => readFileSync(join(d, "cgroup.procs"))).toThrow();
  });

  test("usage reads memory, its limit, CPU time and processes from the cgroup", async () => {
    const cgroups = manager();
    const { cgroup } = prepared(cgroups, "busy", { memoryMax: 64 * 1024 ** 2 });
    const proc = spawnIn(cgroup, ["/bin/sh", "-c", "i=0; while [ $i -lt 300000 ]; do i=$((i+1)); done; echo spun; exec /bin/sleep 100"]);
    const reader = proc.stdout.getReader();
    expect(new TextDecoder().decode((await reader.read()).value)).toBe("spun\n");
    reader.releaseLock();
    const u = cgroup.usage();
    expect(u.memory).toBeGreaterThan(0);
    expect(u.memoryMax).toBe(64 * 1024 ** 2);
    expect(u.cpuSeconds).toBeGreaterThan(0);
    expect(u.pids).toBe(1);
    expect(describeUsage(u)).toMatch(/^memory [\d.]+[KM] \(max 64M\) · cpu \d+\.\ds · pids 1$/);
    await cgroup.killAll(5000);
    await proc.exited;
  });

  test("limits are in the v1 files: CFS quota and period, shares, pids.max, memory limits, BFQ weight", () => {
    const cgroups = manager();
    const { cgroup, warnings } = prepared(cgroups, "limited", {
      memoryMax: 256 * 1024 ** 2,
      memoryHigh: 128 * 1024 ** 2,
      cpuMax: "50000 100000",
      cpuWeight: 200,
      pidsMax: 20,
      ioWeight: 100,
    });
    const file = (controller: string, name: string) => readFileSync(join(cgroup.dirs.find((d) => d.includes(`/${controller}/`))!, name), "utf8").trim();
    expect(file("cpu", "cpu.cfs_quota_us")).toBe("50000");
    expect(file("cpu", "cpu.cfs_period_us")).toBe("100000");
    expect(file("cpu", "cpu.shares")).toBe("2048");
    expect(file("pids", "pids.max")).toBe("20");
    expect(file("memory", "memory.limit_in_bytes")).toBe(String(256 * 1024 ** 2));
    expect(file("memory", "memory.soft_limit_in_bytes")).toBe(String(128 * 1024 ** 2));
    // this kernel has no blkio.weight (CFQ is gone); BFQ's weight stands in for it
    expect(file("blkio", "blkio.bfq.weight")).toMatch(/^(default )?100$/);
    expect(warnings).toEqual([]);
  });

  test("a process that will not die is reported after the bounded wait, and the next run gets a fresh cgroup beside it", async () => {
    const cgroups = manager();
    const { cgroup } = prepared(cgroups, "stuck");
    const proc = spawnIn(cgroup, ["/bin/sleep", "100"]);
    // a frozen sub-cgroup: its task sits in uninterruptible sleep with SIGKILL pending
    const held = join(cgroup.spawnCgroup, "held");
    mkdirSync(held);
    try {
      writeFileSync(join(held, "cgroup.procs"), String(proc.pid));
      writeFileSync(join(held, "freezer.state"), "FROZEN");
      await waitFor("the held cgroup frozen", () => readFileSync(join(held, "freezer.state"), "utf8").trim() === "FROZEN");
      expect(await cgroup.killAll(300)).toEqual([proc.pid]);
      expect(cgroup.release()).toBe(false);
      const next = prepared(cgroups, "stuck").cgroup;
      expect(next.spawnCgroup).toEndWith("/stuck.service.2");
      writeFileSync(join(held, "freezer.state"), "THAWED");
      expect(await proc.exited).toBe(137);
    } finally {
      writeFileSync(join(held, "freezer.state"), "THAWED");
    }
    // close removes the old cgroup once its process is gone, and the new one
  });

  test("run-in-cgroup joins an existing cgroup, writes limits there, and never kills or removes it", async () => {
    const cgroups = manager();
    const external = `${cgroups.instance}-external`;
    const made = ownDirs().filter((d) => /\/(freezer|memory)\//.test(d)).map((d) => join(d, external));
    for (const d of made) mkdirSync(d);
    try {
      const missing = cgroups.prepare(service("elsewhere", {}, { runInCgroup: `${external}/nope` }));
      expect(missing.ok).toBe(false);
      if (!missing.ok) expect(missing.failure.message).toContain("does not create it");

      const { cgroup } = prepared(cgroups, "elsewhere", { memoryMax: 128 * 1024 ** 2 }, { runInCgroup: external });
      expect(cgroup.owned).toBe(false);
      expect(cgroup.dirs).toEqual(expect.arrayContaining(made));
      const proc = spawnIn(cgroup, ["/bin/sleep", "100"]);
      await waitFor("the service in the external cgroup", () => cgroup.pids().includes(proc.pid));
      expect(readFileSync(join(made.find((d) => d.includes("/memory/"))!, "memory.limit_in_bytes"), "utf8").trim()).toBe(String(128 * 1024 ** 2));
      expect(await cgroup.killAll(100)).toEqual([]);
      expect(proc.exitCode).toBeNull();
      expect(cgroup.release()).toBe(true);
      proc.kill("SIGKILL");
      await proc.exited;
      await waitFor("the external cgroup empty", () => cgroup.isEmpty());
      expect(await cgroups.close()).toEqual([]);
      for (const d of made) expect(readFileSync(join(d, "cgroup.procs"), "utf8")).toBe("");
    } finally {
      for (const d of made) rmdirSync(d);
    }
  });

  test("services without cgroup settings get none unless every service is managed (bosun as PID 1)", () => {
    const cgroups = manager(false);
    expect(cgroups.prepare(service("plain"))).toEqual({ ok: true, cgroup: null, warnings: [] });
    expect(leftovers(cgroups.instance)).toEqual([]);
    const instance = instanceName();
    const all = openCgroups({ instance, everyService: true });
    open.push({ cgroups: all, instance });
    const p = all.prepare(service("plain"));
    expect(p.ok && p.cgroup !== null).toBe(true);
    expect(cgroups.description).toContain("cgroups for services with cgroup settings");
  });
});
