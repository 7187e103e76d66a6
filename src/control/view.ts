/**
 * @module control/view
 * Turns what the supervisor reports about a service into the JSON the control API answers
 * with (shapes in control/schemas.ts).
 */
import type { ServiceEvent, ServiceStatus } from "../engine/types.ts";
import type { ServiceReport } from "../supervisor/status.ts";
import type { EventJson, ServiceJson, StatusJson } from "./schemas.ts";

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
    cause: s.cause,
    failure: s.failure,
    restarts: s.restarts,
    task: s.task,
  };
}

/** The full status of a service. */
export function statusJson(r: ServiceReport): StatusJson {
  return {
    ...serviceJson(r.status),
    uptime: r.uptime,
    triggered: r.status.triggered,
    readiness: r.runtime.readiness,
    health: r.runtime.health,
    statusText: r.runtime.statusText,
    file: r.file,
    fileChanged: r.fileChanged,
    depends: r.depends,
    dependents: r.dependents,
    logProblem: r.logProblem,
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
    cause: e.cause,
    failure: e.failure,
    note: e.note,
    run: e.run,
  };
}
