/**
 * @module config/kinds
 * What each service type runs. The loader's checks, `check`'s lint, the engine and the process
 * layer all ask here, so "does this type have a process" has one answer.
 */
import type { ServiceType } from "./schema.ts";

/**
 * Whether a service of this type runs a command (process, bgprocess, scripted); internal and
 * triggered services only group and order others.
 *
 * @example
 * runsAProcess("scripted"); // true
 * runsAProcess("internal"); // false
 */
export function runsAProcess(type: ServiceType): boolean {
  return type === "process" || type === "bgprocess" || type === "scripted";
}

/**
 * Whether a service is a task: a scripted or process service with a `schedule`, which is
 * started without running anything and runs its command at each due time. (`check` reports a
 * schedule on any other type; such a service runs as its type says.)
 *
 * @example
 * runsOnSchedule({ type: "scripted", schedule: "@hourly" }); // true
 * runsOnSchedule({ type: "bgprocess", schedule: "@hourly" }); // false
 */
export function runsOnSchedule(d: { type: ServiceType; schedule: string | null }): boolean {
  return d.schedule !== null && (d.type === "scripted" || d.type === "process");
}

/**
 * Whether a service runs once: a scripted service with `options = run-once`, whose start,
 * once it succeeded, stands until it is stopped by hand or bosun shuts down (`check` reports
 * the option on any other type, which ignores it).
 *
 * @example
 * runsOnce({ type: "scripted", options: ["run-once"] }); // true
 */
export function runsOnce(d: { type: ServiceType; options: readonly string[] }): boolean {
  return d.type === "scripted" && d.options.includes("run-once");
}
