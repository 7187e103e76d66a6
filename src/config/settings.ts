/**
 * @module config/settings
 * The settings table: every one of dinit's 52 settings and bosun's own, each with the
 * operators it accepts, which substitution its value gets, the description field it fills,
 * and how its value is read. Settings bosun parses but cannot honour carry the warning that
 * says what bosun does instead.
 */
import * as v from "valibot";
import { dirname, resolve } from "node:path";
import type { SettingOp } from "./lexer.ts";
import {
  HealthCheck,
  LoadOption,
  LogFormat,
  LogType,
  Namespace,
  RestartPolicy,
  ScheduleOverlap,
  ServiceName,
  ServiceOption,
  ServiceType,
  StopSignal,
  type DepKind,
  type ServiceDescription,
} from "./schema.ts";
import { checkSecurebit, parseCapabilities } from "./isolation.ts";
import { checkTimezone, parseSchedule } from "./schedule.ts";
import { parseBool, parseCpuMax, parseInteger, parseMode, parseRlimit, parseSeconds, parseSize, parseUnsigned } from "./units.ts";
import { ValueError } from "./value.ts";

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** A description being built from settings, plus what only the loader can finish. */
export interface Draft {
  desc: Mutable<ServiceDescription>;
  /** log-type as written (null = not written): the default depends on the other log settings. */
  logType: v.InferOutput<typeof LogType> | null;
  /** `.d` directories to list once all settings are read. */
  depDirs: { kind: DepKind; dir: string; line: number; file: string }[];
}

/** Where a setting was written, and a way to report a warning there. */
export interface SettingContext {
  service: string;
  file: string;
  line: number;
  op: SettingOp;
  warn(message: string): void;
}

/** A value after substitution: its words (for argv-like settings) and its text (for the rest). */
export interface SettingValue {
  words: string[];
  text: string;
}

/**
 * Which variables a value sees: `preload` = bosun's environment and `$1` only (names of other
 * services, paths of includes and `.d` directories: dinit's pre-load substitution); `service` =
 * also the service's own env-file and load-options variables. Unsubstituted values are taken
 * literally, as dinit does.
 */
export type Substitution = "none" | "preload" | "service";

/** One row of the settings table: how a setting is read and what it fills. */
export interface SettingSpec {
  /** Accepts `+=`. */
  append?: boolean;
  /** A command line (argv words): shell-style single quotes in it get a warning. */
  argv?: boolean;
  subst?: Substitution;
  /** The description field it fills (dotted for nested ones), to map schema issues back to it. */
  field: string;
  /** bosun's own setting (not dinit's). */
  bosun?: boolean;
  apply(d: Draft, value: SettingValue, ctx: SettingContext): void;
}

function serviceName(text: string): string {
  const r = v.safeParse(ServiceName, text);
  if (!r.success) throw new ValueError(`'${text}' is not a valid service name: ${r.issues[0].message}`);
  return text;
}

function picked<T extends string>(text: string, allowed: readonly T[], what: string): T {
  if ((allowed as readonly string[]).includes(text)) return text as T;
  throw new ValueError(`'${text}' is not a valid ${what}: use one of ${allowed.join(", ")}`);
}

function health(d: Draft): NonNullable<ServiceDescription["health"]> {
  d.desc.health ??= v.parse(HealthCheck, { command: null, http: null, tcp: null });
  return d.desc.health;
}

const dep = (kind: DepKind): SettingSpec => ({
  subst: "preload",
  field: "depends",
  apply: (d, val, ctx) => {
    d.desc.depends = [...d.desc.depends, { kind, name: serviceName(val.text), line: ctx.line }];
  },
});

const depDir = (kind: DepKind): SettingSpec => ({
  subst: "preload",
  field: "depends",
  apply: (d, val, ctx) => {
    d.depDirs.push({ kind, dir: resolve(dirname(ctx.file), val.text), line: ctx.line, file: ctx.file });
  },
});

const command = (key: "command" | "stopCommand"): SettingSpec => ({
  append: true,
  argv: true,
  subst: "service",
  field: key,
  apply: (d, val, ctx) => {
    const prior = ctx.op === "+=" ? (d.desc[key] ?? []) : [];
    const words = [...prior, ...val.words];
    d.desc[key] = words.length > 0 ? words : null;
  },
});

const seconds = (
  key: "restartDelay" | "restartDelayMax" | "restartLimitInterval" | "startTimeout" | "stopTimeout" | "scheduleJitter" | "scheduleTimeout",
): SettingSpec => ({
  field: key,
  apply: (d, val) => {
    d.desc[key] = parseSeconds(val.text);
  },
});

const text = (key: "runAs" | "socketUid" | "socketGid" | "logfileUid" | "logfileGid" | "runInCgroup", subst: Substitution = "none"): SettingSpec => ({
  subst,
  field: key,
  apply: (d, val) => {
    d.desc[key] = val.text === "" ? null : val.text;
  },
});

/** Paths stay as written here; the loader makes them absolute against the service's directory. */
const path = (key: "workingDir" | "pidFile" | "socketListen" | "logfile" | "chroot"): SettingSpec => ({
  subst: "service",
  field: key,
  apply: (d, val) => {
    d.desc[key] = val.text === "" ? null : val.text;
  },
});

const mode = (key: "socketPermissions" | "logfilePermissions"): SettingSpec => ({
  field: key,
  apply: (d, val) => {
    d.desc[key] = parseMode(val.text);
  },
});

const rlimit = (key: "nofile" | "core" | "data" | "addrspace"): SettingSpec => ({
  field: `rlimits.${key}`,
  apply: (d, val) => {
    d.desc.rlimits = { ...d.desc.rlimits, [key]: parseRlimit(val.text) };
  },
});

const ignored = (message: string): SettingSpec => ({
  field: "",
  apply: (_d, _val, ctx) => ctx.warn(message),
});

const healthSeconds = (key: "interval" | "timeout" | "startPeriod" | "startInterval"): SettingSpec => ({
  bosun: true,
  field: `health.${key}`,
  apply: (d, val) => {
    health(d)[key] = parseSeconds(val.text);
  },
});

/** A cgroup limit; a ceiling (not a weight) also takes `max`, no limit, as the cgroup files do. */
const cgroupLimit = (key: "memoryMax" | "memoryHigh" | "pidsMax" | "cpuWeight" | "ioWeight", parse: (t: string) => number): SettingSpec => ({
  bosun: true,
  field: `cgroup.${key}`,
  apply: (d, val) => {
    const ceiling = key === "memoryMax" || key === "memoryHigh" || key === "pidsMax";
    d.desc.cgroup = { ...d.desc.cgroup, [key]: ceiling && val.text === "max" ? null : parse(val.text) };
  },
});

const bool = (key: "smoothRecovery" | "main" | "noNewPrivs", bosun = false): SettingSpec => ({
  bosun,
  field: key,
  apply: (d, val) => {
    d.desc[key] = parseBool(val.text);
  },
});

/** Option flags bosun reads but has no use for, and what it does instead. */
const IGNORED_OPTIONS: Partial<Record<ServiceOption, string>> = {
  "runs-on-console": "bosun does not hand its console to a service: output goes to bosun's stdout with a prefix, as with shares-console",
  "starts-on-console": "bosun does not hand its console to a service: output goes to bosun's stdout with a prefix, as with shares-console",
  "unmask-intr": "bosun gives no service the console, so there is no ^C to unmask; ignored",
  "starts-rwfs": "bosun writes no wtmp record and needs no writable root to open its socket; ignored",
  "starts-log": "bosun logs to its stdout, not to syslog; ignored",
  "pass-cs-fd": "bosun's control interface is HTTP on its unix socket, not dinit's protocol, so no DINIT_CS_FD is passed; ignored",
};

const termSignal: SettingSpec = {
  field: "termSignal",
  apply: (d, val) => {
    const name = val.text === "NONE" ? "none" : val.text.replace(/^SIG/, "");
    d.desc.termSignal = picked(name, StopSignal.options, "term-signal (a signal name without SIG, or none)");
  },
};

/** Every setting bosun knows, by name. */
export const SETTINGS: Record<string, SettingSpec> = {
  // --- dinit: type, commands, identity
  type: {
    field: "type",
    apply: (d, val) => {
      d.desc.type = picked(val.text, ServiceType.options, "service type");
    },
  },
  command: command("command"),
  "stop-command": command("stopCommand"),
  "working-dir": path("workingDir"),
  "run-as": text("runAs"),
  "env-file": {
    subst: "preload",
    field: "envFile",
    apply: (d, val, ctx) => {
      d.desc.envFile = val.text === "" ? null : resolve(dirname(ctx.file), val.text);
    },
  },
  "pid-file": path("pidFile"),

  // --- dinit: dependencies and ordering
  "depends-on": dep("need"),
  "depends-ms": dep("milestone"),
  "waits-for": dep("waits-for"),
  "prepared-by": dep("prepared-by"),
  "depends-on.d": depDir("need"),
  "depends-ms.d": depDir("milestone"),
  "waits-for.d": depDir("waits-for"),
  after: {
    subst: "preload",
    field: "after",
    apply: (d, val) => {
      d.desc.after = [...d.desc.after, serviceName(val.text)];
    },
  },
  before: {
    subst: "preload",
    field: "before",
    apply: (d, val) => {
      d.desc.before = [...d.desc.before, serviceName(val.text)];
    },
  },
  "chain-to": {
    subst: "preload",
    field: "chainTo",
    apply: (d, val) => {
      d.desc.chainTo = val.text === "" ? null : serviceName(val.text);
    },
  },

  // --- dinit: restart, timeouts, stopping
  restart: {
    field: "restart",
    apply: (d, val) => {
      const t = val.text;
      d.desc.restart = t === "true" ? "yes" : t === "false" ? "no" : picked(t, RestartPolicy.options, "restart value (also true/false)");
    },
  },
  "smooth-recovery": bool("smoothRecovery"),
  "restart-delay": seconds("restartDelay"),
  "restart-limit-interval": seconds("restartLimitInterval"),
  "restart-limit-count": {
    field: "restartLimitCount",
    apply: (d, val) => {
      d.desc.restartLimitCount = parseUnsigned(val.text);
    },
  },
  "start-timeout": seconds("startTimeout"),
  "stop-timeout": seconds("stopTimeout"),
  "term-signal": termSignal,
  termsignal: termSignal,

  // --- dinit: readiness and socket passing
  "ready-notification": {
    field: "readiness",
    apply: (d, val) => {
      const t = val.text;
      if (t === "notify") d.desc.readiness = { kind: "notify" };
      else if (t.startsWith("pipefd:")) d.desc.readiness = { kind: "pipefd", fd: parseUnsigned(t.slice(7)) };
      else if (t.startsWith("pipevar:") && t.length > 8) d.desc.readiness = { kind: "pipevar", variable: t.slice(8) };
      else throw new ValueError(`'${t}' is not a readiness protocol: use pipefd:N, pipevar:VAR or notify`);
    },
  },
  "socket-listen": path("socketListen"),
  "socket-permissions": mode("socketPermissions"),
  "socket-uid": text("socketUid"),
  "socket-gid": text("socketGid"),

  // --- dinit: output and logging
  "log-type": {
    field: "logType",
    apply: (d, val) => {
      d.logType = picked(val.text, LogType.options, "log-type");
    },
  },
  logfile: path("logfile"),
  "logfile-permissions": mode("logfilePermissions"),
  "logfile-uid": text("logfileUid"),
  "logfile-gid": text("logfileGid"),
  "log-buffer-size": {
    field: "logBufferSize",
    apply: (d, val) => {
      // dinit reads a plain number (0x hex and 0 octal too); bosun also takes a unit (64K).
      d.desc.logBufferSize = /[KMGT]/i.test(val.text) ? parseSize(val.text) : parseUnsigned(val.text);
    },
  },
  "consumer-of": {
    subst: "preload",
    field: "consumerOf",
    apply: (d, val, ctx) => {
      const name = serviceName(val.text);
      if (name === ctx.service) throw new ValueError("a service cannot consume its own output");
      d.desc.consumerOf = name;
    },
  },

  // --- dinit: flags
  options: {
    field: "options",
    apply: (d, val, ctx) => {
      for (const word of val.words) {
        const option = picked(word, ServiceOption.options, "option");
        const why = IGNORED_OPTIONS[option];
        if (why) ctx.warn(`'${option}': ${why}`);
        if (option === "no-new-privs") d.desc.noNewPrivs = true;
        if (!d.desc.options.includes(option)) d.desc.options = [...d.desc.options, option];
      }
    },
  },
  "load-options": {
    field: "loadOptions",
    apply: (d, val) => {
      for (const word of val.words) {
        const option = picked(word, LoadOption.options, "load option");
        if (!d.desc.loadOptions.includes(option)) d.desc.loadOptions = [...d.desc.loadOptions, option];
      }
    },
  },

  // --- dinit: utmp (bosun writes none)
  "inittab-id": ignored("bosun writes no utmp records; inittab-id is ignored"),
  "inittab-line": ignored("bosun writes no utmp records; inittab-line is ignored"),

  // --- dinit: limits, scheduling, isolation
  "rlimit-nofile": rlimit("nofile"),
  "rlimit-core": rlimit("core"),
  "rlimit-data": rlimit("data"),
  "rlimit-addrspace": rlimit("addrspace"),
  nice: {
    field: "nice",
    apply: (d, val, ctx) => {
      const n = parseInteger(val.text);
      // dinit clamps rather than refusing, so a valid dinit file must load here too.
      const clamped = Math.min(19, Math.max(-20, n));
      if (clamped !== n) ctx.warn(`nice ${n} is outside -20..19; using ${clamped}`);
      d.desc.nice = clamped;
    },
  },
  ioprio: {
    field: "ioprio",
    apply: (d, val) => {
      const t = val.text;
      if (!/^(none|idle|(realtime|best-effort):[0-7])$/.test(t)) {
        throw new ValueError(`'${t}' is not an I/O priority: use none, idle, realtime:0-7 or best-effort:0-7`);
      }
      d.desc.ioprio = t;
    },
  },
  "oom-score-adj": {
    field: "oomScoreAdj",
    apply: (d, val) => {
      d.desc.oomScoreAdj = parseInteger(val.text);
    },
  },
  "run-in-cgroup": text("runInCgroup"),
  capabilities: {
    append: true,
    field: "capabilities",
    apply: (d, val, ctx) => {
      const t = val.words.join(",");
      const text = ctx.op === "+=" && d.desc.capabilities ? `${d.desc.capabilities},${t}` : t;
      parseCapabilities(text);
      d.desc.capabilities = text === "" ? null : text;
    },
  },
  securebits: {
    append: true,
    field: "securebits",
    apply: (d, val, ctx) => {
      for (const word of val.words) checkSecurebit(word);
      d.desc.securebits = ctx.op === "+=" ? [...d.desc.securebits, ...val.words] : val.words;
    },
  },

  // --- bosun's own: health checks
  "health-command": {
    append: true,
    argv: true,
    subst: "service",
    bosun: true,
    field: "health.command",
    apply: (d, val, ctx) => {
      const h = health(d);
      const words = [...(ctx.op === "+=" ? (h.command ?? []) : []), ...val.words];
      h.command = words.length > 0 ? words : null;
    },
  },
  "health-http": {
    subst: "service",
    bosun: true,
    field: "health.http",
    apply: (d, val) => {
      const t = val.text;
      if (!/^https?:\/\//.test(t) || !URL.canParse(t)) throw new ValueError(`'${t}' is not an http:// or https:// URL`);
      health(d).http = t;
    },
  },
  "health-tcp": {
    subst: "service",
    bosun: true,
    field: "health.tcp",
    apply: (d, val) => {
      const t = val.text;
      const m = /^(?:(.+):)?(\d+)$/.exec(t);
      if (!m || Number(m[2]) < 1 || Number(m[2]) > 65535) throw new ValueError(`'${t}' is not HOST:PORT or PORT (1-65535)`);
      health(d).tcp = m[1] ? t : `127.0.0.1:${m[2]}`;
    },
  },
  "health-interval": healthSeconds("interval"),
  "health-timeout": healthSeconds("timeout"),
  "health-start-period": healthSeconds("startPeriod"),
  "health-start-interval": healthSeconds("startInterval"),
  "health-gates-start": {
    bosun: true,
    field: "health.gatesStart",
    apply: (d, val) => {
      health(d).gatesStart = parseBool(val.text);
    },
  },
  "health-retries": {
    bosun: true,
    field: "health.retries",
    apply: (d, val) => {
      health(d).retries = parseUnsigned(val.text);
    },
  },

  // --- bosun's own: cgroup limits
  "memory-max": cgroupLimit("memoryMax", parseSize),
  "memory-high": cgroupLimit("memoryHigh", parseSize),
  "pids-max": cgroupLimit("pidsMax", parseUnsigned),
  "cpu-weight": cgroupLimit("cpuWeight", parseUnsigned),
  "io-weight": cgroupLimit("ioWeight", parseUnsigned),
  "cpu-max": {
    bosun: true,
    field: "cgroup.cpuMax",
    apply: (d, val) => {
      d.desc.cgroup = { ...d.desc.cgroup, cpuMax: parseCpuMax(val.text) };
    },
  },

  // --- bosun's own: exit policy, logs, scheduling, isolation, restarts
  main: bool("main", true),
  "exit-code-map": {
    bosun: true,
    field: "exitCodeMap",
    apply: (d, val) => {
      const map: Record<string, number> = {};
      for (const word of val.words) {
        const m = /^(\d{1,3}):(\d{1,3})$/.exec(word);
        if (!m || Number(m[1]) > 255 || Number(m[2]) > 255) throw new ValueError(`'${word}' is not FROM:TO with exit codes 0-255 (e.g. 143:0)`);
        map[String(Number(m[1]))] = Number(m[2]);
      }
      d.desc.exitCodeMap = map;
    },
  },
  "log-format": {
    bosun: true,
    field: "logFormat",
    apply: (d, val) => {
      d.desc.logFormat = picked(val.text, LogFormat.options, "log-format");
    },
  },
  "log-max-size": {
    bosun: true,
    field: "logMaxSize",
    apply: (d, val) => {
      d.desc.logMaxSize = parseSize(val.text);
    },
  },
  "log-max-files": {
    bosun: true,
    field: "logMaxFiles",
    apply: (d, val) => {
      d.desc.logMaxFiles = parseUnsigned(val.text);
    },
  },
  "log-file-after": {
    subst: "preload",
    bosun: true,
    field: "logFileAfter",
    apply: (d, val) => {
      d.desc.logFileAfter = serviceName(val.text);
    },
  },
  schedule: {
    bosun: true,
    field: "schedule",
    apply: (d, val) => {
      d.desc.schedule = val.text === "" ? null : parseSchedule(val.text).expression;
    },
  },
  "schedule-timezone": {
    bosun: true,
    field: "scheduleTimezone",
    apply: (d, val) => {
      d.desc.scheduleTimezone = val.text === "" ? null : checkTimezone(val.text);
    },
  },
  "schedule-overlap": {
    bosun: true,
    field: "scheduleOverlap",
    apply: (d, val) => {
      d.desc.scheduleOverlap = picked(val.text, ScheduleOverlap.options, "schedule-overlap");
    },
  },
  "schedule-jitter": { ...seconds("scheduleJitter"), bosun: true },
  "schedule-timeout": { ...seconds("scheduleTimeout"), bosun: true },
  "run-once-marker": {
    subst: "service",
    bosun: true,
    field: "runOnceMarker",
    apply: (d, val, ctx) => {
      // Relative to the service's own directory, also when written in an included fragment.
      d.desc.runOnceMarker = val.text === "" ? null : resolve(dirname(d.desc.file ?? ctx.file), val.text);
    },
  },
  namespaces: {
    bosun: true,
    field: "namespaces",
    apply: (d, val) => {
      d.desc.namespaces = [...new Set(val.words.map((w) => picked(w, Namespace.options, "namespace")))];
    },
  },
  chroot: { ...path("chroot"), bosun: true },
  "no-new-privs": bool("noNewPrivs", true),
  "restart-delay-max": { ...seconds("restartDelayMax"), bosun: true },
};

/**
 * The setting a description field came from (for schema issues): `health.interval` ->
 * `health-interval`; a nested path falls back to its parent field.
 */
export function settingForField(path: string): string | null {
  let best: string | null = null;
  let bestLength = -1;
  for (const [name, spec] of Object.entries(SETTINGS)) {
    if (spec.field === "") continue;
    if ((path === spec.field || path.startsWith(`${spec.field}.`)) && spec.field.length > bestLength) {
      best = name;
      bestLength = spec.field.length;
    }
  }
  return best;
}

/** The known setting closest to a misspelt one, for "did you mean" hints. */
export function closestSetting(name: string): string | null {
  let best: string | null = null;
  let bestDistance = 3;
  for (const known of Object.keys(SETTINGS)) {
    const d = distance(name, known);
    if (d < bestDistance) {
      best = known;
      bestDistance = d;
    }
  }
  return best;
}

function distance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 3) return 99;
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = row;
  }
  return prev[b.length]!;
}
