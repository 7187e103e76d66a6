/**
 * @module supervisor/status
 * What the supervisor knows about one service beyond the engine's record: the process layer's
 * readiness and sd_notify STATUS=, the health check's state, the file it came from and whether
 * that changed, the log sink's problem, and the states of its neighbours. The control layer
 * turns this report into the JSON of `status`.
 */
import type { DepKind } from "../config/schema.ts";
import type { ServiceState, ServiceStatus } from "../engine/types.ts";
import type { CheckOutcome, HealthState } from "../health/types.ts";
import type { ProcessRuntime, Resources } from "../process/run.ts";

/** Health of a service with a check; null in ServiceRuntime when it has none. */
export interface HealthView {
  state: HealthState;
  /** Consecutive failures that counted. */
  failures: number;
  /** Unix ms the last finished check began; null before the first. */
  lastCheck: number | null;
  /** How long it took (ms). */
  duration: number | null;
  /** What it said (a command's output, trimmed; `HTTP 503`; why a connection failed). */
  output: string | null;
  /** Checks run now (while the service's process is up); the rest is the last run's. */
  checking: boolean;
  /** Finished checks by outcome, over every run. */
  checks: Record<CheckOutcome, number>;
}

/** Per-service facts outside the engine (which stays pure): the process layer's, and the health check's. */
export interface ServiceRuntime extends ProcessRuntime {
  health: HealthView | null;
}

/** A neighbour in the dependency graph, with its state (null when not loaded). */
export interface Neighbour {
  kind: DepKind;
  name: string;
  state: ServiceState | null;
}

/** Everything `status` shows about one service. */
export interface ServiceReport {
  status: ServiceStatus;
  runtime: ServiceRuntime;
  /** What its cgroups say it uses. */
  resources: Resources;
  /** The description's file; null for an ad-hoc service. */
  file: string | null;
  /** The file changed on disk since the description the engine holds was read. */
  fileChanged: boolean;
  /** The log sink's current problem (unwritable file, full disk). */
  logProblem: string | null;
  depends: Neighbour[];
  dependents: Neighbour[];
  /** Seconds since it last reached started; null when not started. */
  uptime: number | null;
}

/**
 * Seconds since the service last reached started, or null when it is not started.
 *
 * @example
 * uptimeSeconds(status, clock.now()) // 12.5
 */
export function uptimeSeconds(s: ServiceStatus, now: number): number | null {
  if (s.state !== "started" || s.since === null) return null;
  return Math.max(0, (now - s.since) / 1000);
}
