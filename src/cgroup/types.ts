/**
 * @module cgroup/types
 * The shapes the cgroup layer hands upward: which mode applies, a service's cgroup for one
 * run (what the launcher passes to Bun.spawn and the helper chain, and what the stop sequence
 * and status read from it), and the driver interface that cgroup v2 and v1 each implement.
 */
import type { CgroupLimits } from "../config/schema.ts";
import type { LimitWrite, ControllerDir } from "./limits.ts";
import type { Usage } from "./usage.ts";

/**
 * Which cgroups bosun uses: `v2` (the unified hierarchy), `v1` (one hierarchy per
 * controller), `read-only` (mounted, but bosun may not make cgroups), `none` (no cgroup
 * filesystem bosun can see).
 */
export type CgroupMode = "v2" | "v1" | "read-only" | "none";

/** A service's cgroup for one run. */
export interface ServiceCgroup {
  readonly service: string;
  /** True when bosun made it (and removes it); false for a `run-in-cgroup` path. */
  readonly owned: boolean;
  /** Its directory in each hierarchy it spans (one on v2). */
  readonly dirs: readonly string[];
  /** Bun.spawn's `cgroup` option: the child joins it before exec. */
  readonly spawnCgroup: string;
  /**
   * The `cgroup.procs` files of the other v1 hierarchies, which the first step of the helper
   * chain joins before exec (`joinArgv` makes that step); [] when Bun's option joins it all.
   */
  readonly joinFiles: readonly string[];
  /** Processes in it now (sub-cgroups included). */
  pids(): number[];
  /** True when no process is left in it. */
  isEmpty(): boolean;
  /** Memory, CPU time and processes, as far as its controllers tell. */
  usage(): Usage;
  /** OOM kills inside it since this run's cgroup was prepared; null when its memory controller cannot tell. */
  oomKills(): number | null;
  /**
   * SIGKILL to every process in it (v2 `cgroup.kill`; v1 freeze, kill, thaw, until empty),
   * then waits up to `waitMs` for it to be empty; resolves to the pids still there (a process
   * in uninterruptible sleep does not die until it wakes). Does nothing for a cgroup bosun
   * did not make (others may share it): resolves to [].
   */
  killAll(waitMs: number): Promise<number[]>;
  /** Waits up to `waitMs` for it to be empty; resolves to the pids still there. */
  waitEmpty(waitMs: number): Promise<number[]>;
  /**
   * Removes it (only one bosun made), so the next run gets a fresh one. False while processes
   * remain (the manager retries it later and gives the next run another name).
   */
  release(): boolean;
}

/** A failure to set up a cgroup, as the launcher reports it (stage `cgroup`). */
export interface CgroupProblem {
  errno: string | null;
  message: string;
}

/** A service cgroup as a driver makes it: the public face plus where its limits go. */
export interface DriverGroup extends ServiceCgroup {
  /** The directory of a controller's files for this service, or why there is none. */
  dirOf(controller: string): ControllerDir;
}

/** What cgroup v2 and v1 each provide to the manager. */
export interface Driver {
  readonly version: 1 | 2;
  /** Makes the instance (v2: also moves bosun into its leaf and enables controllers); once, before the first service cgroup. */
  setUp(): CgroupProblem | null;
  /** A fresh cgroup named `name`; `EEXIST` when an earlier run still holds that name. */
  create(service: string, name: string, limits: CgroupLimits): DriverGroup | { errno: string; path: string };
  /** An existing cgroup at a `run-in-cgroup` path, which bosun joins but neither makes nor removes. */
  adopt(service: string, path: string): DriverGroup | CgroupProblem;
  /** The interface-file writes for a service's limits on this version. */
  writes(limits: CgroupLimits): LimitWrite[];
  /** Undoes setUp (bosun back in its own cgroup, instance removed); the paths it had to leave. */
  tearDown(): string[];
}
