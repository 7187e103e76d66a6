/**
 * @module test/cgroup/daemon-v1
 * A real `bosun boot` on this machine kind's cgroup v1 hierarchies, driven through its socket
 * and CLI: a service allocating past memory-max is OOM-killed and its exit attributed while
 * another keeps running (and the restart policy applies as for any crash), a fork burst is held
 * at pids-max, setsid'd grandchildren are gone after a stop, status and /metrics show memory,
 * CPU time and processes, the CPU quota is in the files, the command and its stop-command join
 * every hierarchy before exec, a scheduled run gets the service's cgroup, run-in-cgroup joins
 * one bosun does not own. Not PID 1, so only services with cgroup settings get a cgroup. After
 * the daemon exits none of its cgroups is left (asserted; a failed run's are scrubbed).
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { existsSync, mkdirSync, readFileSync, rmdirSync } from "node:fs";
import { join } from "node:path";
import * as v from "valibot";
import { detectCgroups } from "../../src/cgroup/detect.ts";
import { InfoJson, ServiceList, StatusJson } from "../../src/control/schemas.ts";
import { cli } from "../support/cli.ts";
import { boot, type Daemon } from "../support/daemon.ts";
import { removeTempDirs, tempDir, writeFiles } from "../support/files.ts";
import { alive } from "../support/proc.ts";
import { waitFor } from "../support/wait.ts";
import { cgroupOf, leftovers, ownDirs, scrub } from "./support.ts";

setDefaultTimeout(30000);

const isV1 = detectCgroups().mode === "v1";
let dir: string;
let d: Daemon;
let instance: string;
/** An existing cgroup (freezer and memory) for run-in-cgroup, which bosun joins but does not own. */
const external = `bosun-test-external-${process.pid}`;
const externalDirs = () => ownDirs().filter((p) => /\/(freezer|memory)(\/|$)/.test(p)).map((p) => join(p, external));

const get = async <S extends v.GenericSchema>(path: string, schema: S): Promise<v.InferOutput<S>> =>
  v.parse(schema, await (await fetch(`http://bosun${path}`, { unix: d.socket })).json());
const status = (name: string) => get(`/v1/services/${name}`, StatusJson);
/** A service's cgroup directory in the hierarchy of `controller`. */
const cgroupDir = (controller: string, service: string) => join(ownDirs().find((p) => p.includes(`/${controller}/`) || p.endsWith(`/${controller}`))!, instance, `${service}.service`);
const procsOf = (controller: string, service: string) => readFileSync(join(cgroupDir(controller, service), "cgroup.procs"), "utf8").split("\n").filter(Boolean).map(Number);
/** The bun binary allocating 1 MiB at a time until something stops it. */
const hog = `${process.execPath} -e "const keep = []; for (;;) keep.push(Buffer.alloc(1 << 20, 1))"`;

beforeAll(async () => {
  if (!isV1) return;
  dir = tempDir();
  const s = join(dir, "services");
  const marker = join(dir, "hogged");
  writeFiles(s, {
    boot: "type = internal\n",
    calm: "type = process\ncommand = /bin/sleep 1000\nmemory-max = 64M\nrestart = no\n",
    hog: `type = process\ncommand = ${hog}\nmemory-max = 64M\nrestart = no\n`,
    // OOM-killed on its first run only; its restart then stays up
    relapse: `type = process\ncommand = /bin/sh ${s}/relapse.sh\nmemory-max = 64M\nrestart = on-failure\nrestart-delay = 0.1\n`,
    "relapse.sh": `[ -e ${marker} ] && exec /bin/sleep 1000\ntouch ${marker}\nexec ${hog}\n`,
    burst: `type = process\ncommand = perl ${s}/burst.pl\npids-max = 10\nrestart = no\n`,
    // 30 forks, each child sleeping; perl counts the forks the kernel refused
    "burst.pl": '$| = 1; for (1..30) { my $p = fork; if (!defined $p) { $refused++ } elsif ($p == 0) { sleep 100; exit } } print "refused $refused\\n"; sleep 100',
    forker: `type = process\ncommand = /bin/sh ${s}/forker.sh\npids-max = 100\nstop-timeout = 1\nrestart = no\n`,
    // two grandchildren in sessions of their own that ignore TERM, one with a child of its own
    "forker.sh": `setsid /bin/sh -c 'trap "" TERM; /bin/sleep 100 & exec /bin/sleep 100' &\nsetsid /bin/sh -c 'trap "" TERM; exec /bin/sleep 100' &\nexec /bin/sleep 100\n`,
    // a scheduled run leaving a child behind
    ticker: `type = scripted\nschedule = @yearly\ncommand = /bin/sh -c "grep memory /proc/self/cgroup; /bin/sleep 100 & echo left $$!"\nmemory-max = 64M\nlog-type = buffer\n`,
    // the init of a pid namespace of its own: the stop-command enters that namespace
    boxed: `type = process\ncommand = /bin/sh -c "echo start $$$$; cat /proc/self/cgroup; trap 'exit 0' TERM; /bin/sleep 1000 & wait"\nstop-command = /bin/sh -c "echo stop; cat /proc/self/cgroup; kill -TERM 1"\nnamespaces = pid\nmemory-max = 64M\nlog-type = buffer\nrestart = no\n`,
    placed: `type = process\ncommand = /bin/sh -c "/bin/sleep 100 & exec /bin/sleep 100"\nrun-in-cgroup = ${external}\nmemory-max = 32M\nrestart = no\n`,
    busy: `type = process\ncommand = /bin/sh -c "echo $$$$ > ${dir}/busy.pid; cat /proc/self/cgroup; exec /bin/sleep 1000"\nstop-command = /bin/sh -c "cat /proc/self/cgroup; kill $$(cat ${dir}/busy.pid)"\ncpu-max = 50%\ncpu-weight = 200\nlog-type = buffer\nrestart = no\n`,
  });
  for (const e of externalDirs()) mkdirSync(e);
  d = await boot(dir, { healthListen: true }).answering();
  instance = (await get("/v1/info", InfoJson)).cgroups.instance;
});

afterAll(async () => {
  if (!isV1) return;
  try {
    expect(await d.stop()).toBe(0);
    const left = leftovers(instance);
    await scrub(instance);
    expect(left).toEqual([]);
    expect(d.output()).not.toContain("cgroup left behind");
  } finally {
    for (const e of externalDirs()) rmdirSync(e);
    removeTempDirs();
  }
});

describe.skipIf(!isV1)("bosun on cgroup v1", () => {
  test("boot logs the layout once, and info and /metrics show it", async () => {
    expect(d.output().match(/cgroups: cgroup v1 at \/sys\/fs\/cgroup \(.*memory.*\).*; cgroups for services with cgroup settings\n/g)).toHaveLength(1);
    const info = await get("/v1/info", InfoJson);
    expect(info.cgroups).toMatchObject({ mode: "v1", bestEffort: false });
    expect(info.cgroups.instance).toStartWith(`bosun-${info.pid}-`);
    expect((await cli(d.socket, "info")).stdout).toContain(`  cgroups:    ${info.cgroups.description}\n`);
    const metrics = await (await fetch(`http://127.0.0.1:${d.port}/metrics`)).text();
    expect(metrics).toContain('bosun_cgroups_info{mode="v1",best_effort="false"} 1\n');
  });

  test("a service allocating past memory-max is OOM-killed and its exit says so, while another keeps running", async () => {
    expect((await cli(d.socket, "start", "calm")).code).toBe(0);
    const calm = await status("calm");
    expect((await cli(d.socket, "start", "hog")).code).toBe(0);
    // a bun process starting and filling 64M: seconds on a busy machine
    await waitFor("hog to stop", async () => (await status("hog")).state === "stopped", 20000);
    const hogged = await status("hog");
    expect(hogged.exit).toEqual({ code: null, signal: "KILL" });
    expect(hogged.cause).toBe("oom-killed");
    expect(hogged.oomKills).toBeGreaterThanOrEqual(1);
    expect(d.output()).toMatch(/hog: \S+: killed by KILL \(oom-killed\)\n/);
    // its neighbour with the same limit never noticed
    const after = await status("calm");
    expect(after).toMatchObject({ state: "started", pid: calm.pid, cause: null, oomKills: 0 });
    const metrics = await (await fetch(`http://127.0.0.1:${d.port}/metrics`)).text();
    expect(metrics).toContain('bosun_service_last_exit_cause{service="hog",cause="oom-killed"} 1\n');
    expect(metrics).toMatch(/bosun_service_oom_kills_total\{service="hog"\} [1-9]\d*\n/);
    expect(metrics).toContain('bosun_service_oom_kills_total{service="calm"} 0\n');
  });

  test("an OOM kill is a crash to the restart policy: the service restarts, and its OOM kills add up across runs", async () => {
    expect((await cli(d.socket, "start", "relapse")).code).toBe(0);
    await waitFor("relapse restarted and up", async () => {
      const s = await status("relapse");
      return s.restarts === 1 && s.state === "started";
    }, 20000);
    expect((await status("relapse")).oomKills).toBeGreaterThanOrEqual(1);
    expect(d.output()).toMatch(/relapse: .*\(oom-killed\)/);
  });

  test("a fork burst under pids-max = 10 is held at 10 processes, and status shows them", async () => {
    expect((await cli(d.socket, "start", "burst")).code).toBe(0);
    await waitFor("the burst's report", () => d.output().includes("refused 21"));
    const s = await status("burst");
    expect(s.state).toBe("started");
    expect(s.usage?.pids).toBe(10);
    expect(readFileSync(join(cgroupDir("pids", "burst"), "pids.max"), "utf8").trim()).toBe("10");
    expect((await cli(d.socket, "stop", "burst")).code).toBe(0);
  });

  test("after a stop, no process of the service is left: setsid'd grandchildren ignoring TERM included, and its cgroup is gone", async () => {
    expect((await cli(d.socket, "start", "forker")).code).toBe(0);
    await waitFor("four processes in forker's cgroup", () => procsOf("freezer", "forker").length === 4);
    const pids = procsOf("freezer", "forker");
    const stopped = await cli(d.socket, "stop", "forker");
    expect(stopped.code).toBe(0);
    expect(pids.filter((p) => alive(p))).toEqual([]);
    for (const controller of ["freezer", "pids", "memory"]) expect(existsSync(cgroupDir(controller, "forker"))).toBe(false);
  });

  test("status shows memory, its limit, CPU time and processes from the cgroup; list --json carries them", async () => {
    const human = await cli(d.socket, "status", "calm");
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/\n {2}resources: {2}memory [\d.]+[KMG]? \(max 64M\) · cpu \d+\.\ds · pids 1\n/);
    const calm = (await get("/v1/services", ServiceList)).find((s) => s.name === "calm")!;
    expect(calm.usage).toMatchObject({ memoryMax: 64 * 1024 ** 2, pids: 1 });
    expect(calm.usage!.memory).toBeGreaterThan(0);
    expect(calm.usage!.cpuSeconds).toBeGreaterThanOrEqual(0);
    // a service without cgroup settings has none (bosun is not PID 1)
    expect((await get("/v1/services", ServiceList)).find((s) => s.name === "boot")!.usage).toBeNull();
    const metrics = await (await fetch(`http://127.0.0.1:${d.port}/metrics`)).text();
    expect(metrics).toContain(`bosun_service_memory_max_bytes{service="calm"} ${64 * 1024 ** 2}\n`);
    expect(metrics).toContain('bosun_service_pids{service="calm"} 1\n');
    expect(metrics).toMatch(/bosun_service_memory_bytes\{service="calm"\} [1-9]\d*\n/);
  });

  test("the CPU quota and weight are in the files, and the command and its stop-command join every hierarchy before exec", async () => {
    expect((await cli(d.socket, "start", "busy")).code).toBe(0);
    const cpu = cgroupDir("cpu", "busy");
    expect(readFileSync(join(cpu, "cpu.cfs_quota_us"), "utf8").trim()).toBe("50000");
    expect(readFileSync(join(cpu, "cpu.cfs_period_us"), "utf8").trim()).toBe("100000");
    expect(readFileSync(join(cpu, "cpu.shares"), "utf8").trim()).toBe("2048");
    expect((await cli(d.socket, "stop", "busy")).code).toBe(0);
    const lines = (await cli(d.socket, "logs", "busy")).stdout;
    // two /proc/self/cgroup reads: the command's, then the stop-command's
    const reads = lines.split(/(?=^\d+:name=systemd:)/m).filter((t) => t.includes("cpuacct"));
    expect(reads).toHaveLength(2);
    for (const read of reads) {
      for (const controller of ["freezer", "memory", "cpuacct", "cpu"]) expect(cgroupOf(read, controller)).toEndWith(`/${instance}/busy.service`);
    }
  });

  test("run-in-cgroup joins an existing cgroup and writes its limits there, but its stop neither kills the cgroup's others nor removes it", async () => {
    const freezer = externalDirs().find((e) => e.includes("/freezer"));
    const memory = externalDirs().find((e) => e.includes("/memory"));
    // a process of someone else's in that cgroup
    const stranger = Bun.spawn(["/bin/sleep", "100"], { cgroup: freezer! });
    try {
      expect((await cli(d.socket, "start", "placed")).code).toBe(0);
      const own = (await status("placed")).pid!;
      await waitFor("placed's two processes beside the stranger", () => readFileSync(join(freezer!, "cgroup.procs"), "utf8").trim().split("\n").length === 3);
      const placed = readFileSync(join(freezer!, "cgroup.procs"), "utf8").trim().split("\n").map(Number).filter((p) => p !== stranger.pid);
      expect(placed).toContain(own);
      expect(readFileSync(join(memory!, "cgroup.procs"), "utf8")).toContain(String(own));
      expect(readFileSync(join(memory!, "memory.limit_in_bytes"), "utf8").trim()).toBe(String(32 * 1024 ** 2));
      expect((await cli(d.socket, "stop", "placed")).code).toBe(0);
      // its own processes went (through its process tree), the stranger and the cgroup stay
      expect(placed.filter((p) => alive(p))).toEqual([]);
      expect(alive(stranger.pid)).toBe(true);
      expect(existsSync(freezer!)).toBe(true);
    } finally {
      stranger.kill("SIGKILL");
      await stranger.exited;
    }
  });

  test("a scheduled run gets its service's cgroup, and what it leaves behind is killed when it ends", async () => {
    expect((await cli(d.socket, "start", "ticker")).code).toBe(0);
    expect((await cli(d.socket, "run", "ticker")).code).toBe(0);
    const out = (await cli(d.socket, "logs", "ticker")).stdout;
    expect(cgroupOf(out, "memory")).toEndWith(`/${instance}/ticker.service`);
    const left = Number(/^left (\d+)$/m.exec(out)![1]);
    expect(alive(left)).toBe(false);
    expect(existsSync(cgroupDir("memory", "ticker"))).toBe(false);
  });

  test("a service in a pid namespace of its own, and its stop-command entering it, join every hierarchy of its cgroup", async () => {
    expect((await cli(d.socket, "start", "boxed")).code).toBe(0);
    await waitFor("boxed's first lines", async () => (await cli(d.socket, "logs", "boxed")).stdout.includes("start 1"));
    await waitFor("boxed's two processes", () => procsOf("freezer", "boxed").length === 2);
    expect(procsOf("memory", "boxed")).toEqual(procsOf("freezer", "boxed"));
    expect((await status("boxed")).usage?.pids).toBe(2);
    expect((await cli(d.socket, "stop", "boxed")).code).toBe(0);
    const out = (await cli(d.socket, "logs", "boxed")).stdout;
    const [command, stop] = out.split(/^stop$/m);
    for (const read of [command!, stop!]) {
      for (const controller of ["freezer", "memory"]) expect(cgroupOf(read, controller)).toEndWith(`/${instance}/boxed.service`);
    }
    expect(d.output()).not.toMatch(/boxed: .*stop-timeout/);
  });
});
