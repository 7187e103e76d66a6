/**
 * @module control/types
 * What the control layer needs from a running daemon. daemon.ts builds this object; the Hono
 * app, the TCP probe server and the metrics read it and nothing else.
 */
import type { ServiceDescription } from "../config/schema.ts";
import type { Engine } from "../engine/types.ts";
import type { LogRouter } from "../log/types.ts";

/** Per-service facts only the process layer knows (the engine stays pure). */
export interface RuntimeInfo {
  /** Readiness protocol state: null when the service has none. */
  readiness: "waiting" | "ready" | null;
  /** Health check state (a later issue fills it): null when the service has none. */
  health: { status: "starting" | "healthy" | "unhealthy"; failures: number; lastError: string | null } | null;
  /** Last STATUS= from sd_notify, if any. */
  statusText: string | null;
}

/** The daemon as the control layer sees it. */
export interface ControlContext {
  engine: Engine;
  logs: LogRouter;
  /** The daemon environment later launches inherit (setenv/unsetenv change it). */
  env: Map<string, string>;
  /** Service directories in search order (enable/disable write waits-for.d links there). */
  dirs: string[];
  /** Re-reads one service's description from disk (reload); throws the loader's error. */
  loadFromDisk(name: string): ServiceDescription;
  /** True when the service's file changed on disk since it was loaded. */
  fileChanged(name: string): boolean;
  runtime(name: string): RuntimeInfo;
  /** The services `boot` was asked to start (for /startupz and /readyz). */
  bootServices: string[];
  /** Counters for /metrics and status. */
  stats(): { reapedOrphans: number; startedAt: number };
  /** Begin an orderly shutdown of the whole daemon. */
  shutdown(): void;
  /** The engine clock's time in ms (for uptime against `ServiceStatus.since`); Date.now when absent. */
  now?(): number;
}
