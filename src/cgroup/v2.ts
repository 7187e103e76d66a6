/**
 * @module cgroup/v2
 * The cgroup v2 driver. Layout under bosun's own cgroup:
 *
 * ```
 * <own>/bosun-<pid>-<random>/            the instance: hands controllers to its children
 *     supervisor/                        bosun itself
 *     web.service/  db.service/          one per service run
 * ```
 *
 * v2 lets only a cgroup without processes hand controllers to its children (the root
 * excepted), so bosun moves itself into `supervisor` and then enables in its own cgroup and
 * in the instance those of cpu, io, memory and pids that its own cgroup offers. On tear-down
 * it undoes that in reverse: controllers it enabled are disabled again, bosun moves back, the
 * instance goes. What could not be enabled (other processes still share bosun's cgroup, or
 * the parent does not delegate the controller) is no error: the settings that need it are
 * skipped with a warning naming the file.
 *
 * Kill-all is `cgroup.kill` (atomic: nothing forks past it), emptiness is `populated 0` in
 * cgroup.events, which the kernel signals to a file watcher.
 */
import { accessSync, constants, statSync } from "node:fs";
import { join, resolve } from "node:path";
import type { CgroupLimits } from "../config/schema.ts";
import { errnoOf, makeDir, pidsIn, readKey, readNumber, readText, removeDir, writeValue } from "./files.ts";
import { killEach } from "./kill.ts";
import { v2Writes, type ControllerDir } from "./limits.ts";
import type { Hierarchy } from "./mounts.ts";
import { SUPERVISOR_LEAF } from "./names.ts";
import type { CgroupProblem, Driver, DriverGroup } from "./types.ts";
import { limitOrNull, type Usage } from "./usage.ts";
import { waitUntil } from "./wait.ts";

/** The controllers bosun enables for its services, when its cgroup offers them. */
export const V2_CONTROLLERS = ["cpu", "io", "memory", "pids"];
/** Backstop re-check of cgroup.events while waiting, should a notification be missed. */
const BACKSTOP_MS = 100;

const words = (text: string | null) => (text ?? "").trim().split(/\s+/).filter(Boolean);

/** The controllers a v2 cgroup directory offers its children (`cgroup.controllers`). */
export function controllersOf(dir: string): string[] {
  return words(readText(join(dir, "cgroup.controllers")));
}

/**
 * The v2 driver for bosun's cgroup `own` (a writable hierarchy).
 *
 * @example
 * const driver = v2Driver(layout.v2, instanceName());
 */
export function v2Driver(own: Hierarchy, instance: string): Driver {
  const instanceDir = join(own.dir, instance);
  const leaf = join(instanceDir, SUPERVISOR_LEAF);
  const enabled = new Set<string>();
  const unavailable = new Map<string, string>();
  const added: string[] = [];
  let made = false;
  let moved = false;

  const dirOf = (dir: string) => (controller: string): ControllerDir =>
    enabled.has(controller) ? { dir } : { missing: unavailable.get(controller) ?? `bosun does not manage the ${controller} controller` };

  function enableControllers(): void {
    const offered = controllersOf(own.dir);
    const active = words(readText(join(own.dir, "cgroup.subtree_control")));
    for (const c of V2_CONTROLLERS) {
      if (!offered.includes(c)) {
        unavailable.set(c, `the ${c} controller is not available to bosun's cgroup (not in ${join(own.dir, "cgroup.controllers")})`);
        continue;
      }
      if (!active.includes(c)) {
        const errno = writeValue(join(own.dir, "cgroup.subtree_control"), `+${c}`);
        if (errno !== null) {
          const why = errno === "EBUSY" ? ": other processes are still in bosun's cgroup" : "";
          unavailable.set(c, `cannot enable the ${c} controller in ${join(own.dir, "cgroup.subtree_control")} (${errno}${why})`);
          continue;
        }
        added.push(c);
      }
      const errno = writeValue(join(instanceDir, "cgroup.subtree_control"), `+${c}`);
      if (errno !== null) unavailable.set(c, `cannot enable the ${c} controller in ${join(instanceDir, "cgroup.subtree_control")} (${errno})`);
      else enabled.add(c);
    }
  }

  return {
    version: 2,
    setUp(): CgroupProblem | null {
      for (const dir of [instanceDir, leaf]) {
        const errno = makeDir(dir);
        if (errno !== null) {
          removeDir(instanceDir);
          return { errno, message: `cannot make the cgroup ${dir} (${errno})` };
        }
      }
      made = true;
      const errno = writeValue(join(leaf, "cgroup.procs"), String(process.pid));
      if (errno !== null) {
        removeDir(instanceDir);
        made = false;
        return { errno, message: `cannot move bosun into its cgroup ${leaf} (${errno})` };
      }
      moved = true;
      enableControllers();
      return null;
    },

    create(service: string, name: string): DriverGroup | { errno: string; path: string } {
      const dir = join(instanceDir, name);
      const errno = makeDir(dir);
      return errno !== null ? { errno, path: dir } : new V2Group(service, dir, true, dirOf(dir));
    },

    adopt(service: string, path: string): DriverGroup | CgroupProblem {
      const dir = path.startsWith("/") ? resolve(own.mountPoint, `.${path}`) : resolve(own.dir, path);
      if (dir !== own.mountPoint && !dir.startsWith(`${own.mountPoint}/`)) {
        return { errno: null, message: `run-in-cgroup: ${path} lies outside the cgroup filesystem at ${own.mountPoint}` };
      }
      try {
        if (!statSync(dir).isDirectory()) throw Object.assign(new Error(), { code: "ENOTDIR" });
        accessSync(join(dir, "cgroup.procs"), constants.W_OK);
      } catch (e) {
        const errno = errnoOf(e);
        const what = errno === "ENOENT" ? "does not exist (bosun joins this cgroup but does not create it)" : `cannot be joined (${errno})`;
        return { errno, message: `run-in-cgroup: the cgroup ${dir} ${what}` };
      }
      return new V2Group(service, dir, false, () => ({ dir }));
    },

    writes: (limits: CgroupLimits) => v2Writes(limits),

    tearDown(): string[] {
      if (!made) return [];
      for (const c of enabled) writeValue(join(instanceDir, "cgroup.subtree_control"), `-${c}`);
      for (const c of [...added].reverse()) writeValue(join(own.dir, "cgroup.subtree_control"), `-${c}`);
      const left: string[] = [];
      if (moved) {
        const errno = writeValue(join(own.dir, "cgroup.procs"), String(process.pid));
        if (errno !== null) left.push(`${leaf} (bosun cannot move back to ${own.dir}: ${errno})`);
        else moved = false;
      }
      const errno = removeDir(instanceDir);
      if (errno !== null) left.push(`${instanceDir} (${errno})`);
      else made = false;
      return left;
    },
  };
}

/** One service run's v2 cgroup. */
class V2Group implements DriverGroup {
  readonly dirs: readonly string[];
  readonly spawnCgroup: string;
  readonly joinFiles: readonly string[] = [];
  private readonly oomBase: number | null;

  constructor(
    readonly service: string,
    private readonly dir: string,
    readonly owned: boolean,
    readonly dirOf: (controller: string) => ControllerDir,
  ) {
    this.dirs = [dir];
    this.spawnCgroup = dir;
    this.oomBase = this.oomCount();
  }

  pids(): number[] {
    return pidsIn(this.dir);
  }

  isEmpty(): boolean {
    const events = readText(join(this.dir, "cgroup.events"));
    return events !== null ? /^populated 0$/m.test(events) : this.pids().length === 0;
  }

  usage(): Usage {
    const usec = readKey(join(this.dir, "cpu.stat"), "usage_usec");
    return {
      memory: readNumber(join(this.dir, "memory.current")),
      memoryMax: limitOrNull(readNumber(join(this.dir, "memory.max"))),
      cpuSeconds: usec === null ? null : usec / 1e6,
      pids: this.pids().length,
    };
  }

  private oomCount(): number | null {
    return readKey(join(this.dir, "memory.events"), "oom_kill");
  }

  oomKills(): number | null {
    const n = this.oomCount();
    return n === null ? null : n - (this.oomBase ?? 0);
  }

  async killAll(waitMs: number): Promise<number[]> {
    if (!this.owned) return [];
    // kernels before 5.14 have no cgroup.kill: signal each process until none is left
    if (writeValue(join(this.dir, "cgroup.kill"), "1") !== null) return killEach(() => this.pids(), { waitMs, freezer: null });
    return this.waitEmpty(waitMs);
  }

  async waitEmpty(waitMs: number): Promise<number[]> {
    const empty = await waitUntil(() => this.isEmpty(), { ms: waitMs, pollMs: BACKSTOP_MS, watchFile: join(this.dir, "cgroup.events") });
    return empty ? [] : this.pids();
  }

  release(): boolean {
    return !this.owned || removeDir(this.dir) === null;
  }
}
