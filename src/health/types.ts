/**
 * @module health/types
 * The health layer's boundary: a probe is one check of one service (a command, an HTTP GET, a
 * TCP connect) that settles with a result; a monitor runs a service's probe on a schedule and
 * reports each result with the service's health. A command probe needs a process spawned as
 * the service would be (its identity, limits, cgroup and namespaces): that is the process
 * layer's work, handed in as a `SpawnProbe`.
 */
import type { ExitStatus, LaunchFailure } from "../engine/types.ts";

/** A service's health: `starting` until the first healthy probe or until failures count. */
export type HealthState = "starting" | "healthy" | "unhealthy";

/** What one check came to (the `result` label of `bosun_health_checks_total`). */
export type CheckOutcome = "success" | "failure" | "timeout";

/** One probe's verdict and what it said: the command's output, `HTTP 503`, `connection refused`. */
export interface CheckResult {
  ok: boolean;
  /** Trimmed to a few hundred bytes; may be empty (a silent command that exited 0). */
  text: string;
}

/**
 * One check. It settles once the check is over and nothing of it is left running; when
 * `signal` aborts (the timeout, or the monitor ending) it stops the check at once (kills the
 * command's process group, aborts the request, drops the connection) and settles.
 */
export type Probe = (signal: AbortSignal) => Promise<CheckResult>;

/** A probe command as the process layer spawned it. */
export interface ProbeChild {
  /** Leads a process group of its own (spawned detached), so its whole group can be killed. */
  pid: number;
  /** Resolves once the child has been reaped. */
  exited: Promise<ExitStatus>;
  /** Its stdout and stderr pipes (null when not piped); the probe reads them to the end. */
  stdout: ReadableStream<Uint8Array> | null;
  stderr: ReadableStream<Uint8Array> | null;
}

/**
 * Spawns a health command the way the service itself runs (identity, limits, cgroup,
 * namespaces, environment, working directory), detached, with stdin closed and stdout and
 * stderr piped; a launch that fails before the program runs is a value, as for a service.
 */
export type SpawnProbe = (argv: string[]) => ProbeChild | LaunchFailure;

/** A service's health as `status` shows it. */
export interface HealthStatus {
  state: HealthState;
  /** Consecutive failures that counted (failures during the start period do not). */
  failures: number;
  /** Clock time (ms) the last finished check began; null before the first one. */
  lastCheck: number | null;
  /** How long the last finished check took (ms): up to its timeout. */
  duration: number | null;
  /** What the last finished check said (see CheckResult.text). */
  text: string | null;
}

/** Delivered after every finished check, with the health it leaves the service in. */
export interface HealthUpdate {
  status: HealthStatus;
  outcome: CheckOutcome;
  /** Set when this check changed the state. */
  change: { from: HealthState; to: HealthState } | null;
}
