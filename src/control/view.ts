/**
 * @module control/view
 * Turns what the engine and the daemon know about a service into the JSON the control API
 * answers with (shapes in control/schemas.ts).
 */
import type { ServiceEvent, ServiceStatus } from "../engine/types.ts";
import type { EventJson, ServiceJson, StatusJson } from "./schemas.ts";
import type { ControlContext } from "./types.ts";

/** The list item of a service. */
export function serviceJson(s: ServiceStatus): ServiceJson {
  return {
    name: s.name,
    state: s.state,
    target: s.target,
    activated: s.activated,
    pinned: s.pinned,
    pid: s.pid,
    type: s.type,
    exit: s.exit,
    reason: s.reason,
    failure: s.failure,
    restarts: s.restarts,
  };
}

/**
 * Seconds since the service last reached started, or null when it is not started.
 *
 * @example
 * uptimeSeconds(ctx, status) // 12.5
 */
export function uptimeSeconds(ctx: ControlContext, s: ServiceStatus): number | null {
  if (s.state !== "started" || s.since === null) return null;
  return Math.max(0, ((ctx.now?.() ?? Date.now()) - s.since) / 1000);
}

/** The full status of a service: engine facts plus the process layer's, the file's and the log's. */
export function statusJson(ctx: ControlContext, s: ServiceStatus): StatusJson {
  const stateOf = (name: string) => ctx.engine.status(name)?.state ?? null;
  const runtime = ctx.runtime(s.name);
  return {
    ...serviceJson(s),
    uptime: uptimeSeconds(ctx, s),
    triggered: s.triggered,
    readiness: runtime.readiness,
    health: runtime.health,
    statusText: runtime.statusText,
    file: ctx.engine.description(s.name)?.file ?? null,
    fileChanged: ctx.fileChanged(s.name),
    depends: s.depends.map((d) => ({ ...d, state: stateOf(d.name) })),
    dependents: s.dependents.map((d) => ({ ...d, state: stateOf(d.name) })),
    logProblem: ctx.logs.problem(s.name),
  };
}

/** One engine event as sent on `/v1/events`. */
export function eventJson(e: ServiceEvent): EventJson {
  return {
    seq: e.seq,
    time: e.time,
    service: e.service,
    from: e.from,
    state: e.to,
    target: e.target,
    reason: e.reason,
    exit: e.exit,
    failure: e.failure,
    note: e.note,
  };
}
