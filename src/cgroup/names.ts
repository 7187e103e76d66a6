/**
 * @module cgroup/names
 * Names of the cgroups bosun makes. An instance directory belongs to one running bosun:
 * `bosun-<pid>-<random>`, so two bosuns under one parent cgroup never meet (the pid alone is
 * not enough: every container's bosun is pid 1). Inside it, `supervisor` holds bosun itself
 * (v2) and each run of a service gets `<name>.service`; when an earlier run's cgroup could not
 * be removed yet (a process stuck past SIGKILL), the next run gets `<name>.service.2` and so on.
 * No service name can produce `supervisor` (no dot) or a cgroupfs interface file
 * (`memory.max`, `cgroup.procs`: none ends in `.service`).
 */
import { randomBytes } from "node:crypto";

/** The instance directory of this bosun. */
export function instanceName(pid: number = process.pid): string {
  return `bosun-${pid}-${randomBytes(4).toString("hex")}`;
}

/** The directory bosun itself moves into on cgroup v2 (a leaf, so its parent may hand out controllers). */
export const SUPERVISOR_LEAF = "supervisor";

/** The kernel's limit on one path component, in bytes. */
const NAME_MAX = 255;

/**
 * The cgroup directory of one run of a service; `attempt` counts names already taken by runs
 * that could not be removed yet. Characters the kernel refuses or a reader would stumble on
 * (control characters, `%` itself) are written `%XX`; an over-long name keeps its start and a
 * hash of the whole.
 *
 * @example
 * serviceDirName("web", 1) // "web.service"
 * serviceDirName("web", 2) // "web.service.2"
 * serviceDirName("job@a\nb", 1) // "job@a%0Ab.service"
 */
export function serviceDirName(service: string, attempt: number): string {
  let base = service.replace(/[\x00-\x1f\x7f%]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, "0")}`);
  const suffix = `.service${attempt > 1 ? `.${attempt}` : ""}`;
  if (Buffer.byteLength(base + suffix) > NAME_MAX) {
    const hash = Bun.hash(service).toString(16);
    let head = base;
    while (Buffer.byteLength(`${head}~${hash}${suffix}`) > NAME_MAX) head = head.slice(0, -1);
    base = `${head}~${hash}`;
  }
  return base + suffix;
}
