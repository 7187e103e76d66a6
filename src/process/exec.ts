/**
 * @module process/exec
 * How one command of a service is run, as a value: `prepareExec` starts nothing and works out
 * the exec plan (the full argv with the helper chain, argv0, working directory, environment and
 * the child's fd layout), or the LaunchFailure that stops it, naming its stage. Its file-system
 * lookups come in as `ExecLookups`, so the rules can be tested without real files. `spawnPlan`
 * then carries a plan out. Any command that runs with the service's identity, limits and
 * working directory goes through here: the service's `command`, its `stop-command`. A plan
 * carries the cgroup of the service's run, so whatever it starts is born inside it.
 */
import { statSync } from "node:fs";
import { dirname } from "node:path";
import type { Subprocess } from "bun";
import { DEFAULT_PATH, findProgram, type ProgramProblem } from "../config/program.ts";
import type { ServiceDescription } from "../config/schema.ts";
import { findUser } from "../config/users.ts";
import { describeExit } from "../engine/outcome.ts";
import type { ExitStatus, LaunchFailure } from "../engine/types.ts";
import type { ServiceOutput } from "../log/types.ts";
import { chainArgv, helperStages, readMarkers, type FindUser, type HelperStage } from "./chain.ts";
import { errnoOf, launchFailure } from "./failure.ts";
import { spawnChild } from "./spawn.ts";

/** What preparing a launch asks of the file system. */
export interface ExecLookups {
  /** The program a command names, as execvp finds it (config/program.ts). */
  findProgram(program: string, cwd: string, searchPath: string): string | ProgramProblem;
  /** A user by name or uid (config/users.ts); null when /etc/passwd has none. */
  findUser: FindUser;
  /** Why `path` cannot be a working directory (an errno name, null when unknown); undefined when it can. */
  directoryError(path: string): { errno: string | null } | undefined;
  /** bosun's own effective uid: only root may run a service as another user. */
  uid: number;
}

/** The lookups against this machine's files. */
export const systemLookups: ExecLookups = {
  findProgram,
  findUser: (nameOrUid) => findUser(nameOrUid),
  uid: process.geteuid?.() ?? 0,
  directoryError(path) {
    try {
      return statSync(path).isDirectory() ? undefined : { errno: "ENOTDIR" };
    } catch (e) {
      return { errno: errnoOf(e) };
    }
  },
};

/** The fd socket-listen's socket is passed on (systemd's LISTEN_FDS protocol: the first after stderr). */
export const LISTEN_FD = 3;

/** What to run besides the description's defaults. */
export interface ExecRequest {
  /** The command (default: the description's `command`): its `stop-command`, say. */
  command?: string[];
  /** The child's stdin: the service's own (default; a consumer's is the producer's pipe) or /dev/null. */
  stdin?: "service" | "ignore";
  /** socket-listen's listening socket: passed on fd 3 with LISTEN_FDS and LISTEN_PID. */
  listenFd?: number;
  /** Child fds that are pipes bosun reads (a readiness channel's). */
  pipes?: number[];
  /** Variables added over the daemon's and the service's environment (one naming a pipe fd, say). */
  env?: Record<string, string>;
  /** The helper stages to run instead of the description's (tests inject failing ones). */
  stages?: HelperStage[];
  /** The cgroup of the service's run, which the command joins before exec (null: none). */
  cgroup?: PlanCgroup | null;
}

/** Where a command joins its service's cgroup: Bun.spawn's `cgroup` option, and the v1 `cgroup.procs` files of the join step. */
export interface PlanCgroup {
  readonly spawnCgroup: string;
  readonly joinFiles: readonly string[];
}

/**
 * One child fd as planned: a placeholder for one of the service's own streams (the log router
 * gives it at spawn), /dev/null, a pipe bosun reads, or an fd bosun holds (a listening socket).
 */
export type ChildFd = "stdin" | "stdout" | "stderr" | "ignore" | "pipe" | number;

/** Everything a spawn needs, decided before anything starts. */
export interface ExecPlan {
  /** The full argv: helpers each followed by a marker step, then the program by its absolute path. */
  argv: string[];
  /** The name the program sees as argv[0] (as written in the command), when it is exec'd directly. */
  argv0: string | undefined;
  cwd: string;
  env: Record<string, string>;
  /** The child's fds by number, from 0. */
  fds: ChildFd[];
  /** The helper stages the chain carries, in order: fewer marker bytes than these = a failed stage. */
  stages: HelperStage[];
  /** The child fd the marker steps write to; null without helpers. */
  markerFd: number | null;
  /** The cgroup the child joins before exec (Bun.spawn's `cgroup` option); null for none. */
  cgroup: string | null;
}

/**
 * The working directory: working-dir, else the service file's directory (dinit's rule), else
 * bosun's own for an ad-hoc service.
 */
export function workingDir(d: ServiceDescription): string {
  return d.workingDir ?? (d.file ? dirname(d.file) : process.cwd());
}

/**
 * The exec plan for one command of a service, or why it cannot run: stage `exec` (no command,
 * program not found or not executable), `run-as` (a user /etc/passwd does not name, or one a
 * non-root bosun cannot switch to) or `chdir`.
 * The environment is the daemon's, then the service's own, then the request's.
 *
 * @example
 * const plan = prepareExec(desc, daemonEnv, systemLookups);
 * if ("argv" in plan) spawnPlan(plan, logs.open(desc));
 * else console.log(plan.message); // "exec: ENOENT (no such file: nosuchprog in PATH)"
 */
export function prepareExec(d: ServiceDescription, env: ReadonlyMap<string, string>, lookups: ExecLookups, request: ExecRequest = {}): ExecPlan | LaunchFailure {
  const command = request.command ?? d.command;
  if (!command || command.length === 0) return launchFailure("exec", null, request.command ? "empty command" : `no command (type ${d.type} needs one)`);
  if (d.runAs !== null) {
    const target = /^\d+$/.test(d.runAs) ? Number(d.runAs) : (lookups.findUser(d.runAs)?.uid ?? null);
    if (target === null) return launchFailure("run-as", null, `no user ${d.runAs} in /etc/passwd`);
    // A non-root bosun (a container's USER 1000, a session supervisor) cannot switch users at all.
    if (lookups.uid !== 0 && target !== lookups.uid) {
      return launchFailure("run-as", "EPERM", `bosun runs as uid ${lookups.uid}, not root, so it cannot run ${d.name} as ${d.runAs}; run bosun as root or remove run-as`);
    }
  }
  const cwd = workingDir(d);
  const dirError = lookups.directoryError(cwd);
  if (dirError) return launchFailure("chdir", dirError.errno, cwd);
  const childEnv: Record<string, string> = { ...Object.fromEntries(env), ...d.env, ...request.env };
  const listening = request.listenFd !== undefined;
  if (listening) childEnv.LISTEN_FDS = "1";
  const [program, ...args] = command as [string, ...string[]];
  const exe = lookups.findProgram(program, cwd, childEnv.PATH ?? DEFAULT_PATH);
  if (typeof exe !== "string") return launchFailure("exec", exe.errno, exe.subject);

  const extra = new Map<number, ChildFd>();
  if (listening) extra.set(LISTEN_FD, request.listenFd!);
  for (const fd of request.pipes ?? []) extra.set(fd, "pipe");
  const stages = request.stages ?? helperStages(d, lookups.findUser, { joinFiles: request.cgroup?.joinFiles });
  let markerFd: number | null = null;
  if (stages.length > 0) {
    markerFd = 3;
    while (extra.has(markerFd)) markerFd++;
    extra.set(markerFd, "pipe");
  }
  const fds: ChildFd[] = [request.stdin === "ignore" ? "ignore" : "stdin", "stdout", "stderr"];
  const top = Math.max(2, ...extra.keys());
  for (let fd = 3; fd <= top; fd++) fds.push(extra.get(fd) ?? "ignore");
  const argv = chainArgv([exe, ...args], stages, { markerFd, listenPid: listening });
  // the program sees the name it was given, unless a helper or shell comes first
  return { argv, argv0: argv[0] === exe ? program : undefined, cwd, env: childEnv, fds, stages, markerFd, cgroup: request.cgroup?.spawnCgroup ?? null };
}

/** A started plan: the process, and the count of helper stages that passed (all of them once the program runs). */
export interface Spawned {
  proc: Subprocess;
  markers: Promise<number>;
}

/**
 * Starts a plan in a session and process group of its own (and in its cgroup), with the
 * service's streams from `output` in the placeholders, and hands the child's piped output to
 * `output`. A spawn that throws is a failure at stage `cgroup` when the cgroup could not be
 * joined (gone, or frozen), else of the chain's first stage (its helper missing, say).
 *
 * @example
 * const spawned = spawnPlan(plan, logs.open(desc));
 * if ("proc" in spawned) await spawned.proc.exited;
 */
export function spawnPlan(plan: ExecPlan, output: ServiceOutput): Spawned | LaunchFailure {
  const streams = { stdin: output.stdin, stdout: output.stdout, stderr: output.stderr };
  const stdio = plan.fds.map((fd) => (fd === "stdin" || fd === "stdout" || fd === "stderr" ? streams[fd] : fd));
  let proc: Subprocess;
  try {
    proc = spawnChild(plan.argv, { cwd: plan.cwd, env: plan.env, argv0: plan.argv0, stdio: stdio as never, detached: true, cgroup: plan.cgroup ?? undefined });
  } catch (e) {
    if (plan.cgroup !== null && (e as { path?: string }).path === plan.cgroup) return launchFailure("cgroup", errnoOf(e), `cannot join ${plan.cgroup}`);
    return launchFailure(plan.stages[0]?.stage ?? "exec", errnoOf(e) ?? "ENOEXEC", plan.argv[0]!);
  }
  output.attach({
    stdout: proc.stdout instanceof ReadableStream ? proc.stdout : null,
    stderr: proc.stderr instanceof ReadableStream ? proc.stderr : null,
  });
  const markers = plan.markerFd === null ? Promise.resolve(0) : readMarkers(proc.stdio[plan.markerFd] as number, plan.stages.length);
  return { proc, markers };
}

/**
 * The launch failure of a plan whose process ended after `passed` marker bytes: the first stage
 * without one failed (its own message went to the service's log); null when the program ran.
 *
 * @example
 * helperFailure(plan, 1, { code: 127, signal: null })?.message
 * // "run-as: setpriv failed before the program ran (exited with 127); its message is in the service's log"
 */
export function helperFailure(plan: ExecPlan, passed: number, status: ExitStatus): LaunchFailure | null {
  const failed = plan.stages[passed];
  if (!failed) return null;
  return launchFailure(failed.stage, null, `${failed.argv[0]} failed before the program ran (${describeExit(status)}); its message is in the service's log`);
}
