/**
 * @module cgroup/limits
 * A service's cgroup settings as interface-file writes, for each cgroup version, and their
 * application to a service's cgroup before it starts. Units are the settings' own (bytes,
 * cgroup v2 weights 1-10000 with 100 the default, `QUOTA PERIOD` in microseconds); v1 gets
 * the same meaning in its own files:
 *
 * | setting     | v2                          | v1                                         |
 * |-------------|-----------------------------|--------------------------------------------|
 * | memory-max  | memory.max                  | memory.limit_in_bytes                      |
 * | memory-high | memory.high                 | memory.soft_limit_in_bytes (reclaim target)|
 * | cpu-max     | cpu.max                     | cpu.cfs_period_us, then cpu.cfs_quota_us   |
 * | cpu-weight  | cpu.weight                  | cpu.shares (weight x 1024 / 100)           |
 * | pids-max    | pids.max                    | pids.max                                   |
 * | io-weight   | io.weight, else io.bfq.weight | blkio.weight (x5), else blkio.bfq.weight |
 *
 * The BFQ files are the proportional I/O weight where the kernel has no other (CFQ and its
 * blkio.weight left Linux in 5.0); they act on devices that use the BFQ scheduler.
 */
import { join } from "node:path";
import type { CgroupLimits } from "../config/schema.ts";
import { writeValue } from "./files.ts";

/** One setting's write: the controller whose file it is, and the files to try in order. */
export interface LimitWrite {
  /** The setting as users write it (`memory-max`). */
  setting: string;
  controller: string;
  /** The first file that exists gets its value; when none does, a warning names the first. */
  choices: { file: string; value: string }[];
}

/** The setting name of each limit field. */
export const LIMIT_SETTINGS: Record<keyof CgroupLimits, string> = {
  memoryMax: "memory-max",
  memoryHigh: "memory-high",
  cpuMax: "cpu-max",
  cpuWeight: "cpu-weight",
  pidsMax: "pids-max",
  ioWeight: "io-weight",
};

const clamp = (n: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, Math.round(n)));

/** cgroup v2's cpu.weight as v1's cpu.shares: 100 (the v2 default) is 1024 (the v1 default). */
export function cpuShares(weight: number): number {
  return clamp((weight * 1024) / 100, 2, 262144);
}

/** cgroup v2's io.weight as v1's blkio.weight (10-1000, default 500). */
export function blkioWeight(weight: number): number {
  return clamp((weight * 500) / 100, 10, 1000);
}

/**
 * cgroup v2's io.weight as BFQ's weight (1-1000, default 100): the range below the default
 * maps one to one, the range above it is compressed into 100-1000.
 */
export function bfqWeight(weight: number): number {
  return weight <= 100 ? clamp(weight, 1, 100) : clamp(100 + ((weight - 100) * 900) / 9900, 100, 1000);
}

/**
 * The writes for a service's limits under cgroup v2, in the order they are applied.
 *
 * @example
 * v2Writes({ ...none, memoryMax: 512 * 1024 ** 2 })
 * // [{ setting: "memory-max", controller: "memory", choices: [{ file: "memory.max", value: "536870912" }] }]
 */
export function v2Writes(l: CgroupLimits): LimitWrite[] {
  const w: LimitWrite[] = [];
  const one = (setting: string, controller: string, file: string, value: string) => w.push({ setting, controller, choices: [{ file, value }] });
  if (l.memoryMax !== null) one("memory-max", "memory", "memory.max", String(l.memoryMax));
  if (l.memoryHigh !== null) one("memory-high", "memory", "memory.high", String(l.memoryHigh));
  if (l.cpuMax !== null) one("cpu-max", "cpu", "cpu.max", l.cpuMax);
  if (l.cpuWeight !== null) one("cpu-weight", "cpu", "cpu.weight", String(l.cpuWeight));
  if (l.pidsMax !== null) one("pids-max", "pids", "pids.max", String(l.pidsMax));
  if (l.ioWeight !== null) {
    w.push({
      setting: "io-weight",
      controller: "io",
      choices: [
        { file: "io.weight", value: `default ${l.ioWeight}` },
        { file: "io.bfq.weight", value: `default ${bfqWeight(l.ioWeight)}` },
      ],
    });
  }
  return w;
}

/**
 * The writes for a service's limits under cgroup v1, in the order they are applied (the CFS
 * period before the quota: the kernel checks the quota against the period in force).
 *
 * @example
 * v1Writes({ ...none, cpuMax: "50000 100000" }).map((w) => w.choices[0].file) // ["cpu.cfs_period_us", "cpu.cfs_quota_us"]
 */
export function v1Writes(l: CgroupLimits): LimitWrite[] {
  const w: LimitWrite[] = [];
  const one = (setting: string, controller: string, file: string, value: string) => w.push({ setting, controller, choices: [{ file, value }] });
  if (l.memoryMax !== null) one("memory-max", "memory", "memory.limit_in_bytes", String(l.memoryMax));
  if (l.memoryHigh !== null) one("memory-high", "memory", "memory.soft_limit_in_bytes", String(l.memoryHigh));
  if (l.cpuMax !== null) {
    const [quota, period] = l.cpuMax.split(" ");
    one("cpu-max", "cpu", "cpu.cfs_period_us", period!);
    one("cpu-max", "cpu", "cpu.cfs_quota_us", quota!);
  }
  if (l.cpuWeight !== null) one("cpu-weight", "cpu", "cpu.shares", String(cpuShares(l.cpuWeight)));
  if (l.pidsMax !== null) one("pids-max", "pids", "pids.max", String(l.pidsMax));
  if (l.ioWeight !== null) {
    w.push({
      setting: "io-weight",
      controller: "blkio",
      choices: [
        { file: "blkio.weight", value: String(blkioWeight(l.ioWeight)) },
        { file: "blkio.bfq.weight", value: String(bfqWeight(l.ioWeight)) },
      ],
    });
  }
  return w;
}

/** Where a controller's files are for one service: its directory, or why there is none. */
export type ControllerDir = { dir: string } | { missing: string };

/** What applying limits gave: warnings for what was skipped, or the write that failed. */
export interface Applied {
  warnings: string[];
  /** A write the kernel refused for a reason other than absence (`EINVAL`, `EACCES`, ...). */
  failed: { setting: string; path: string; value: string; errno: string } | null;
}

/**
 * Writes `writes` into the service's cgroup. A controller without a directory, or a file that
 * does not exist, is skipped with one warning per setting naming the file; any other refusal
 * stops and is returned, except that `notWritable` errnos become warnings too when the cgroup
 * is not bosun's own (run-in-cgroup: bosun may join it without being allowed to limit it).
 */
export function applyLimits(writes: LimitWrite[], dirOf: (controller: string) => ControllerDir, opts: { owned: boolean }): Applied {
  const warnings: string[] = [];
  const warned = new Set<string>();
  const warn = (setting: string, text: string) => {
    if (warned.has(setting)) return;
    warned.add(setting);
    warnings.push(`${setting}: ${text}; the service runs without this limit`);
  };
  for (const w of writes) {
    if (warned.has(w.setting)) continue;
    const where = dirOf(w.controller);
    if ("missing" in where) {
      warn(w.setting, `cannot write ${w.choices[0]!.file}: ${where.missing}`);
      continue;
    }
    let done = false;
    for (const c of w.choices) {
      const path = join(where.dir, c.file);
      const errno = writeValue(path, c.value);
      if (errno === "ENOENT") continue;
      done = true;
      if (errno === null) break;
      if (!opts.owned && (errno === "EACCES" || errno === "EPERM" || errno === "EROFS")) {
        warn(w.setting, `bosun may not write ${path} (${errno}) in a cgroup it did not make`);
        break;
      }
      return { warnings, failed: { setting: w.setting, path, value: c.value, errno } };
    }
    if (!done) warn(w.setting, `${join(where.dir, w.choices[0]!.file)} does not exist`);
  }
  return { warnings, failed: null };
}
