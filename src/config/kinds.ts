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
