/**
 * @module config/check
 * `bosun check` without the CLI: loads services and everything they reach, then lints what
 * loading alone does not catch: settings ignored for the service's type, executables that
 * are missing or not executable, working directories, users and groups that do not exist,
 * `consumer-of` targets that do not produce a pipe, log settings that contradict each other,
 * task settings (schedule, run-once) on services they do not fit, health probes that cannot
 * reach a service in a network namespace of its own, stop-timeouts longer than a known stop grace,
 * isolation settings whose helper programs or new root are missing, and kill-all-on-stop where
 * this bosun would not be PID 1 of its pid namespace.
 */
import { existsSync, statSync } from "node:fs";
import { join } from "node:path";
import { FileProblem, readTextFile } from "./files.ts";
import { HELPER_PACKAGES, helperNeeds, killAllRefusal } from "./isolation.ts";
import { runsAProcess } from "./kinds.ts";
import { lex } from "./lexer.ts";
import { createLoader } from "./loader.ts";
import { DEFAULT_PATH, findProgram, HELPER_PATH } from "./program.ts";
import { mainConflicts } from "./main.ts";
import { byLocation, error, warning, type Problem } from "./problems.ts";
import { fileOf, reach } from "./reach.ts";
import { scheduleOf } from "./schedule.ts";
import type { ServiceDescription, ServiceOption } from "./schema.ts";
import { variablesIn } from "./substitute.ts";
import { groupId, userId } from "./users.ts";
import { readValue, ValueError } from "./value.ts";

/** Where `check` looks for services and the environment it substitutes, as `boot` would. */
export interface CheckOptions {
  dirs: string[];
  env?: Record<string, string | undefined>;
  /** The stop grace `boot` will have (seconds), when known: a longer stop-timeout is cut short by it. */
  stopGrace?: number | null;
  /** /etc/passwd and /etc/group, replaceable for tests. */
  passwd?: string;
  group?: string;
  /** Whether bosun would be PID 1 of its pid namespace (default: whether `check` itself is). */
  pid1?: boolean;
  /** Where helper programs are looked for (default config/program.ts HELPER_PATH; tests replace it). */
  helperPath?: string;
  /** Warnings from layers config may not import (the cgroup settings a read-only cgroupfs refuses), each at its setting's line. */
  lint?: (d: ServiceDescription) => { setting: string; message: string }[];
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
 * Checks `names` (and what they reach); returns every problem once, by file and line: what
 * failed to load, the loader's warnings, and the findings about each service reached.
 *
 * @example
 * checkServices({ dirs: ["services"] }, ["boot"]) // [] when clean
 */
export function checkServices(opts: CheckOptions, names: string[]): Problem[] {
  const env = opts.env ?? process.env;
  const loader = createLoader({ dirs: opts.dirs, env });
  const { services, partial, problems } = reach(loader, names);
  problems.push(...loader.warnings());
  for (const d of services.values()) problems.push(...lint(d, services), ...onThisMachine(d, env, opts), ...withinGrace(d, opts.stopGrace ?? null));
  // A file with errors: what it asks of this machine is checked now, but how its settings fit
  // together only once they all read (a mistyped `type` would read as internal and mislead).
  for (const d of partial.values()) problems.push(...onThisMachine(d, env, opts));
  problems.push(...mainConflicts([...services.values(), ...partial.values()]));
  return byLocation(problems);
}

/** Reports problems at the lines of a description's settings. */
function reporter(d: ServiceDescription, out: Problem[]): { err: Report; warn: Report } {
  const where = (setting: string) => ({ file: fileOf(d, setting), line: d.lines[setting] ?? null });
  return {
    err: (setting, message) => out.push(error(where(setting).file, where(setting).line, d.name, message)),
    warn: (setting, message) => out.push(warning(where(setting).file, where(setting).line, d.name, message)),
  };
}

/** How a service's settings fit its type, each other, and the services it links to. */
function lint(d: ServiceDescription, services: Map<string, ServiceDescription>): Problem[] {
  const out: Problem[] = [];
  const { err, warn } = reporter(d, out);
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
  if (runsProcess && d.namespaces.includes("pid") && d.readiness?.kind === "notify") {
    warn("ready-notification", "ready-notification: with 'namespaces = pid', a MAINPID= the service sends is a pid inside its namespace, which means nothing to bosun; bosun ignores it and supervises the namespace's init");
  }

  return out;
}

/**
 * What a service asks of this machine: its executables, working directory, users and groups,
 * the helper programs and new root of its isolation settings; whether this bosun may honour
 * kill-all-on-stop; and what the caller's `lint` adds (a writable cgroupfs). A setting that did
 * not read is absent here, so this holds for a file with errors too.
 */
function onThisMachine(d: ServiceDescription, env: Record<string, string | undefined>, opts: CheckOptions): Problem[] {
  const out: Problem[] = [];
  const { err, warn } = reporter(d, out);
  const killAll = killAllRefusal(d, opts.pid1 ?? process.pid === 1);
  if (killAll) out.push(killAll);
  // with a chroot that is missing, nothing inside it can be looked at
  const rootMissing = d.chroot !== null && !statSync(d.chroot, { throwIfNoEntry: false })?.isDirectory();
  if (runsAProcess(d.type) && rootMissing) err("chroot", `chroot: ${d.chroot} is not a directory; the service cannot start until it is`);
  if (runsAProcess(d.type)) isolationHelpers(d, rootMissing, opts.helperPath ?? HELPER_PATH, warn, err);
  if (runsAProcess(d.type) && !rootMissing) {
    const path = d.env.PATH ?? env.PATH ?? DEFAULT_PATH;
    const commands: [string, string[] | null][] = [
      ["command", d.command],
      ["stop-command", d.stopCommand],
      ["health-command", d.health?.command ?? null],
    ];
    for (const [setting, argv] of commands) {
      const found = argv && argv[0] !== undefined ? findProgram(argv[0], d.workingDir ?? "/", path, d.chroot) : null;
      if (found !== null && typeof found !== "string") err(setting, `${setting}: ${found.message}`);
    }
    workingDirectory(d, err, warn);
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
  for (const w of opts.lint?.(d) ?? []) warn(w.setting, w.message);
  return out;
}

/**
 * The helper programs the isolation settings need (naming the Debian package for each one
 * missing: a warning on bosun's machine, an error inside a new root), and the /proc a pid
 * namespace mounts in a new root.
 */
function isolationHelpers(d: ServiceDescription, rootMissing: boolean, helperPath: string, warn: Report, err: Report): void {
  for (const need of helperNeeds(d)) {
    if (need.inRoot && rootMissing) continue;
    if (typeof findProgram(need.program, "/", helperPath, need.inRoot ? d.chroot : null) === "string") continue;
    const where = need.inRoot ? ` inside ${d.chroot} (with chroot, setpriv sets capabilities and securebits after the change of root)` : "";
    // a helper bosun's machine lacks may be installed before boot; a new root without one cannot work as set up
    (need.inRoot ? err : warn)(need.setting, `${need.setting}: needs the helper ${need.program}${where}, which is not installed; it comes with the Debian package ${HELPER_PACKAGES[need.program]}`);
  }
  if (d.namespaces.includes("pid") && d.chroot !== null && !rootMissing && !existsSync(join(d.chroot, "proc"))) {
    err("namespaces", `namespaces: 'pid' mounts the namespace's /proc at ${join(d.chroot, "proc")}, which does not exist; create that directory`);
  }
}

/**
 * The working directory must exist when the service starts. A path that substitutes a variable
 * (from bosun's environment or the env-file, as they are when the service is loaded: a
 * container's `-e`, an env-file written by an earlier service) may exist by then, so it is
 * only a warning there; a path written in full (or with `$1`, which the name fixes) is an error.
 */
function workingDirectory(d: ServiceDescription, err: Report, warn: Report): void {
  // Inside a chroot the directory is looked for under the new root, which may not exist yet.
  if (d.lines["working-dir"] === undefined || d.workingDir === null || d.chroot !== null) return;
  let problem: string | null = null;
  try {
    const st = statSync(d.workingDir, { throwIfNoEntry: false });
    if (st === undefined) problem = "does not exist";
    else if (!st.isDirectory()) problem = "is not a directory";
  } catch (e) {
    problem = `cannot be reached (${(e as NodeJS.ErrnoException).code ?? String(e)})`;
  }
  if (problem === null) return;
  const vars = writtenVariables(d, "working-dir");
  if (vars.length === 0) {
    err("working-dir", `working-dir: ${d.workingDir} ${problem}${problem === "does not exist" ? "; create it or fix the path (the service would fail to start)" : ""}`);
    return;
  }
  const named = [...new Set(vars)].map((n) => `$${n}`).join(", ");
  warn("working-dir", `working-dir: ${d.workingDir} ${problem} here; it depends on ${named}, substituted when bosun loads the service (from its environment or the env-file), so make sure it is a directory by the time the service starts ('bosun check -e ENVFILE' substitutes boot's environment file)`);
}

/** The variables a setting's value substitutes as written, read again from the file that sets it (none if it cannot be). */
function writtenVariables(d: ServiceDescription, setting: string): string[] {
  const file = fileOf(d, setting);
  const line = d.lines[setting];
  if (file === null || line === undefined) return [];
  try {
    const found = lex(readTextFile(file), file).statements.find((s) => s.kind === "setting" && s.name === setting && s.line === line);
    return found === undefined ? [] : variablesIn(readValue(found.value).parts);
  } catch (e) {
    // The file changed since it was loaded: judge the path as written in full.
    if (e instanceof FileProblem || e instanceof ValueError) return [];
    throw e;
  }
}

/** A stop-timeout set longer than the stop grace `boot` will have: the grace's SIGKILL comes first. */
function withinGrace(d: ServiceDescription, grace: number | null): Problem[] {
  if (grace === null || !runsAProcess(d.type) || d.lines["stop-timeout"] === undefined || d.stopTimeout <= grace) return [];
  const out: Problem[] = [];
  reporter(d, out).warn("stop-timeout", `stop-timeout: ${d.stopTimeout} s is longer than the stop grace (${grace} s): a shutdown kills the service with SIGKILL before it runs out; lower stop-timeout or raise --stop-grace`);
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
    const check = ["health-command", "health-http", "health-tcp"].find((k) => d.lines[k] !== undefined);
    if (check) warn(check, `${check}: does not apply to a scheduled service: its runs are judged by their exit, not checked`);
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
