/**
 * @module test/cgroup/v2-child
 * A bosun-like process for the cgroup v2 tests: on v2, the manager moves its own process into
 * the instance's supervisor leaf, so the scenarios run here rather than in the test runner.
 * `bun v2-child.ts SCENARIO INSTANCE` runs one scenario against the unified hierarchy, closes
 * the manager whatever happened, and prints the facts it saw as one JSON line.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync } from "node:fs";
import { join } from "node:path";
import { detectCgroups } from "../../src/cgroup/detect.ts";
import { openCgroups } from "../../src/cgroup/manager.ts";
import type { ServiceCgroup } from "../../src/cgroup/types.ts";
import { alive } from "../support/proc.ts";
import { waitFor } from "../support/wait.ts";
import { cgroupOf, service } from "./support.ts";

const [scenario, instance] = process.argv.slice(2);
const cgroups = openCgroups({ prefer: "v2", instance, everyService: true });
const out: Record<string, unknown> = { mode: cgroups.mode, description: cgroups.description };
const selfCgroup = () => cgroupOf(readFileSync("/proc/self/cgroup", "utf8"));
const ownDir = detectCgroups({ prefer: "v2" }).v2!.dir;
const instanceDir = () => join(ownDir, instance!);

function prepare(...args: Parameters<typeof service>): ServiceCgroup {
  const p = cgroups.prepare(service(...args));
  if (!p.ok) throw new Error(p.failure.message);
  out.warnings = p.warnings;
  return p.cgroup!;
}

async function exitOf(proc: Bun.Subprocess) {
  await proc.exited;
  return { code: proc.exitCode, signal: proc.signalCode };
}

out.before = selfCgroup();
try {
  switch (scenario) {
    case "leaf": {
      const web = prepare("web");
      out.during = selfCgroup();
      out.instanceProcs = readFileSync(join(instanceDir(), "cgroup.procs"), "utf8");
      out.leafProcs = readFileSync(join(instanceDir(), "supervisor", "cgroup.procs"), "utf8").trim().split("\n").map(Number);
      out.children = readdirSync(instanceDir(), { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name).sort();
      out.spawnCgroup = web.spawnCgroup;
      break;
    }
    case "join": {
      const web = prepare("web");
      const proc = Bun.spawn(["/bin/sh", "-c", "cat /proc/self/cgroup; /bin/sleep 100 & exec /bin/sleep 100"], { cgroup: web.spawnCgroup, stdout: "pipe" });
      const reader = proc.stdout.getReader();
      out.joined = cgroupOf(new TextDecoder().decode((await reader.read()).value));
      reader.releaseLock();
      // two processes alone could still be the shell and its cat: wait for the two sleeps
      const comm = (pid: number) => {
        try {
          return readFileSync(`/proc/${pid}/comm`, "utf8").trim();
        } catch {
          return null;
        }
      };
      const sleeping = () => web.pids().filter((p) => comm(p) === "sleep").length;
      await waitFor("both sleeps in the cgroup", () => web.pids().length === 2 && sleeping() === 2);
      out.pids = web.pids().length;
      out.usage = web.usage();
      out.oomKills = web.oomKills();
      out.left = await web.killAll(5000);
      out.exit = await exitOf(proc);
      break;
    }
    case "kill": {
      const web = prepare("web");
      const proc = Bun.spawn(["/bin/sh", "-c", "setsid /bin/sh -c '/bin/sleep 100 & exec /bin/sleep 100' & setsid /bin/sleep 100 & exec /bin/sleep 100"], { cgroup: web.spawnCgroup });
      const pids = await waitFor("four processes", () => web.pids().length === 4 && web.pids());
      out.killLeft = await web.killAll(5000);
      out.alive = pids.filter((p) => alive(p));
      out.exit = await exitOf(proc);
      out.released = web.release();
      break;
    }
    case "fresh": {
      const first = prepare("web");
      const proc = Bun.spawn(["/bin/sleep", "100"], { cgroup: first.spawnCgroup });
      await waitFor("the first run in its cgroup", () => first.pids().includes(proc.pid));
      await first.killAll(5000);
      await proc.exited;
      // the kernel's fact the layer works around: after cgroup.kill the same cgroup kills newcomers
      out.sameCgroupExit = await exitOf(Bun.spawn(["/bin/sleep", "5"], { cgroup: first.spawnCgroup }));
      out.released = first.release();
      const second = prepare("web");
      out.second = second.spawnCgroup;
      out.first = first.spawnCgroup;
      out.secondExit = await exitOf(Bun.spawn(["/bin/sh", "-c", "/bin/sleep 0.1; exit 7"], { cgroup: second.spawnCgroup }));
      break;
    }
    case "placed": {
      // an existing cgroup, named from the hierarchy's root; bosun joins it but never owns it
      const external = join(ownDir, `${instance}-external`);
      mkdirSync(external);
      try {
        const web = prepare("web", {}, { runInCgroup: external.slice(detectCgroups({ prefer: "v2" }).v2!.mountPoint.length) });
        const proc = Bun.spawn(["/bin/sleep", "100"], { cgroup: web.spawnCgroup });
        out.owned = web.owned;
        out.joined = await waitFor("the service in the external cgroup", () => web.pids().includes(proc.pid));
        out.killLeft = await web.killAll(100);
        out.aliveAfterKillAll = alive(proc.pid);
        out.released = web.release();
        out.externalKept = existsSync(external);
        proc.kill("SIGKILL");
        await proc.exited;
        await waitFor("the external cgroup empty", () => web.isEmpty());
      } finally {
        rmdirSync(external);
      }
      break;
    }
    case "limits": {
      // this host's v2 hierarchy has no controllers: the service still gets its cgroup, with warnings
      const web = prepare("web", { memoryMax: 64 * 1024 ** 2, pidsMax: 10 });
      out.cgroup = web.spawnCgroup;
      out.usage = web.usage();
      break;
    }
  }
} catch (e) {
  out.error = String(e);
} finally {
  out.closeLeft = await cgroups.close(2000);
  out.after = selfCgroup();
}
console.log(JSON.stringify(out));
