/**
 * @module config/schema
 * The one source of truth for the shape of a loaded service description: every later layer
 * (engine, process, logs, cgroups, health, control) reads a `ServiceDescription` and nothing
 * else. The loader turns the settings of a dinit-format file into this object's input and
 * validates it here; issue paths map back to the setting's file:line.
 *
 * Durations are seconds (dinit's unit), sizes are bytes, signals are names without `SIG`.
 */
import * as v from "valibot";
import { DepKind, ServiceName, ServiceType } from "./names.ts";

/** The words shared with the control socket and the command line (config/names.ts). */
export { DepKind, ServiceName, ServiceType };

/** The signals dinit accepts for `term-signal` and `signal`, plus `none` (send nothing). */
export const StopSignal = v.picklist(["HUP", "INT", "QUIT", "KILL", "USR1", "USR2", "TERM", "CONT", "STOP", "none"]);

/** `restart`: dinit's values after aliasing (true -> yes, false -> no). */
export const RestartPolicy = v.picklist(["yes", "on-failure", "no"]);

/** `options` flags: dinit's list, and bosun's own `run-once`. */
export const ServiceOption = v.picklist([
  "runs-on-console",
  "starts-on-console",
  "shares-console",
  "unmask-intr",
  "starts-rwfs",
  "starts-log",
  "pass-cs-fd",
  "start-interruptible",
  "skippable",
  "signal-process-only",
  "always-chain",
  "kill-all-on-stop",
  "no-new-privs",
  // bosun's own: a scripted service that, once started, stays started until stopped by name
  "run-once",
]);
export type ServiceOption = v.InferOutput<typeof ServiceOption>;

/** `load-options` flags. */
export const LoadOption = v.picklist(["export-passwd-vars", "export-service-name", "sub-vars"]);

/** `log-type`: dinit's kinds plus bosun's own `console`. */
export const LogType = v.picklist(["console", "file", "buffer", "pipe", "none"]);

/** bosun's `log-format` of a service's captured lines. */
export const LogFormat = v.picklist(["text", "json"]);

/** bosun's `schedule-overlap`: what a due time does while the previous run still goes. */
export const ScheduleOverlap = v.picklist(["skip", "queue"]);
export type ScheduleOverlap = v.InferOutput<typeof ScheduleOverlap>;

/**
 * bosun's `namespaces`: the namespaces a service gets of its own (`user` maps its run-as uid and
 * gid to themselves only).
 */
export const Namespace = v.picklist(["net", "pid", "mount", "uts", "ipc", "user"]);

/**
 * `ready-notification`: dinit's `pipefd:N` / `pipevar:VAR` (s6's notification-fd is the same
 * protocol), and bosun's own `notify`: systemd's NOTIFY_SOCKET datagram protocol.
 */
export const Readiness = v.variant("kind", [
  v.object({ kind: v.literal("pipefd"), fd: v.pipe(v.number(), v.integer(), v.minValue(3, "fd 0-2 are stdin/stdout/stderr")) }),
  v.object({ kind: v.literal("pipevar"), variable: v.pipe(v.string(), v.regex(/^[A-Za-z_][A-Za-z0-9_]*$/)) }),
  v.object({ kind: v.literal("notify") }),
]);
export type Readiness = v.InferOutput<typeof Readiness>;

/** One side of an rlimit: a number, `unlimited`, or null when that side is left unchanged. */
const RlimitSide = v.nullable(v.union([v.pipe(v.number(), v.integer(), v.minValue(0)), v.literal("unlimited")]));
/** An `rlimit-*` value: the soft and the hard side. */
export const Rlimit = v.object({ soft: RlimitSide, hard: RlimitSide });
export type Rlimit = v.InferOutput<typeof Rlimit>;

const Seconds = v.pipe(v.number(), v.minValue(0, "a duration cannot be negative"));
const Bytes = v.pipe(v.number(), v.integer(), v.minValue(0, "a size cannot be negative"));
const Mode = v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(0o7777, "a mode is at most 07777"));
const AtLeastOne = v.pipe(v.number(), v.integer(), v.minValue(1, "must be at least 1"));
const Weight = v.pipe(v.number(), v.integer(), v.minValue(1, "a weight is 1 to 10000"), v.maxValue(10000, "a weight is 1 to 10000"));

/** A probe period or timeout: zero would probe in a busy loop, or give every probe no time at all. */
const ProbeSeconds = v.pipe(v.number(), v.gtValue(0, "must be more than 0"));

/**
 * bosun's health checks (one kind at most is set; the loader enforces that). Timing defaults
 * are Docker's HEALTHCHECK ones (interval 30 s, timeout 30 s, retries 3, start period 0), so a
 * check moved from a Dockerfile keeps its meaning; the start interval is 1 s rather than
 * Docker's 5 s, since a start gated on the check waits for it. `gatesStart` is bosun's own:
 * the service counts as started only at its first healthy probe.
 */
export const HealthCheck = v.object({
  command: v.nullable(v.array(v.string())),
  http: v.nullable(v.string()),
  tcp: v.nullable(v.string()),
  interval: v.optional(ProbeSeconds, 30),
  timeout: v.optional(ProbeSeconds, 30),
  retries: v.optional(AtLeastOne, 3),
  startPeriod: v.optional(Seconds, 0),
  startInterval: v.optional(ProbeSeconds, 1),
  gatesStart: v.optional(v.boolean(), true),
});
export type HealthCheck = v.InferOutput<typeof HealthCheck>;

/**
 * bosun's cgroup limits; null = not limited (weights: the kernel's default). Sizes are bytes;
 * `cpuMax` is cgroup v2's "QUOTA PERIOD" in microseconds; weights are cgroup v2's 1 to 10000
 * (100 is the kernel's default), mapped to v1's cpu.shares and blkio weights by src/cgroup.
 */
export const CgroupLimits = v.object({
  memoryMax: v.nullable(Bytes),
  memoryHigh: v.nullable(Bytes),
  cpuMax: v.nullable(v.pipe(v.string(), v.regex(/^\d+ \d+$/, "cpu-max is 'QUOTA PERIOD' in microseconds, or a share of one CPU like 50%"))),
  cpuWeight: v.nullable(Weight),
  pidsMax: v.nullable(v.pipe(v.number(), v.integer(), v.minValue(1, "must be at least 1 (or max for no limit)"))),
  ioWeight: v.nullable(Weight),
});
export type CgroupLimits = v.InferOutput<typeof CgroupLimits>;

/** A dependency edge as written: the kind, the target's name, and where it was declared. */
export const Dependency = v.object({ kind: DepKind, name: ServiceName, line: v.optional(v.number(), 0) });
export type Dependency = v.InferOutput<typeof Dependency>;

/**
 * A loaded, substituted and validated service description. Defaults are dinit's where dinit
 * has the setting, bosun's documented ones otherwise.
 */
export const ServiceDescription = v.object({
  /** Full name, `base@arg` for a template instance. */
  name: ServiceName,
  /** Absolute path of the file it came from; null for an ad-hoc service (`boot -- CMD`). */
  file: v.nullable(v.string()),
  /** Line of each setting in `file`, by dinit setting name (for check and reload messages). */
  lines: v.optional(v.record(v.string(), v.number()), {}),
  /** File of each setting in `lines` that came from an `@include` fragment rather than `file`. */
  sources: v.optional(v.record(v.string(), v.string()), {}),

  type: v.optional(ServiceType, "internal"),
  command: v.nullable(v.array(v.string())),
  stopCommand: v.nullable(v.array(v.string())),
  /** Absolute; defaults to the directory of the service file. */
  workingDir: v.nullable(v.string()),
  runAs: v.nullable(v.string()),
  /** The service's own environment from env-file and load-options, applied over the daemon's. */
  env: v.optional(v.record(v.string(), v.string()), {}),
  envFile: v.nullable(v.string()),
  pidFile: v.nullable(v.string()),

  depends: v.optional(v.array(Dependency), []),
  before: v.optional(v.array(ServiceName), []),
  after: v.optional(v.array(ServiceName), []),
  chainTo: v.nullable(ServiceName),
  /** The `*.d` directories named (absolute): `enable`/`disable` write their links there. */
  dependencyDirs: v.optional(v.array(v.object({ kind: DepKind, dir: v.string() })), []),

  restart: v.optional(RestartPolicy, "yes"),
  smoothRecovery: v.optional(v.boolean(), false),
  restartDelay: v.optional(Seconds, 0.2),
  /** bosun's own: when > restartDelay, the delay doubles on each consecutive restart up to this cap. */
  restartDelayMax: v.optional(Seconds, 0),
  restartLimitInterval: v.optional(Seconds, 10),
  restartLimitCount: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0)), 3),
  startTimeout: v.optional(Seconds, 60),
  stopTimeout: v.optional(Seconds, 10),
  termSignal: v.optional(StopSignal, "TERM"),

  readiness: v.nullable(Readiness),
  socketListen: v.nullable(v.string()),
  socketPermissions: v.optional(Mode, 0o666),
  socketUid: v.nullable(v.string()),
  socketGid: v.nullable(v.string()),

  /** `console` is bosun's own and its default: prefixed passthrough to bosun's stdout. */
  logType: v.optional(LogType, "console"),
  logfile: v.nullable(v.string()),
  logfilePermissions: v.optional(Mode, 0o600),
  logfileUid: v.nullable(v.string()),
  logfileGid: v.nullable(v.string()),
  logBufferSize: v.optional(Bytes, 4096),
  consumerOf: v.nullable(ServiceName),
  /** bosun's own; null = the daemon's default format. */
  logFormat: v.nullable(LogFormat),
  /** bosun's own; 0 = never rotate. */
  logMaxSize: v.optional(Bytes, 0),
  logMaxFiles: v.optional(AtLeastOne, 5),
  /** bosun's own: buffer output in memory until this service has started, then write the file. */
  logFileAfter: v.nullable(ServiceName),

  options: v.optional(v.array(ServiceOption), []),
  loadOptions: v.optional(v.array(LoadOption), []),
  /** `@meta enable-via`: the service `enable` adds the waits-for link to (default boot). */
  enableVia: v.nullable(ServiceName),

  rlimits: v.optional(
    v.object({
      nofile: v.nullable(Rlimit),
      core: v.nullable(Rlimit),
      data: v.nullable(Rlimit),
      addrspace: v.nullable(Rlimit),
    }),
    { nofile: null, core: null, data: null, addrspace: null },
  ),
  nice: v.nullable(v.pipe(v.number(), v.integer(), v.minValue(-20), v.maxValue(19))),
  ioprio: v.nullable(v.string()),
  oomScoreAdj: v.nullable(v.pipe(v.number(), v.integer(), v.minValue(-1000, "must be -1000 to 1000"), v.maxValue(1000, "must be -1000 to 1000"))),
  runInCgroup: v.nullable(v.string()),
  /** dinit's IAB string as written (config/isolation.ts reads it). */
  capabilities: v.nullable(v.string()),
  /** dinit's securebits flag names. */
  securebits: v.optional(v.array(v.string()), []),
  /** bosun's own setting, also set by the `no-new-privs` option. */
  noNewPrivs: v.optional(v.boolean(), false),
  namespaces: v.optional(v.array(Namespace), []),
  /** Absolute; with it, `workingDir` is a path inside this new root. */
  chroot: v.nullable(v.string()),

  health: v.nullable(HealthCheck),
  cgroup: v.optional(CgroupLimits, {
    memoryMax: null,
    memoryHigh: null,
    cpuMax: null,
    cpuWeight: null,
    pidsMax: null,
    ioWeight: null,
  }),
  /** bosun's own: this service's own exit ends bosun with its (mapped) exit code. */
  main: v.optional(v.boolean(), false),
  /** bosun's own: `143:0 3:0` maps the main service's exit code before bosun exits with it. */
  exitCodeMap: v.optional(v.record(v.string(), v.number()), {}),
  /** bosun's own: when a scheduled service's runs fall due (config/schedule reads it). */
  schedule: v.nullable(v.string()),
  /** bosun's own: the IANA timezone `schedule` is read in; null = bosun's local time (TZ). */
  scheduleTimezone: v.nullable(v.string()),
  /** bosun's own: a due time while a run still goes is skipped (and counted), or queued (one at most). */
  scheduleOverlap: v.optional(ScheduleOverlap, "skip"),
  /** bosun's own: each run starts up to this much after its due time, at random; 0 = on time. */
  scheduleJitter: v.optional(Seconds, 0),
  /** bosun's own: a run still going after this long is stopped like a service; 0 = no limit. */
  scheduleTimeout: v.optional(Seconds, 0),
  /** bosun's own, with `options = run-once`: absolute path of the file that marks the start done across restarts. */
  runOnceMarker: v.nullable(v.string()),
});

/** The validated description every layer reads. */
export type ServiceDescription = v.InferOutput<typeof ServiceDescription>;
/** What the loader hands to the schema: defaults may be omitted. */
export type ServiceDescriptionInput = v.InferInput<typeof ServiceDescription>;

/**
 * Builds a description from a partial input with every default applied: for ad-hoc services
 * (`boot -- CMD`) and for tests of the layers above the loader.
 *
 * @example
 * const d = describe({ name: "web", type: "process", command: ["nginx", "-g", "daemon off;"] });
 */
export function describe(input: Partial<ServiceDescriptionInput> & { name: string }): ServiceDescription {
  return v.parse(ServiceDescription, {
    file: null,
    command: null,
    stopCommand: null,
    workingDir: null,
    runAs: null,
    envFile: null,
    pidFile: null,
    chainTo: null,
    readiness: null,
    socketListen: null,
    socketUid: null,
    socketGid: null,
    logfile: null,
    logfileUid: null,
    logfileGid: null,
    consumerOf: null,
    logFormat: null,
    logFileAfter: null,
    enableVia: null,
    nice: null,
    ioprio: null,
    oomScoreAdj: null,
    runInCgroup: null,
    capabilities: null,
    chroot: null,
    health: null,
    schedule: null,
    scheduleTimezone: null,
    runOnceMarker: null,
    ...input,
  });
}

let blank: ServiceDescription | null = null;

/** A deep copy of plain data (objects, arrays, primitives): the defaults are nothing else, and structuredClone took 40 µs a service. */
function copyData<T>(value: T): T {
  if (Array.isArray(value)) return value.map(copyData) as T;
  if (value === null || typeof value !== "object") return value;
  const copy: Record<string, unknown> = {};
  for (const key in value) copy[key] = copyData((value as Record<string, unknown>)[key]);
  return copy as T;
}

/**
 * A description with every default, for the loader to apply a file's settings to: the defaults
 * go through the schema once, and each service gets a copy (the loader validates the finished
 * description anyway, so parsing the defaults again per file was work done twice).
 *
 * @example
 * blankDescription("web", "/etc/bosun/services/web").restartDelay // 0.2
 */
export function blankDescription(name: string, file: string | null): ServiceDescription {
  blank ??= describe({ name: "blank" });
  return { ...copyData(blank), name, file };
}
