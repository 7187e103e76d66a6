/**
 * @module control/answers
 * Every answer bosun gives on the control socket, as valibot schemas: the server shapes its
 * JSON to them and the client parses with them, so a server and a client of different versions
 * disagree loudly rather than silently. Apart from the requests (control/schemas.ts, which
 * re-exports these) so a control command loads what it parses and nothing of the server's.
 */
import * as v from "valibot";
import { DepKind, ServiceType } from "../config/names.ts";
import { ErrorCode } from "../supervisor/failure.ts";
import { VerdictJson } from "../supervisor/verdict-json.ts";

const State = v.picklist(["stopped", "starting", "started", "stopping"]);
const Target = v.picklist(["started", "stopped"]);
const Reason = v.picklist(["normal", "dep-restart", "dep-failed", "failed", "exec-failed", "timed-out", "terminated"]);
const Exit = v.object({ code: v.nullable(v.number()), signal: v.nullable(v.string()) });
const Failure = v.object({ stage: v.string(), errno: v.nullable(v.string()), message: v.string() });
/** bosun's explanation beside the stop reason (engine's Cause). */
const Cause = v.picklist(["oom-killed", "unhealthy"]);
/** How a scheduled service's run ended (engine's RunResult). */
const RunResult = v.picklist(["ok", "failed", "timed-out", "exec-failed", "stopped"]);

/** A scheduled service's run that has ended. Times are Unix ms. */
const FinishedRunJson = v.object({
  number: v.number(),
  byHand: v.boolean(),
  start: v.number(),
  end: v.number(),
  result: RunResult,
  exit: v.nullable(Exit),
  failure: v.nullable(Failure),
});

/** A scheduled service's schedule, next due time, runs and counts (engine's TaskStatus); null for other services. */
export const TaskJson = v.object({
  schedule: v.string(),
  /** The IANA timezone the schedule is read in; null = bosun's local time. */
  timezone: v.nullable(v.string()),
  /** When the next run starts (Unix ms); null while the task is not started or its schedule has ended. */
  next: v.nullable(v.number()),
  running: v.nullable(v.object({ number: v.number(), start: v.number(), byHand: v.boolean() })),
  queued: v.boolean(),
  last: v.nullable(FinishedRunJson),
  runs: v.number(),
  failures: v.number(),
  skipped: v.number(),
  results: v.object({ ok: v.number(), failed: v.number(), "timed-out": v.number(), "exec-failed": v.number(), stopped: v.number() }),
});
export type TaskJson = v.InferOutput<typeof TaskJson>;

/** A run event beside the state changes on `/v1/events` (engine's RunEvent). */
const RunEventJson = v.object({
  phase: v.picklist(["started", "ended", "skipped", "queued"]),
  number: v.number(),
  byHand: v.boolean(),
  fromQueue: v.boolean(),
  start: v.nullable(v.number()),
  result: v.nullable(RunResult),
});

/** What a service's cgroup says it uses now (cgroup/usage.ts); a figure its controllers cannot give is null. */
const UsageJson = v.object({
  memory: v.nullable(v.number()),
  memoryMax: v.nullable(v.number()),
  cpuSeconds: v.nullable(v.number()),
  pids: v.nullable(v.number()),
});

/** One service in `GET /v1/services` (and the head of a status). */
export const ServiceJson = v.object({
  name: v.string(),
  state: State,
  target: Target,
  activated: v.boolean(),
  pinned: v.nullable(Target),
  pid: v.nullable(v.number()),
  type: ServiceType,
  exit: v.nullable(Exit),
  reason: v.nullable(Reason),
  cause: v.nullable(Cause),
  failure: v.nullable(Failure),
  restarts: v.number(),
  /** Memory, CPU time and processes of its cgroup, read when asked; null without one (or not running). */
  usage: v.nullable(UsageJson),
  /** OOM kills in its cgroups since bosun started; null when none of them could count. */
  oomKills: v.nullable(v.number()),
  task: v.nullable(TaskJson),
});
export type ServiceJson = v.InferOutput<typeof ServiceJson>;

/** `GET /v1/services`. */
export const ServiceList = v.array(ServiceJson);

/** A service's health check as `status` shows it (supervisor/status.ts HealthView). */
export const HealthJson = v.object({
  state: v.picklist(["starting", "healthy", "unhealthy"]),
  /** Consecutive failures that counted. */
  failures: v.number(),
  /** Unix ms the last finished check began. */
  lastCheck: v.nullable(v.number()),
  /** How long it took (ms). */
  duration: v.nullable(v.number()),
  /** What it said, trimmed. */
  output: v.nullable(v.string()),
  /** Checks run now (the service's process is up); otherwise the fields are the last run's. */
  checking: v.boolean(),
  /** Finished checks by outcome. */
  checks: v.object({ success: v.number(), failure: v.number(), timeout: v.number() }),
});
export type HealthJson = v.InferOutput<typeof HealthJson>;

const Edge = v.object({ kind: DepKind, name: v.string(), state: v.nullable(State) });

/** `GET /v1/services/:name`: the list item plus everything an operator asks about one service. */
export const StatusJson = v.object({
  ...ServiceJson.entries,
  /** Seconds since it last reached started; null when not started. */
  uptime: v.nullable(v.number()),
  triggered: v.boolean(),
  readiness: v.nullable(v.picklist(["waiting", "ready"])),
  health: v.nullable(HealthJson),
  statusText: v.nullable(v.string()),
  file: v.nullable(v.string()),
  fileChanged: v.boolean(),
  depends: v.array(Edge),
  dependents: v.array(Edge),
  logProblem: v.nullable(v.string()),
});
export type StatusJson = v.InferOutput<typeof StatusJson>;

/** One server-sent event of `GET /v1/events` (event name `state`). */
export const EventJson = v.object({
  seq: v.number(),
  time: v.number(),
  service: v.string(),
  from: State,
  state: State,
  target: Target,
  reason: v.nullable(Reason),
  exit: v.nullable(Exit),
  cause: v.nullable(Cause),
  failure: v.nullable(Failure),
  note: v.nullable(v.string()),
  /** Set on a scheduled service's run events, which change no state (`from` = `state`). */
  run: v.nullable(RunEventJson),
});
export type EventJson = v.InferOutput<typeof EventJson>;

/** Every non-2xx answer: a code a script can branch on and a message a person can act on. */
export const ErrorJson = v.object({
  error: v.object({
    code: ErrorCode,
    message: v.string(),
    /** The request field at fault (for `invalid`), e.g. `body.signal`. */
    field: v.optional(v.string()),
    /** For a refused stop: the started hard dependents. */
    dependents: v.optional(v.array(v.string())),
  }),
});
export type ErrorJson = v.InferOutput<typeof ErrorJson>;

/** One service's reload: what applies at once, what waits for its next start, who restarts with it. */
const ReloadChangeJson = v.object({
  service: v.string(),
  now: v.array(v.string()),
  restartNeeded: v.array(v.string()),
  restartsWith: v.array(v.string()),
});
export type ReloadChangeJson = v.InferOutput<typeof ReloadChangeJson>;

/** What a reload would do (`--plan`): the changes, what would start or stop at once, what is refused. */
const ReloadPlanJson = v.object({
  changes: v.array(ReloadChangeJson),
  start: v.array(v.string()),
  stop: v.array(v.string()),
  refused: v.array(v.object({ service: v.string(), reason: v.string() })),
});

/** The answer to an action: the service afterwards, and for reload what it did or, with --plan, would do. */
export const ActionResult = v.object({
  ok: v.literal(true),
  service: v.nullable(StatusJson),
  /** A stop that takes the main service down: bosun ends with it. */
  endsBosun: v.optional(v.boolean()),
  reloaded: v.optional(v.object({ ...ReloadChangeJson.entries, start: v.array(v.string()), stop: v.array(v.string()) })),
  /** For `run`: the run's number, and whether it waits for the run going. */
  run: v.optional(v.object({ number: v.number(), queued: v.boolean() })),
  plan: v.optional(ReloadPlanJson),
});
export type ActionResult = v.InferOutput<typeof ActionResult>;

/** `GET /v1/info`: bosun itself. */
export const InfoJson = v.object({
  version: v.string(),
  pid: v.number(),
  startedAt: v.number(),
  socket: v.nullable(v.string()),
  healthListen: v.nullable(v.string()),
  dirs: v.array(v.string()),
  bootServices: v.array(v.string()),
  reaping: v.picklist(["pid1", "subreaper", "none"]),
  reapedOrphans: v.number(),
  services: v.number(),
  shuttingDown: v.boolean(),
  drainDelay: v.number(),
  stopGrace: v.nullable(v.number()),
  /** The cgroup layout bosun found (`v2`, `v1`, `read-only`, `none`), and what it means for services. */
  cgroups: v.object({
    mode: v.picklist(["v2", "v1", "read-only", "none"]),
    description: v.string(),
    bestEffort: v.boolean(),
    instance: v.string(),
  }),
});
export type InfoJson = v.InferOutput<typeof InfoJson>;

/** `GET`/`POST /v1/env`: the environment later launches inherit. */
export const EnvJson = v.object({ env: v.record(v.string(), v.string()) });

/** The answer of `GET /v1/health` and `GET /v1/health/:name`: ok, and per service why not. */
export const ProbeJson = VerdictJson;
export type ProbeJson = v.InferOutput<typeof ProbeJson>;

/** `GET /v1/services/:name/logs` without follow: the newest lines, oldest first. */
export const LogsJson = v.object({
  lines: v.array(v.string()),
  /** Where the output is instead, when bosun keeps none of it (log-type pipe or none). */
  elsewhere: v.optional(v.nullable(v.string())),
});

/** One line of `logs?follow` (event name `line`); `stream` is null for the lines of the opening tail. */
export const LogLineJson = v.object({ line: v.string(), stream: v.nullable(v.picklist(["stdout", "stderr"])) });
