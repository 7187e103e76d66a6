/**
 * @module cgroup/v1
 * The cgroup v1 driver: one hierarchy per controller (or a few co-mounted, `cpu,cpuacct`),
 * each with bosun's own cgroup in it. A service run gets `<own>/<instance>/<name>.service` in
 * each hierarchy it needs:
 * - the tracking hierarchy, always: `freezer` where mounted (freeze-and-kill), else `pids`;
 *   the process count and kill-all read it, and Bun.spawn's `cgroup` option joins it;
 * - `memory` and `cpuacct` when mounted, for the usage `status` shows (and memory limits);
 * - `cpu` for cpu-max and cpu-weight, `pids` for pids-max, `blkio` for io-weight.
 * The hierarchies after the first are joined by the helper chain's join step (join.ts).
 * v1 has no rule against processes in inner cgroups, so bosun itself stays where it is.
 */
import { existsSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import type { CgroupLimits } from "../config/schema.ts";
import { makeDir, pidsIn, readKey, readNumber, removeDir } from "./files.ts";
import { killEach } from "./kill.ts";
import { v1Writes, type ControllerDir } from "./limits.ts";
import type { Hierarchy } from "./mounts.ts";
import type { CgroupProblem, Driver, DriverGroup } from "./types.ts";
import { limitOrNull, type Usage } from "./usage.ts";
import { waitUntil } from "./wait.ts";

/** The controllers bosun uses, in the order a tracking hierarchy is chosen. */
export const V1_CONTROLLERS = ["freezer", "pids", "memory", "cpuacct", "cpu", "blkio"];
/** How often the wait for an empty cgroup re-reads cgroup.procs (v1 notifies no change). */
const POLL_MS = 10;

/** The controllers a service run needs a cgroup in, beyond the tracking one. */
function wanted(limits: CgroupLimits): string[] {
  const c = ["memory", "cpuacct"];
  if (limits.cpuMax !== null || limits.cpuWeight !== null) c.push("cpu");
  if (limits.pidsMax !== null) c.push("pids");
  if (limits.ioWeight !== null) c.push("blkio");
  return c;
}

/**
 * The v1 driver over bosun's writable hierarchies (at least one).
 *
 * @example
 * const driver = v1Driver(layout.v1.filter(writable), instanceName());
 */
export function v1Driver(hierarchies: Hierarchy[], instance: string): Driver {
  const byController = new Map<string, Hierarchy>();
  for (const h of hierarchies) for (const c of h.controllers) if (V1_CONTROLLERS.includes(c)) byController.set(c, h);
  const used = [...new Set(V1_CONTROLLERS.flatMap((c) => byController.get(c) ?? []))];
  const tracker = V1_CONTROLLERS.map((c) => byController.get(c)).find((h) => h !== undefined) ?? null;
  const instanceDir = (h: Hierarchy) => join(h.dir, instance);
  const unavailable = new Map<Hierarchy, string>();
  const made: Hierarchy[] = [];

  /** Why a service's cgroup has no directory for `controller`; `absent` says it for a hierarchy bosun has. */
  const missing = (controller: string, absent: string): string => {
    const h = byController.get(controller);
    if (h === undefined) return `no writable cgroup v1 hierarchy with the ${controller} controller is mounted`;
    return unavailable.get(h) ?? absent;
  };

  const group = (service: string, dirs: Map<Hierarchy, string>, owned: boolean, absent: (controller: string) => string) => {
    const dirOf = (controller: string): ControllerDir => {
      const h = byController.get(controller);
      const dir = h === undefined ? undefined : dirs.get(h);
      return dir !== undefined ? { dir } : { missing: missing(controller, absent(controller)) };
    };
    return new V1Group(service, dirs, owned, dirOf);
  };

  return {
    version: 1,
    setUp(): CgroupProblem | null {
      if (tracker === null) return { errno: null, message: "no cgroup v1 hierarchy bosun can use is mounted" };
      for (const h of used) {
        const errno = makeDir(instanceDir(h));
        if (errno === null) made.push(h);
        else unavailable.set(h, `cannot make the cgroup ${instanceDir(h)} (${errno})`);
      }
      if (!made.includes(tracker)) return { errno: null, message: unavailable.get(tracker)! };
      return null;
    },

    create(service: string, name: string, limits: CgroupLimits): DriverGroup | { errno: string; path: string } {
      const needed = [tracker!, ...wanted(limits).flatMap((c) => byController.get(c) ?? [])].filter((h) => made.includes(h));
      const dirs = new Map<Hierarchy, string>();
      for (const h of new Set(needed)) {
        const dir = join(instanceDir(h), name);
        const errno = makeDir(dir);
        if (errno !== null) {
          for (const d of dirs.values()) removeDir(d);
          return { errno, path: dir };
        }
        dirs.set(h, dir);
      }
      return group(service, dirs, true, (c) => `bosun made no ${c} cgroup for this service`);
    },

    adopt(service: string, path: string): DriverGroup | CgroupProblem {
      const dirs = new Map<Hierarchy, string>();
      for (const h of used) {
        const dir = path.startsWith("/") ? resolve(h.mountPoint, `.${path}`) : resolve(h.dir, path);
        if (!dir.startsWith(`${h.mountPoint}/`) && dir !== h.mountPoint) continue;
        if (existsSync(join(dir, "cgroup.procs")) && statSync(dir).isDirectory()) dirs.set(h, dir);
      }
      if (dirs.size === 0) {
        return { errno: "ENOENT", message: `run-in-cgroup: ${path} exists in no cgroup v1 hierarchy bosun uses (bosun joins this cgroup but does not create it)` };
      }
      return group(service, dirs, false, (c) => `run-in-cgroup ${path} does not exist in the ${c} hierarchy`);
    },

    writes: (limits: CgroupLimits) => v1Writes(limits),

    tearDown(): string[] {
      const left: string[] = [];
      for (const h of [...made]) {
        const errno = removeDir(instanceDir(h));
        if (errno !== null) left.push(`${instanceDir(h)} (${errno})`);
        else made.splice(made.indexOf(h), 1);
      }
      return left;
    },
  };
}

/** One service run's v1 cgroups, the tracking one first. */
class V1Group implements DriverGroup {
  readonly dirs: readonly string[];
  readonly spawnCgroup: string;
  readonly joinFiles: readonly string[];
  private readonly tracker: string;
  private readonly freezer: string | null;
  private readonly oomBase: number | null;

  constructor(
    readonly service: string,
    hierarchies: Map<Hierarchy, string>,
    readonly owned: boolean,
    readonly dirOf: (controller: string) => ControllerDir,
  ) {
    const ordered = [...hierarchies.entries()].sort(
      ([a], [b]) => Math.min(...a.controllers.map(rank)) - Math.min(...b.controllers.map(rank)),
    );
    this.dirs = ordered.map(([, dir]) => dir);
    this.tracker = this.dirs[0]!;
    this.spawnCgroup = this.tracker;
    this.joinFiles = this.dirs.slice(1).map((d) => join(d, "cgroup.procs"));
    this.freezer = ordered[0]![0].controllers.includes("freezer") ? this.tracker : null;
    this.oomBase = this.oomCount();
  }

  private file(controller: string, name: string): string | null {
    const where = this.dirOf(controller);
    return "dir" in where ? join(where.dir, name) : null;
  }

  pids(): number[] {
    return pidsIn(this.tracker);
  }

  isEmpty(): boolean {
    return this.pids().length === 0;
  }

  usage(): Usage {
    const at = (controller: string, name: string) => {
      const path = this.file(controller, name);
      return path === null ? null : readNumber(path);
    };
    const ns = at("cpuacct", "cpuacct.usage");
    return {
      memory: at("memory", "memory.usage_in_bytes"),
      memoryMax: limitOrNull(at("memory", "memory.limit_in_bytes")),
      cpuSeconds: ns === null ? null : ns / 1e9,
      pids: this.pids().length,
    };
  }

  private oomCount(): number | null {
    const path = this.file("memory", "memory.oom_control");
    return path === null ? null : readKey(path, "oom_kill");
  }

  oomKills(): number | null {
    const n = this.oomCount();
    return n === null ? null : n - (this.oomBase ?? 0);
  }

  killAll(waitMs: number): Promise<number[]> {
    if (!this.owned) return Promise.resolve([]);
    return killEach(() => this.pids(), { waitMs, freezer: this.freezer });
  }

  async waitEmpty(waitMs: number): Promise<number[]> {
    return (await waitUntil(() => this.isEmpty(), { ms: waitMs, pollMs: POLL_MS })) ? [] : this.pids();
  }

  release(): boolean {
    if (!this.owned) return true;
    let gone = true;
    for (const dir of this.dirs) if (removeDir(dir) !== null) gone = false;
    return gone;
  }
}

/** A controller's place in the choice of tracking hierarchy (unknown ones last). */
function rank(controller: string): number {
  const i = V1_CONTROLLERS.indexOf(controller);
  return i < 0 ? V1_CONTROLLERS.length : i;
}
