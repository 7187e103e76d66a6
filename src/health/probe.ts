/**
 * @module health/probe
 * The probe a service's health check describes: one kind per service (the loader refuses
 * two), each with its runner.
 */
import type { HealthCheck } from "../config/schema.ts";
import { commandProbe } from "./command.ts";
import { httpProbe } from "./http.ts";
import { tcpProbe } from "./tcp.ts";
import type { Probe, SpawnProbe } from "./types.ts";

/**
 * The probe for a loaded check; `spawnProbe` runs a health command as the service runs.
 *
 * @example
 * const probe = probeFor(desc.health!, (argv) => launcher.spawnProbe(desc, argv));
 */
export function probeFor(check: HealthCheck, spawnProbe: SpawnProbe): Probe {
  if (check.command) return commandProbe(check.command, spawnProbe);
  if (check.http !== null) return httpProbe(check.http);
  if (check.tcp !== null) return tcpProbe(check.tcp);
  // the loader refuses health tuning without a kind, so a loaded description never gets here
  throw new Error("a health check needs health-command, health-http or health-tcp");
}
