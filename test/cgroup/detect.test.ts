/**
 * @module test/cgroup/detect
 * Layout detection from /proc/self/cgroup and /proc/self/mountinfo: the pure parsers over the
 * layouts bosun meets (this machine's v1 with a cgroup2 mount beside it, a v2 container with
 * a private or the host's cgroup namespace, co-mounted v1 controllers, read-only mounts, none),
 * and the real detection here.
 */
import { describe, expect, test } from "bun:test";
import { detectCgroups } from "../../src/cgroup/detect.ts";
import { parseMountinfo, parseProcCgroup, reachable } from "../../src/cgroup/mounts.ts";

const HYBRID_MOUNTS = `31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu
33 31 0:30 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct
35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
37 31 0:34 / /sys/fs/cgroup/freezer rw,relatime - cgroup cgroup rw,freezer
39 31 0:36 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids
40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd
41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw`;
const HYBRID_CGROUP = `9:name=systemd:/
8:pids:/
6:freezer:/
4:memory:/process_api/abc
2:cpuacct:/
1:cpu:/
0::/`;

const reach = (mountinfo: string, cgroup: string) => reachable(parseMountinfo(mountinfo), parseProcCgroup(cgroup));

describe("parsing", () => {
  test("a v1 host with a cgroup2 mount beside it: each hierarchy with bosun's cgroup in it; named hierarchies left out", () => {
    const { v2, v1 } = reach(HYBRID_MOUNTS, HYBRID_CGROUP);
    expect(v2).toEqual({ version: 2, controllers: [], mountPoint: "/sys/fs/cgroup/unified", path: "/", dir: "/sys/fs/cgroup/unified", readOnly: false });
    expect(v1.map((h) => [h.controllers.join(","), h.dir])).toEqual([
      ["pids", "/sys/fs/cgroup/pids"],
      ["freezer", "/sys/fs/cgroup/freezer"],
      ["memory", "/sys/fs/cgroup/memory/process_api/abc"],
      ["cpuacct", "/sys/fs/cgroup/cpuacct"],
      ["cpu", "/sys/fs/cgroup/cpu"],
    ]);
  });

  test("a container with a private cgroup namespace and a read-only cgroupfs", () => {
    const { v2, v1 } = reach("1200 1100 0:30 / /sys/fs/cgroup ro,nosuid,nodev,noexec,relatime - cgroup2 cgroup rw,nsdelegate", "0::/");
    expect(v2).toMatchObject({ dir: "/sys/fs/cgroup", path: "/", readOnly: true });
    expect(v1).toEqual([]);
  });

  test("a container in the host's cgroup namespace sees only its subtree mounted", () => {
    const mounts = "900 800 0:30 /machine.slice/libpod-abc.scope /sys/fs/cgroup rw,relatime - cgroup2 cgroup2 rw";
    expect(reach(mounts, "0::/machine.slice/libpod-abc.scope/app").v2?.dir).toBe("/sys/fs/cgroup/app");
    expect(reach(mounts, "0::/machine.slice/libpod-abc.scope").v2?.dir).toBe("/sys/fs/cgroup");
    // a cgroup outside the mounted subtree, or outside the cgroup namespace, is not reachable
    expect(reach(mounts, "0::/machine.slice/other").v2).toBeNull();
    expect(reach(mounts, "0::/machine.slice/libpod-abc.scope-x").v2).toBeNull();
    expect(reach("1 0 0:30 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw", "0::/../outside").v2).toBeNull();
  });

  test("co-mounted v1 controllers are one hierarchy; escaped mount points are decoded; a writable mount wins over a read-only one", () => {
    const mounts = [
      "33 31 0:30 / /sys/fs/cgroup/cpu,cpuacct rw,relatime - cgroup cgroup rw,cpu,cpuacct",
      "50 31 0:31 / /tmp/my\\040cgroup ro,relatime - cgroup cgroup rw,memory",
      "51 31 0:31 / /tmp/memory\\040rw rw,relatime - cgroup cgroup rw,memory",
    ].join("\n");
    const { v1 } = reach(mounts, "2:cpu,cpuacct:/a\n4:memory:/b");
    expect(v1).toEqual([
      { version: 1, controllers: ["cpu", "cpuacct"], mountPoint: "/sys/fs/cgroup/cpu,cpuacct", path: "/a", dir: "/sys/fs/cgroup/cpu,cpuacct/a", readOnly: false },
      { version: 1, controllers: ["memory"], mountPoint: "/tmp/memory rw", path: "/b", dir: "/tmp/memory rw/b", readOnly: false },
    ]);
    expect(parseMountinfo(mounts)[1]).toMatchObject({ mountPoint: "/tmp/my cgroup", readOnly: true });
  });
});

describe("modes", () => {
  test("a read-only v2 mount is read-only, saying why", () => {
    const found = detectCgroups({ proc: { mountinfo: "1 0 0:30 / /sys/fs/cgroup ro,relatime - cgroup2 cgroup2 rw", cgroup: "0::/" } });
    expect(found.mode).toBe("read-only");
    expect(found.reason).toBe("/sys/fs/cgroup is mounted read-only");
    expect(found.description).toStartWith("cgroup v2 at /sys/fs/cgroup, bosun's cgroup / (");
  });

  test("no cgroup mount, or none that shows bosun's cgroup, is none", () => {
    expect(detectCgroups({ proc: { mountinfo: "31 23 0:28 / /sys/fs/cgroup rw - tmpfs tmpfs rw", cgroup: "0::/" } })).toMatchObject({
      mode: "none",
      reason: "no cgroup filesystem is mounted",
    });
    expect(detectCgroups({ proc: { mountinfo: "9 1 0:30 /elsewhere /sys/fs/cgroup rw - cgroup2 cgroup2 rw", cgroup: "0::/" } })).toMatchObject({
      mode: "none",
      reason: "no cgroup mount shows bosun's own cgroup",
    });
  });

  test("v1 where its hierarchies hold the controllers; v2 when asked for, with tracking only", () => {
    const proc = { mountinfo: HYBRID_MOUNTS, cgroup: HYBRID_CGROUP.replace("/process_api/abc", "/") };
    const v1 = detectCgroups({ proc });
    expect(v1.mode).toBe("v1");
    expect(v1.description).toBe("cgroup v1 at /sys/fs/cgroup (cpu cpuacct freezer memory pids); the cgroup2 mount at /sys/fs/cgroup/unified is not used (it holds no controllers)");
    const v2 = detectCgroups({ proc, prefer: "v2" });
    expect(v2.mode).toBe("v2");
    expect(v2.description).toBe("cgroup v2 at /sys/fs/cgroup/unified, bosun's cgroup / (no controllers: kill-all and tracking only, no limits)");
  });

  test("this machine: detected from its own /proc, never guessed", () => {
    const found = detectCgroups();
    expect(["v2", "v1"]).toContain(found.mode);
    expect(found.reason).toBeNull();
    if (found.mode === "v1") expect(found.v1.length).toBeGreaterThan(0);
  });
});
