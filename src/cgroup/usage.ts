/**
 * @module cgroup/usage
 * What a service's cgroup says it uses, for `status`, `list --json` and /metrics, and the one
 * wording of it: `memory 41.2M (max 512M) · cpu 3.1s · pids 4`. A figure the cgroup cannot
 * give (no memory controller on this hierarchy, say) is null and left out of the line.
 */
import { formatSize } from "../config/units.ts";

/** A service cgroup's current use. */
export interface Usage {
  /** Bytes charged to the cgroup now. */
  memory: number | null;
  /** Its memory limit in bytes; null when unlimited or unknown. */
  memoryMax: number | null;
  /** CPU time used by all its processes, past and present, in seconds. */
  cpuSeconds: number | null;
  /** Processes in it now. */
  pids: number | null;
}

/**
 * One line for people; empty when nothing is known.
 *
 * @example
 * describeUsage({ memory: 43200000, memoryMax: 536870912, cpuSeconds: 3.14, pids: 4 })
 * // "memory 41.2M (max 512M) · cpu 3.1s · pids 4"
 */
export function describeUsage(u: Usage): string {
  const parts: string[] = [];
  if (u.memory !== null) parts.push(`memory ${formatSize(u.memory)}${u.memoryMax !== null ? ` (max ${formatSize(u.memoryMax)})` : ""}`);
  if (u.cpuSeconds !== null) parts.push(`cpu ${u.cpuSeconds.toFixed(1)}s`);
  if (u.pids !== null) parts.push(`pids ${u.pids}`);
  return parts.join(" · ");
}

/** v1 reports "no limit" as the largest page-aligned counter value (9223372036854771712). */
export function limitOrNull(bytes: number | null): number | null {
  return bytes === null || bytes >= 2 ** 62 ? null : bytes;
}
