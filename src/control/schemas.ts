/**
 * @module control/schemas
 * Every shape that crosses the control socket, as valibot schemas: the requests here (bodies,
 * params and queries, checked by the server), and the answers from control/answers.ts (parsed
 * by the client), re-exported so the server and the tests have one place to import from.
 */
import * as v from "valibot";
import { ServiceName } from "../config/names.ts";
import { signalName, signalNumber } from "../process/signals.ts";

export {
  ActionResult,
  EnvJson,
  ErrorJson,
  EventJson,
  HealthJson,
  InfoJson,
  LogLineJson,
  LogsJson,
  ProbeJson,
  ServiceJson,
  ServiceList,
  StatusJson,
  TaskJson,
  type ReloadChangeJson,
} from "./answers.ts";

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
