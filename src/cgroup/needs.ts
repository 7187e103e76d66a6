/**
 * @module cgroup/needs
 * Which of a service's settings need cgroups: the limits and `run-in-cgroup`. The manager
 * refuses (or, best-effort, warns about) exactly these where cgroupfs is read-only or absent,
 * and `bosun check` names them as the settings that need a writable cgroup filesystem.
 */
import type { ServiceDescription } from "../config/schema.ts";
import { LIMIT_SETTINGS } from "./limits.ts";

/**
 * The settings of `desc` that need a writable cgroup filesystem, as users write them.
 *
 * @example
 * cgroupSettings(describe({ name: "web", cgroup: { ...none, memoryMax: 1 << 29 } })) // ["memory-max"]
 */
export function cgroupSettings(desc: ServiceDescription): string[] {
  const names = (Object.keys(LIMIT_SETTINGS) as (keyof typeof LIMIT_SETTINGS)[]).filter((k) => desc.cgroup[k] !== null).map((k) => LIMIT_SETTINGS[k]);
  if (desc.runInCgroup !== null) names.push("run-in-cgroup");
  return names;
}
