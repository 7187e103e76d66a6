/**
 * @module cgroup/mounts
 * Where the cgroup hierarchies are and where bosun sits in them, read from the kernel's own
 * accounts rather than guessed: /proc/self/cgroup names bosun's cgroup in each hierarchy
 * (`0::/path` for v2, `N:memory:/path` for v1), /proc/self/mountinfo says where each hierarchy
 * is mounted, from which root (a container may see only its own subtree), and whether that
 * mount is read-only. Pure parsers over the texts, so every layout can be tested.
 */

/** One cgroup filesystem mount from /proc/self/mountinfo. */
export interface CgroupMount {
  version: 1 | 2;
  /** Where it is mounted. */
  mountPoint: string;
  /** Which cgroup of the hierarchy appears at the mount point (`/` unless a subtree is mounted). */
  root: string;
  /** Mounted read-only (the mount's or the filesystem's flags). */
  readOnly: boolean;
  /** The v1 mount's options (controllers such as `cpu`, `cpuacct`, `name=systemd`, and flags). */
  options: string[];
}

/** One line of /proc/self/cgroup: a hierarchy, its v1 controllers ([] for v2), bosun's path in it. */
export interface Membership {
  hierarchy: number;
  controllers: string[];
  path: string;
}

/** A hierarchy bosun can use: its controllers, where bosun's cgroup is in the filesystem. */
export interface Hierarchy {
  version: 1 | 2;
  /** v1 controllers of this hierarchy (`["cpu", "cpuacct"]` when co-mounted); [] for v2. */
  controllers: string[];
  mountPoint: string;
  /** bosun's cgroup as /proc/self/cgroup names it. */
  path: string;
  /** bosun's cgroup as a directory. */
  dir: string;
  readOnly: boolean;
}

/** mountinfo escapes space, tab, newline and backslash as octal (`\040`). */
function unescape(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_, oct: string) => String.fromCharCode(parseInt(oct, 8)));
}

/**
 * The cgroup and cgroup2 mounts in a mountinfo text.
 *
 * @example
 * parseMountinfo("41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw")
 * // [{ version: 2, mountPoint: "/sys/fs/cgroup/unified", root: "/", readOnly: false, options: ["rw"] }]
 */
export function parseMountinfo(text: string): CgroupMount[] {
  const mounts: CgroupMount[] = [];
  for (const line of text.split("\n")) {
    const sep = line.indexOf(" - ");
    if (sep < 0) continue;
    const before = line.slice(0, sep).split(" ");
    const [fstype, , superOptions = ""] = line.slice(sep + 3).split(" ");
    if (fstype !== "cgroup" && fstype !== "cgroup2") continue;
    const mountOptions = (before[5] ?? "").split(",");
    const options = superOptions.split(",");
    mounts.push({
      version: fstype === "cgroup2" ? 2 : 1,
      mountPoint: unescape(before[4] ?? ""),
      root: unescape(before[3] ?? "/"),
      readOnly: mountOptions.includes("ro") || options.includes("ro"),
      options,
    });
  }
  return mounts;
}

/**
 * The lines of /proc/self/cgroup.
 *
 * @example
 * parseProcCgroup("4:memory:/a\n0::/b")
 * // [{ hierarchy: 4, controllers: ["memory"], path: "/a" }, { hierarchy: 0, controllers: [], path: "/b" }]
 */
export function parseProcCgroup(text: string): Membership[] {
  const out: Membership[] = [];
  for (const line of text.split("\n")) {
    const m = /^(\d+):([^:]*):(.*)$/.exec(line);
    if (!m) continue;
    out.push({ hierarchy: Number(m[1]), controllers: m[2] === "" ? [] : m[2]!.split(","), path: m[3]! });
  }
  return out;
}

/**
 * bosun's cgroup as a directory under a mount, or null when the mount does not show it (a
 * subtree mounted that lies elsewhere, or a path outside the cgroup namespace: `/..`).
 */
function dirUnder(mount: CgroupMount, path: string): string | null {
  if (path.startsWith("/..")) return null;
  const root = mount.root === "/" ? "" : mount.root;
  if (path !== root && !path.startsWith(`${root}/`)) return null;
  const rest = path.slice(root.length);
  return rest === "" || rest === "/" ? mount.mountPoint : `${mount.mountPoint}${rest}`;
}

/**
 * The hierarchies bosun is in and can reach through a mount: v2 (at most one) and the v1
 * hierarchies with controllers (named ones such as `name=systemd` carry none and are left
 * out). Where several mounts show a hierarchy, a writable one wins.
 *
 * @example
 * const { v2, v1 } = reachable(parseMountinfo(mountinfo), parseProcCgroup(cgroup));
 */
export function reachable(mounts: CgroupMount[], membership: Membership[]): { v2: Hierarchy | null; v1: Hierarchy[] } {
  const pick = (candidates: CgroupMount[], path: string): { mount: CgroupMount; dir: string } | null => {
    const found = candidates.flatMap((mount) => {
      const dir = dirUnder(mount, path);
      return dir === null ? [] : [{ mount, dir }];
    });
    return found.find((f) => !f.mount.readOnly) ?? found[0] ?? null;
  };
  let v2: Hierarchy | null = null;
  const v1: Hierarchy[] = [];
  for (const m of membership) {
    if (m.hierarchy === 0) {
      const hit = pick(mounts.filter((x) => x.version === 2), m.path);
      if (hit) v2 = { version: 2, controllers: [], mountPoint: hit.mount.mountPoint, path: m.path, dir: hit.dir, readOnly: hit.mount.readOnly };
      continue;
    }
    const controllers = m.controllers.filter((c) => !c.startsWith("name="));
    if (controllers.length === 0) continue;
    const hit = pick(mounts.filter((x) => x.version === 1 && controllers.every((c) => x.options.includes(c))), m.path);
    if (hit) v1.push({ version: 1, controllers, mountPoint: hit.mount.mountPoint, path: m.path, dir: hit.dir, readOnly: hit.mount.readOnly });
  }
  return { v2, v1 };
}
