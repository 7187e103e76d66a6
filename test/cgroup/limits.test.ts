/**
 * @module test/cgroup/limits
 * Limits as interface-file writes. The v2 files are written into a directory laid out like a
 * delegated cgroup v2 service cgroup with every controller enabled (this machine's v2
 * hierarchy has no controllers, so this is the one fake of the cgroup tests); the v1 files
 * are exercised on the real hierarchies in v1.test.ts. Missing files and controllers warn
 * once per setting, naming the file; any other refusal is a failure naming the value.
 */
import { afterAll, expect, test } from "bun:test";
import { mkdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { applyLimits, bfqWeight, blkioWeight, cpuShares, v1Writes, v2Writes } from "../../src/cgroup/limits.ts";
import { removeTempDirs, tempDir, writeFiles } from "../support/files.ts";
import { NO_LIMITS } from "./support.ts";

const root = tempDir();
afterAll(removeTempDirs);

/** A v2 service cgroup as the kernel lays it out with cpu, io, memory and pids enabled, at their defaults. */
function delegated(name: string, omit: string[] = []): string {
  const files: Record<string, string> = {
    "cgroup.procs": "",
    "cgroup.events": "populated 0\nfrozen 0\n",
    "cgroup.kill": "",
    "memory.max": "max\n",
    "memory.high": "max\n",
    "memory.current": "0\n",
    "memory.events": "low 0\nhigh 0\nmax 0\noom 0\noom_kill 0\noom_group_kill 0\n",
    "cpu.max": "max 100000\n",
    "cpu.weight": "100\n",
    "cpu.stat": "usage_usec 0\nuser_usec 0\nsystem_usec 0\n",
    "pids.max": "max\n",
    "io.weight": "default 100\n",
    "io.bfq.weight": "default 100\n",
  };
  return writeFiles(join(root, name), Object.fromEntries(Object.entries(files).filter(([file]) => !omit.includes(file))));
}

const read = (dir: string, file: string) => readFileSync(join(dir, file), "utf8").trim();
const all = { memoryMax: 512 * 1024 ** 2, memoryHigh: 384 * 1024 ** 2, cpuMax: "150000 100000", cpuWeight: 50, pidsMax: 64, ioWeight: 200 };

test("v2: every limit lands in its file in the kernel's format", () => {
  const dir = delegated("all");
  expect(applyLimits(v2Writes(all), () => ({ dir }), { owned: true })).toEqual({ warnings: [], failed: null });
  expect(read(dir, "memory.max")).toBe(String(512 * 1024 ** 2));
  expect(read(dir, "memory.high")).toBe(String(384 * 1024 ** 2));
  expect(read(dir, "cpu.max")).toBe("150000 100000");
  expect(read(dir, "cpu.weight")).toBe("50");
  expect(read(dir, "pids.max")).toBe("64");
  expect(read(dir, "io.weight")).toBe("default 200");
  // the BFQ file is only the stand-in where io.weight is missing
  expect(read(dir, "io.bfq.weight")).toBe("default 100");
});

test("v2: without io.weight (no iocost), BFQ's weight stands in, on its own scale", () => {
  const dir = delegated("bfq", ["io.weight"]);
  expect(applyLimits(v2Writes({ ...NO_LIMITS, ioWeight: 200 }), () => ({ dir }), { owned: true }).warnings).toEqual([]);
  expect(read(dir, "io.bfq.weight")).toBe(`default ${bfqWeight(200)}`);
});

test("a missing file or controller skips that setting with one warning naming the file; the others still apply", () => {
  const dir = delegated("partial", ["io.weight", "io.bfq.weight"]);
  const applied = applyLimits(
    v2Writes(all),
    (controller) => (controller === "memory" ? { missing: "the memory controller is not enabled here" } : { dir }),
    { owned: true },
  );
  expect(applied).toEqual({
    warnings: [
      "memory-max: cannot write memory.max: the memory controller is not enabled here; the service runs without this limit",
      "memory-high: cannot write memory.high: the memory controller is not enabled here; the service runs without this limit",
      `io-weight: ${join(dir, "io.weight")} does not exist; the service runs without this limit`,
    ],
    failed: null,
  });
  expect(read(dir, "memory.max")).toBe("max");
  expect(read(dir, "pids.max")).toBe("64");
});

test("v1: cpu-max warns once although it is two files", () => {
  const applied = applyLimits(v1Writes({ ...NO_LIMITS, cpuMax: "50000 100000" }), () => ({ missing: "no cpu hierarchy is mounted" }), { owned: true });
  expect(applied.warnings).toEqual(["cpu-max: cannot write cpu.cfs_period_us: no cpu hierarchy is mounted; the service runs without this limit"]);
});

test("a write the kernel refuses for another reason is a failure naming setting, file and value", () => {
  const dir = delegated("refusing");
  rmSync(join(dir, "pids.max"));
  // a directory where the file should be: opening it for writing fails with EISDIR
  mkdirSync(join(dir, "pids.max"));
  expect(applyLimits(v2Writes({ ...NO_LIMITS, pidsMax: 5 }), () => ({ dir }), { owned: true })).toEqual({
    warnings: [],
    failed: { setting: "pids-max", path: join(dir, "pids.max"), value: "5", errno: "EISDIR" },
  });
});

test("v1 weights keep v2's meaning: the defaults meet (100 -> 1024 shares, 500 blkio, 100 BFQ) and the ends clamp", () => {
  expect([cpuShares(100), cpuShares(1), cpuShares(10000)]).toEqual([1024, 10, 102400]);
  expect([blkioWeight(100), blkioWeight(1), blkioWeight(10000)]).toEqual([500, 10, 1000]);
  expect([bfqWeight(100), bfqWeight(1), bfqWeight(50), bfqWeight(10000), bfqWeight(1000)]).toEqual([100, 1, 50, 1000, 182]);
});

test("v1 writes the CFS period before the quota, so a quota above the default period is accepted", () => {
  expect(v1Writes({ ...NO_LIMITS, cpuMax: "1500000 1000000" }).map((w) => [w.choices[0]!.file, w.choices[0]!.value])).toEqual([
    ["cpu.cfs_period_us", "1000000"],
    ["cpu.cfs_quota_us", "1500000"],
  ]);
});
