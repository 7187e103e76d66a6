/**
 * @module cgroup/detect
 * Which cgroups bosun can use, found at boot from /proc/self/cgroup and /proc/self/mountinfo:
 * - `v2`: the unified hierarchy, when bosun's cgroup there offers a controller bosun uses, or
 *   when no v1 hierarchy has one (current hosts, and containers with a private cgroup
 *   namespace);
 * - `v1`: otherwise, when v1 hierarchies with controllers are mounted (older hosts, and the
 *   "hybrid" layout whose cgroup2 mount beside them holds no controllers);
 * - `read-only`: mounted, but bosun may not make cgroups there (an unprivileged container);
 * - `none`: no cgroup filesystem shows bosun's cgroup.
 * `description` is the one line for bosun's log, `bosun info` and /metrics.
 */
import { accessSync, constants, readFileSync } from "node:fs";
import { dirname } from "node:path";
import { parseMountinfo, parseProcCgroup, reachable, type Hierarchy } from "./mounts.ts";
import type { CgroupMode } from "./types.ts";
import { V1_CONTROLLERS } from "./v1.ts";
import { controllersOf, V2_CONTROLLERS } from "./v2.ts";

/** What detection found. */
export interface Detected {
  mode: CgroupMode;
  /** The unified hierarchy, when it is the one to use (mode v2, or read-only v2). */
  v2: Hierarchy | null;
  /** The v1 hierarchies bosun may write (mode v1). */
  v1: Hierarchy[];
  description: string;
  /** For read-only and none: why bosun cannot make cgroups, for the refusal of a service that needs them. */
  reason: string | null;
}

/** How to detect: a driver to prefer on a host with both, and the /proc texts (for tests). */
export interface DetectOptions {
  /** `v2` uses the unified hierarchy even where v1 holds the controllers (tracking and kill-all, no limits). */
  prefer?: "v2" | "v1";
  proc?: { mountinfo: string; cgroup: string };
}

/** Why bosun may not make a cgroup in `h`, or null when it may. */
function notWritable(h: Hierarchy): string | null {
  if (h.readOnly) return `${h.mountPoint} is mounted read-only`;
  try {
    accessSync(h.dir, constants.W_OK);
    return null;
  } catch (e) {
    return `bosun may not write ${h.dir} (${(e as { code?: string }).code ?? "EACCES"})`;
  }
}

/**
 * Detects the cgroup layout bosun is in.
 *
 * @example
 * detectCgroups().description // "cgroup v2 at /sys/fs/cgroup, bosun's cgroup / (controllers: cpu io memory pids)"
 */
export function detectCgroups(opts: DetectOptions = {}): Detected {
  const proc = opts.proc ?? { mountinfo: readFileSync("/proc/self/mountinfo", "utf8"), cgroup: readFileSync("/proc/self/cgroup", "utf8") };
  const { v2, v1: all } = reachable(parseMountinfo(proc.mountinfo), parseProcCgroup(proc.cgroup));
  const v1 = all.filter((h) => h.controllers.some((c) => V1_CONTROLLERS.includes(c)));
  const v2Controllers = v2 ? controllersOf(v2.dir).filter((c) => V2_CONTROLLERS.includes(c)) : [];
  // v2 first: it wins unless v1 holds the controllers and v2 has none (or v1 is asked for)
  const useV2 = v2 !== null && (v1.length === 0 || (opts.prefer ? opts.prefer === "v2" : v2Controllers.length > 0));

  if (useV2) {
    const controllers = v2Controllers.length > 0 ? `controllers: ${v2Controllers.join(" ")}` : "no controllers: kill-all and tracking only, no limits";
    const where = `cgroup v2 at ${v2.mountPoint}, bosun's cgroup ${v2.path} (${controllers})`;
    const why = notWritable(v2);
    return why === null
      ? { mode: "v2", v2, v1: [], description: where, reason: null }
      : { mode: "read-only", v2, v1: [], description: `${where}: read-only, ${why}`, reason: why };
  }
  if (v1.length > 0) {
    const beside = v2 ? `; the cgroup2 mount at ${v2.mountPoint} is not used (it holds no controllers)` : "";
    const parents = [...new Set(v1.map((h) => dirname(h.mountPoint)))];
    const controllers = v1.flatMap((h) => h.controllers).sort().join(" ");
    const where = `cgroup v1 at ${parents.join(", ")} (${controllers})${beside}`;
    const writable = v1.filter((h) => notWritable(h) === null);
    if (writable.length > 0) {
      const skipped = v1.filter((h) => !writable.includes(h)).map((h) => `${h.controllers.join(",")}: ${notWritable(h)}`);
      const description = skipped.length > 0 ? `${where}; not used: ${skipped.join("; ")}` : where;
      return { mode: "v1", v2: null, v1: writable, description, reason: null };
    }
    const why = notWritable(v1[0]!);
    return { mode: "read-only", v2: null, v1: [], description: `${where}: read-only, ${why}`, reason: why };
  }
  const why = parseMountinfo(proc.mountinfo).length > 0 ? "no cgroup mount shows bosun's own cgroup" : "no cgroup filesystem is mounted";
  return { mode: "none", v2: null, v1: [], description: why, reason: why };
}
