/**
 * @module control/schemas
 * Every shape that crosses the control socket, as valibot schemas: request bodies, params and
 * queries (checked by the server), and the responses (parsed by the client, so a server and a
 * client of different versions disagree loudly rather than silently).
 */
import * as v from "valibot";
import { DepKind, ServiceName, ServiceType } from "../config/schema.ts";
import { signalName, signalNumber } from "../process/signals.ts";
import { ErrorCode } from "../supervisor/failure.ts";
import { VerdictJson } from "../supervisor/verdict.ts";

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

// ---- requests ----

/** `:name` in a route. */
export const NameParam = v.object({ name: ServiceName });

/** The actions of `POST /v1/services/:name/:action`, each a route of its own. */
const Action = v.picklist([
  "start", "stop", "restart", "wake", "release", "unpin", "reload", "unload", "signal", "trigger",
  "untrigger", "add-dep", "rm-dep", "enable", "disable", "run",
]);

/** `:name/:action`: what a POST to an action that does not exist is checked against. */
export const ActionParams = v.object({ name: ServiceName, action: Action });

/** The dependency kinds `add-dep`/`rm-dep` change live. */
export const LiveDepKind = v.picklist(["need", "milestone", "waits-for"], "a dependency kind is need, milestone or waits-for");

/** `start`: `{pin?}`. No body at all is `{}`; unknown keys are refused, as in every body. */
export const StartBody = v.optional(v.strictObject({ pin: v.optional(v.boolean()) }, "the body is a JSON object with some of: pin"), {});
/** `stop`: `{pin?, force?}`. */
export const StopBody = v.optional(v.strictObject({ pin: v.optional(v.boolean()), force: v.optional(v.boolean()) }, "the body is a JSON object with some of: pin, force"), {});
/** `reload`: `{plan?}`: only say what a reload would do. */
export const ReloadBody = v.optional(v.strictObject({ plan: v.optional(v.boolean()) }, "the body is a JSON object with some of: plan"), {});
/** The actions that take no fields. */
export const NoBody = v.optional(v.strictObject({}, "this action takes no body fields"), {});

/** A signal by name (with or without SIG, any case) or number, as the name without SIG. */
const SignalArg = v.pipe(
  v.union(
    [
      v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(64)),
      v.pipe(v.string(), v.regex(/^(SIG)?[A-Z0-9+-]+$/i, "a signal is a name like TERM or SIGHUP, or a number")),
    ],
    "a signal is a name like TERM or SIGHUP, or a number",
  ),
  v.transform((sig) => (typeof sig === "number" ? signalName(sig) : sig.toUpperCase().replace(/^SIG/, ""))),
  v.check((name) => signalNumber(name) !== undefined, (issue) => `no signal ${String(issue.input)} on this system`),
);

/** `signal`: `{signal}`, required. */
export const SignalBody = v.strictObject({ signal: SignalArg }, "the body is a JSON object with the signal to send: {\"signal\": \"HUP\"}");
/** `add-dep`/`rm-dep`: `{kind, to}`, both required. */
export const DepBody = v.strictObject({ kind: LiveDepKind, to: v.pipe(v.string("the service depended on is required"), ServiceName) }, "the body is a JSON object with the dependency kind and target: {\"kind\": \"need\", \"to\": \"db\"}");

/** An environment variable's name, as `setenv`/`unsetenv` and `POST /v1/env` accept it. */
export const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const EnvName = v.pipe(v.string(), v.regex(ENV_NAME, "a variable name is letters, digits and '_'"));

/** `POST /v1/env`: variables to set, then names to unset. */
export const EnvBody = v.strictObject({
  set: v.optional(v.record(EnvName, v.string()), {}),
  unset: v.optional(v.array(EnvName), []),
}, "the body is a JSON object with set and/or unset");

const Flag = v.optional(v.pipe(v.picklist(["", "1", "true", "0", "false"], "a flag is 1, true, 0 or false"), v.transform((s) => s === "" || s === "1" || s === "true")), "0");

/** The most lines one logs request returns (and `bosun logs -n` accepts). */
export const MAX_LOG_LINES = 100000;

/** `GET /v1/services/:name/logs?lines=N&follow&clear`. */
export const LogsQuery = v.object({
  lines: v.optional(v.pipe(v.string(), v.regex(/^\d+$/, "lines is a whole number"), v.transform(Number), v.maxValue(MAX_LOG_LINES, `lines is at most ${MAX_LOG_LINES}`)), "100"),
  follow: Flag,
  clear: Flag,
});

/** The answer of `GET /v1/health` and `GET /v1/health/:name`: ok, and per service why not. */
export const ProbeJson = VerdictJson;
export type ProbeJson = v.InferOutput<typeof ProbeJson>;

/** `--health-listen`: `HOST:PORT`, `[v6]:PORT` or `:PORT` (all interfaces). */
export const HostPort = v.pipe(
  v.string(),
  v.regex(/^(\[[0-9a-fA-F:.]+\]|[^:\s]*):\d{1,5}$/, "--health-listen is HOST:PORT, [IPv6]:PORT or :PORT"),
  v.transform((s) => {
    const at = s.lastIndexOf(":");
    const host = s.slice(0, at).replace(/^\[|\]$/g, "");
    return { hostname: host || "0.0.0.0", port: Number(s.slice(at + 1)) };
  }),
  v.check((a) => a.port <= 65535, "--health-listen port is at most 65535"),
);

/** `?verbose` on the probes. */
export const ProbeQuery = v.object({ verbose: Flag });

/** `GET /v1/services/:name/logs` without follow: the newest lines, oldest first. */
export const LogsJson = v.object({
  lines: v.array(v.string()),
  /** Where the output is instead, when bosun keeps none of it (log-type pipe or none). */
  elsewhere: v.optional(v.nullable(v.string())),
});

/** One line of `logs?follow` (event name `line`); `stream` is null for the lines of the opening tail. */
export const LogLineJson = v.object({ line: v.string(), stream: v.nullable(v.picklist(["stdout", "stderr"])) });
