/**
 * @module test/cgroup/values
 * The values around the cgroup layer: the cgroup settings as a service file gives them (units,
 * the kernel's bounds checked at load time with file:line), the settings `check` reports as
 * needing a writable cgroupfs, instance and service cgroup names, and the usage line.
 */
import { afterAll, expect, test } from "bun:test";
import { instanceName, serviceDirName } from "../../src/cgroup/names.ts";
import { cgroupSettings } from "../../src/cgroup/needs.ts";
import { describeUsage } from "../../src/cgroup/usage.ts";
import { createLoader } from "../../src/config/loader.ts";
import { ConfigError } from "../../src/config/problems.ts";
import { formatSize, parseCpuMax } from "../../src/config/units.ts";
import { removeTempDirs, tempDir } from "../support/files.ts";
import { service } from "./support.ts";

afterAll(removeTempDirs);

test("cpu-max takes a share of one CPU, QUOTA PERIOD, or max, within the kernel's bounds", () => {
  expect(parseCpuMax("50%")).toBe("50000 100000");
  expect(parseCpuMax("250%")).toBe("250000 100000");
  expect(parseCpuMax("20000 50000")).toBe("20000 50000");
  expect(parseCpuMax("max")).toBeNull();
  expect(parseCpuMax("max 100000")).toBeNull();
  expect(() => parseCpuMax("0.5%")).toThrow("below 1% of one CPU");
  expect(() => parseCpuMax("500 100000")).toThrow("below the kernel's minimum of 1000 microseconds");
  expect(() => parseCpuMax("50000 2000000")).toThrow("outside 1000 to 1000000 microseconds");
  expect(() => parseCpuMax("half")).toThrow("write a share of one CPU like 50%");
});

test("a service file's cgroup settings load in their units, and bad ones are errors at their line", () => {
  const dir = tempDir({
    good: "type = process\ncommand = /bin/true\nmemory-max = 1.5G\nmemory-high = 1G\ncpu-max = 150%\ncpu-weight = 50\npids-max = max\nio-weight = 500\nrun-in-cgroup = /jobs/good\n",
    bad: "type = process\ncommand = /bin/true\ncpu-max = 100 100000\ncpu-weight = max\npids-max = 0\nio-weight = 20000\n",
  });
  const loader = createLoader({ dirs: [dir], env: {} });
  const good = loader.load("good");
  expect(good.cgroup).toEqual({ memoryMax: 1.5 * 1024 ** 3, memoryHigh: 1024 ** 3, cpuMax: "150000 100000", cpuWeight: 50, pidsMax: null, ioWeight: 500 });
  expect(good.runInCgroup).toBe("/jobs/good");
  let problems: [number | null, string][] = [];
  try {
    loader.load("bad");
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    problems = e.problems.map((p) => [p.line, p.message]);
  }
  expect(problems).toEqual([
    [3, expect.stringContaining("cpu-max quota 100 is below the kernel's minimum")],
    [4, expect.stringContaining("'max' is not a whole number")],
    [5, expect.stringContaining("pids-max")],
    [6, expect.stringContaining("a weight is 1 to 10000")],
  ]);
});

test("the settings that need a writable cgroupfs are the limits and run-in-cgroup, as written", () => {
  expect(cgroupSettings(service("plain"))).toEqual([]);
  expect(cgroupSettings(service("web", { memoryMax: 1, cpuWeight: 10 }, { runInCgroup: "x" }))).toEqual(["memory-max", "cpu-weight", "run-in-cgroup"]);
});

test("instance names are unique per bosun; service cgroup names are safe for cgroupfs and never collide with its files", () => {
  const a = instanceName(1);
  expect(a).toMatch(/^bosun-1-[0-9a-f]{8}$/);
  expect(instanceName(1)).not.toBe(a);
  expect(serviceDirName("web", 1)).toBe("web.service");
  expect(serviceDirName("web", 3)).toBe("web.service.3");
  expect(serviceDirName("job@a\nb%", 1)).toBe("job@a%0Ab%25.service");
  expect(serviceDirName("memory.max", 1)).toBe("memory.max.service");
  const long = serviceDirName(`svc@${"x".repeat(400)}`, 2);
  expect(Buffer.byteLength(long)).toBeLessThanOrEqual(255);
  expect(long).toEndWith(".service.2");
  expect(serviceDirName(`svc@${"x".repeat(400)}`, 2)).toBe(long);
  expect(serviceDirName(`svc@${"x".repeat(401)}`, 2)).not.toBe(long);
});

test("usage reads as one line, leaving out what the cgroup cannot tell", () => {
  expect(describeUsage({ memory: 43_200_000, memoryMax: 512 * 1024 ** 2, cpuSeconds: 3.14, pids: 4 })).toBe("memory 41.2M (max 512M) · cpu 3.1s · pids 4");
  expect(describeUsage({ memory: null, memoryMax: null, cpuSeconds: 0.25, pids: 1 })).toBe("cpu 0.3s · pids 1");
  expect([formatSize(512), formatSize(1024), formatSize(1536), formatSize(1.5 * 1024 ** 3)]).toEqual(["512B", "1K", "1.5K", "1.5G"]);
});
