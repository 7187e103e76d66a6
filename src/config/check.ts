/**
 * @module config/check
 * `bosun check` without the CLI: loads services and everything they reach, then lints what
 * loading alone does not catch: settings ignored for the service's type, executables that
 * are missing or not executable, users and groups that do not exist, `consumer-of` targets
 * that do not produce a pipe, log settings that contradict each other, task settings (schedule,
 * run-once) on services they do not fit, health probes that cannot reach a service in a network
 * namespace of its own, stop-timeouts longer than a known stop grace.
 */
import { runsAProcess } from "./kinds.ts";
import { createLoader } from "./loader.ts";
import { DEFAULT_PATH, findProgram } from "./program.ts";
import { mainConflicts } from "./main.ts";
import { error, warning, type Problem } from "./problems.ts";
import { fileOf, reach } from "./reach.ts";
import { scheduleOf } from "./schedule.ts";
import type { ServiceDescription, ServiceOption } from "./schema.ts";
import { groupId, userId } from "./users.ts";

/** Where `check` looks for services and the environment it substitutes, as `boot` would. */
export interface CheckOptions {
  dirs: string[];
  env?: Record<string, string | undefined>;
  /** The stop grace `boot` will have (seconds), when known: a longer stop-timeout is cut short by it. */
  stopGrace?: number | null;
  /** /etc/passwd and /etc/group, replaceable for tests. */
  passwd?: string;
  group?: string;
}

/** Settings that only mean something for a service that runs a process. */
const PROCESS_ONLY = [
  "command", "stop-command", "working-dir", "run-as", "socket-listen", "log-type", "logfile", "nice", "ioprio",
  "oom-score-adj", "run-in-cgroup", "capabilities", "securebits", "rlimit-nofile", "rlimit-core", "rlimit-data",
  "rlimit-addrspace", "ready-notification", "pid-file", "health-command", "health-http", "health-tcp", "memory-max",
  "memory-high", "cpu-max", "cpu-weight", "pids-max", "io-weight", "namespaces", "chroot", "no-new-privs",
];
const PROCESS_ONLY_OPTIONS: ServiceOption[] = ["signal-process-only", "start-interruptible", "pass-cs-fd", "skippable", "no-new-privs"];

/** Reports a problem at the line of a setting. */
type Report = (setting: string, message: string) => void;

/** What restarts a service, which a scheduled service's runs never do. */
const RESTART_SETTINGS = ["restart", "smooth-recovery", "restart-delay", "restart-delay-max", "restart-limit-interval", "restart-limit-count"];
/** Settings that tune a schedule, and so mean nothing without one. */
const SCHEDULE_SETTINGS = ["schedule-timezone", "schedule-overlap", "schedule-jitter", "schedule-timeout"];

/**
 * Checks `names` (and what they reach); returns every problem once: what failed to load,
 * then the loader's warnings, then the lint findings of each service that loaded.
 *
 * @example
 * checkServices({ dirs: ["services"] }, ["boot"]) // [] when clean
 */
export function checkServices(opts: CheckOptions, names: string[]): Problem[] {
  const env = opts.env ?? process.env;
  const loader = createLoader({ dirs: opts.dirs, env });
  const { services, problems } = reach(loader, names);
  problems.push(...loader.warnings());
  for (const d of services.values()) problems.push(...lint(d, services, env, opts));
  problems.push(...mainConflicts(services.values()));
  return problems;
}

function lint(
  d: ServiceDescription,
  services: Map<string, ServiceDescription>,
  env: Record<string, string | undefined>,
  opts: CheckOptions,
): Problem[] {
  const out: Problem[] = [];
  const where = (setting: string) => ({ file: fileOf(d, setting), line: d.lines[setting] ?? null });
  const err = (setting: string, message: string) => out.push(error(where(setting).file, where(setting).line, d.name, message));
  const warn = (setting: string, message: string) => out.push(warning(where(setting).file, where(setting).line, d.name, message));
  const runsProcess = runsAProcess(d.type);

  if (!runsProcess) {
    for (const setting of PROCESS_ONLY) {
      if (d.lines[setting] !== undefined) warn(setting, `${setting}: ignored for type ${d.type} (it runs no process)`);
    }
    for (const option of PROCESS_ONLY_OPTIONS) {
      if (d.options.includes(option)) warn("options", `options: '${option}' is ignored for type ${d.type} (it runs no process)`);
    }
  }
  if (d.lines["log-type"] !== undefined && d.logType === "file" && d.logfile === null) {
    warn("log-type", "log-type: 'file' needs a 'logfile'; add one");
  }
  if (d.logfile !== null && d.logType !== "file") warn("logfile", `logfile: ignored because log-type is '${d.logType}'`);
  if (d.logFileAfter !== null && d.logType !== "file") warn("log-file-after", "log-file-after: only applies to log-type = file");

  if (d.consumerOf !== null) {
    const producer = services.get(d.consumerOf);
    if (producer && producer.logType !== "pipe") {
      err("consumer-of", `consumer-of: service '${d.consumerOf}' does not produce a pipe; set 'log-type = pipe' in it`);
    }
  }

  lintTask(d, warn, err);

  if (d.namespaces.includes("net")) {
    // An http or tcp probe connects from bosun's network namespace; a command runs in the service's.
    for (const setting of ["health-http", "health-tcp"]) {
      if (d.lines[setting] !== undefined) {
        err(setting, `${setting}: this service has a network of its own ('namespaces = net'), which bosun's probe cannot reach; use health-command, which runs inside the service's namespaces`);
      }
    }
  }

  const grace = opts.stopGrace ?? null;
  if (runsProcess && grace !== null && d.lines["stop-timeout"] !== undefined && d.stopTimeout > grace) {
    warn("stop-timeout", `stop-timeout: ${d.stopTimeout} s is longer than the stop grace (${grace} s): a shutdown kills the service with SIGKILL before it runs out; lower stop-timeout or raise --stop-grace`);
  }

  if (runsProcess) {
    const path = d.env.PATH ?? env.PATH ?? DEFAULT_PATH;
    const commands: [string, string[] | null][] = [
      ["command", d.command],
      ["stop-command", d.stopCommand],
      ["health-command", d.health?.command ?? null],
    ];
    for (const [setting, argv] of commands) {
      const found = argv && argv[0] !== undefined ? findProgram(argv[0], d.workingDir ?? "/", path) : null;
      if (found !== null && typeof found !== "string") err(setting, `${setting}: ${found.message}`);
    }
  }

  const users: [string, string | null][] = [["run-as", d.runAs], ["socket-uid", d.socketUid], ["logfile-uid", d.logfileUid]];
  for (const [setting, user] of users) {
    if (user !== null && userId(user, opts.passwd) === null) {
      err(setting, `${setting}: user '${user}' does not exist (not in ${opts.passwd ?? "/etc/passwd"})`);
    }
  }
  const groups: [string, string | null][] = [["socket-gid", d.socketGid], ["logfile-gid", d.logfileGid]];
  for (const [setting, group] of groups) {
    if (group !== null && groupId(group, opts.group) === null) {
      err(setting, `${setting}: group '${group}' does not exist (not in ${opts.group ?? "/etc/group"})`);
    }
  }
  return out;
}

/** Task settings on services they do not fit: a schedule off a scripted or process service, run-once off a scripted one. */
function lintTask(d: ServiceDescription, warn: Report, err: Report): void {
  const runOnce = d.options.includes("run-once");
  const schedule = scheduleOf(d);
  if (schedule !== null) {
    if (d.type !== "scripted" && d.type !== "process") {
      err("schedule", `schedule: only a scripted or process service runs on a schedule, not type ${d.type}; use type = scripted`);
    }
    if (runOnce) err("options", "options: run-once and schedule contradict each other (one start for good, or a run at each due time); keep one");
    if (d.stopCommand !== null) {
      warn("stop-command", "stop-command: has no meaning for a scheduled service: a run still going at stop gets the term-signal");
    }
    for (const setting of RESTART_SETTINGS) {
      if (d.lines[setting] !== undefined) warn(setting, `${setting}: does not apply to a scheduled service: a failed run is counted and the next one runs when due`);
    }
    if (schedule.every !== null && d.lines["schedule-timezone"] !== undefined) {
      warn("schedule-timezone", "schedule-timezone: ignored for @every, which counts real time, not the wall clock");
    }
    if (schedule.every !== null && d.scheduleJitter * 1000 > schedule.every) {
      warn("schedule-jitter", `schedule-jitter: longer than the @every interval; a run is delayed by less than one interval (${schedule.every / 1000}s)`);
    }
  } else {
    for (const setting of SCHEDULE_SETTINGS) {
      if (d.lines[setting] !== undefined) warn(setting, `${setting}: ignored without a 'schedule'`);
    }
  }
  if (runOnce && d.type !== "scripted") {
    err("options", `options: run-once only applies to a scripted service (its start command is what runs once), not to type ${d.type}`);
  }
  if (d.runOnceMarker !== null && !runOnce) warn("run-once-marker", "run-once-marker: ignored without 'options = run-once'");
  if (d.runOnceMarker !== null && runOnce && d.stopCommand !== null) {
    // Shutdown runs the stop-command and keeps the marker: the step is undone, and not redone at the next boot.
    warn("run-once-marker", "run-once-marker: beside a stop-command, a shutdown undoes the start but keeps the marker, so the next boot skips the start; drop one of them, or remove the marker in the stop-command");
  }
}
