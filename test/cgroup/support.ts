/**
 * @module test/cgroup/support
 * What the cgroup tests share: where an instance's directories would be in every hierarchy
 * this process can see (to assert none is left), a scrub that removes them whatever state a
 * failed test left them in, a child-process runner for scenarios that move a process (never the
 * test runner itself), and small service descriptions.
 */
import { existsSync, readdirSync, readFileSync, rmdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, type CgroupLimits, type ServiceDescription } from "../../src/config/schema.ts";
import { parseMountinfo, parseProcCgroup, reachable } from "../../src/cgroup/mounts.ts";
import { waitFor } from "../support/wait.ts";

/** No limits: spread and override one. */
export const NO_LIMITS: CgroupLimits = { memoryMax: null, memoryHigh: null, cpuMax: null, cpuWeight: null, pidsMax: null, ioWeight: null };

/** A process service with these limits (the command is the test's to spawn). */
export function service(name: string, limits: Partial<CgroupLimits> = {}, more: Partial<ServiceDescription> = {}): ServiceDescription {
  return describe({ name, type: "process", command: ["/bin/true"], cgroup: { ...NO_LIMITS, ...limits }, ...more });
}

/** This process's own cgroup directory in every hierarchy it can see (v2 and all v1). */
export function ownDirs(): string[] {
  const { v2, v1 } = reachable(parseMountinfo(readFileSync("/proc/self/mountinfo", "utf8")), parseProcCgroup(readFileSync("/proc/self/cgroup", "utf8")));
  return [...(v2 ? [v2.dir] : []), ...v1.map((h) => h.dir)];
}

/** Every directory of `instance` that exists, in any hierarchy. */
export function leftovers(instance: string): string[] {
  return ownDirs().map((d) => join(d, instance)).filter((d) => existsSync(d));
}

/** Removes the empty cgroup `dir`: true once it is gone, false while it is busy. */
function removed(dir: string): boolean {
  try {
    rmdirSync(dir);
    return true;
  } catch (e) {
    return (e as { code?: string }).code === "ENOENT";
  }
}

function tree(dir: string): string[] {
  const subs = readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory()).flatMap((e) => tree(join(dir, e.name)));
  return [...subs, dir];
}

/**
 * Removes whatever `instance` left behind after a failed test: thaws, kills what is inside,
 * and removes its cgroups deepest first. Processes in a cgroup a test left frozen die once
 * thawed; the wait for them is bounded.
 */
export async function scrub(instance: string): Promise<void> {
  for (const top of leftovers(instance)) {
    const dirs = tree(top);
    for (const d of dirs) {
      try {
        writeFileSync(join(d, "freezer.state"), "THAWED");
      } catch {
        // not a freezer hierarchy
      }
      const procs = readFileSync(join(d, "cgroup.procs"), "utf8").split("\n").filter(Boolean);
      for (const pid of procs) {
        try {
          process.kill(Number(pid), "SIGKILL");
        } catch {
          // gone already
        }
      }
    }
    for (const d of dirs) {
      // a cgroup is busy until the processes killed above are gone; one still there after the
      // bound stays, and the test's own leftovers check reports it
      await waitFor(`${d} removed`, () => removed(d)).catch(() => {});
    }
  }
}

/** The cgroup v2 line of a process's /proc/PID/cgroup (`/path`), or the v1 line of a controller. */
export function cgroupOf(text: string, controller = ""): string | null {
  for (const line of text.split("\n")) {
    const [, controllers, path] = /^\d+:([^:]*):(.*)$/.exec(line) ?? [];
    if (controllers !== undefined && (controller === "" ? controllers === "" : controllers.split(",").includes(controller))) return path!;
  }
  return null;
}

/**
 * Runs `script` (a file under test/cgroup/) in a bun process of its own with `args`, under an
 * optional argv prefix (`unshare ...`), and returns what it printed as JSON on its last line.
 * Its stderr is passed through, so a failing child explains itself.
 */
export async function runChild<T>(script: string, args: string[], prefix: string[] = []): Promise<T> {
  const proc = Bun.spawn([...prefix, process.execPath, join(import.meta.dir, script), ...args], { stdout: "pipe", stderr: "inherit" });
  const [out, code] = await Promise.all([new Response(proc.stdout).text(), proc.exited]);
  if (code !== 0) throw new Error(`${script} ${args.join(" ")} exited ${code}: ${out}`);
  return JSON.parse(out.trim().split("\n").at(-1)!) as T;
}
