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
import { basename, dirname, join } from "node:path";
import type { Subprocess } from "bun";
import { DEFAULT_PATH, findProgram, HELPER_PATH, inRoot, type ProgramProblem } from "../config/program.ts";
import type { ServiceDescription } from "../config/schema.ts";
import { findUser } from "../config/users.ts";
import { describeExit } from "../engine/outcome.ts";
import type { ExitStatus, LaunchFailure } from "../engine/types.ts";
import type { ServiceOutput } from "../log/types.ts";
import { chainArgv, helperStages, readMarkers, type FindUser, type HelperStage, type Markers } from "./chain.ts";
import { errnoOf, launchFailure } from "./failure.ts";
import { spawnChild } from "./spawn.ts";
import { inPidNamespace, SysError } from "./sys.ts";

/** What preparing a launch asks of the file system. */
export interface ExecLookups {
  /** The program a command names, as execvp finds it (config/program.ts); inside `root` when given. */
  findProgram(program: string, cwd: string, searchPath: string, root?: string | null): string | ProgramProblem;
  /** A user by name or uid (config/users.ts); null when /etc/passwd has none. */
  findUser: FindUser;
  /** Why `path` (inside `root` when given) cannot be a working directory (an errno name, null when unknown); undefined when it can. */
  directoryError(path: string, root?: string | null): { errno: string | null } | undefined;
  /** bosun's own effective uid: only root may run a service as another user. */
  uid: number;
}

/** The lookups against this machine's files. */
export const systemLookups: ExecLookups = {
  findProgram,
  findUser: (nameOrUid) => findUser(nameOrUid),
  uid: process.geteuid?.() ?? 0,
  directoryError(path, root) {
    try {
      return statSync(root ? inRoot(root, path) : path).isDirectory() ? undefined : { errno: "ENOTDIR" };
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
  /**
   * A running process of the service (bosun's pid for it) whose namespaces the command joins
   * instead of getting new ones: its stop-command and health-command see the service's network,
   * mounts and processes. Null or absent: new namespaces, as the service's own command gets.
   */
  enter?: number | null;
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
  /** Where the chain starts: the working directory, or with chroot the new root (the chain moves inside). */
  cwd: string;
  env: Record<string, string>;
  /** The child's fds by number, from 0. */
  fds: ChildFd[];
  /** The helper stages the chain carries, in order. */
  stages: HelperStage[];
  /** How many of them are followed by a marker (those before the change of root): fewer marker bytes = a failed stage. */
  marked: number;
  /** The child fd the marker steps (and the helpers' stderr) write to; null without marked helpers. */
  markerFd: number | null;
  /**
   * The pid namespace to spawn into: `new` (the chain, and then the program, is its init), the
   * one of the running process with this pid, or null for bosun's own.
   */
  pidNamespace: "new" | number | null;
  /** The cgroup the child joins before exec (Bun.spawn's `cgroup` option); null for none. */
  cgroup: string | null;
}

/**
 * The working directory: working-dir, else the service file's directory (dinit's rule), else
 * bosun's own for an ad-hoc service. With chroot, a path inside the new root (default its /).
 */
export function workingDir(d: ServiceDescription): string {
  if (d.chroot !== null) return d.workingDir ?? "/";
  return d.workingDir ?? (d.file ? dirname(d.file) : process.cwd());
}

/** The lowest fd from 3 up that `taken` does not hold. */
function freeFd(taken: Iterable<number>): number {
  const used = new Set(taken);
  let fd = 3;
  while (used.has(fd)) fd++;
  return fd;
}

/**
 * The exec plan for one command of a service, or why it cannot run: stage `exec` (no command,
 * program not found or not executable), `run-as` (a user /etc/passwd does not name, or one a
 * non-root bosun cannot switch to), `chroot` (the new root is missing), `chdir`, or the stage of
 * a helper that is not installed. With chroot, the working directory and the program are looked
 * up inside the new root.
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
  const root = d.chroot;
  if (root !== null) {
    const rootError = lookups.directoryError(root);
    if (rootError) return launchFailure("chroot", rootError.errno, root);
  }
  const cwd = workingDir(d);
  const dirError = lookups.directoryError(cwd, root);
  if (dirError) return launchFailure("chdir", dirError.errno, root === null ? cwd : `${cwd} inside ${root}`);
  const childEnv: Record<string, string> = { ...Object.fromEntries(env), ...d.env, ...request.env };
  const listening = request.listenFd !== undefined;
  if (listening) childEnv.LISTEN_FDS = "1";
  const [program, ...args] = command as [string, ...string[]];
  const exe = lookups.findProgram(program, cwd, childEnv.PATH ?? DEFAULT_PATH, root);
  if (typeof exe !== "string") return launchFailure("exec", exe.errno, exe.subject);

  const extra = new Map<number, ChildFd>();
  if (listening) extra.set(LISTEN_FD, request.listenFd!);
  for (const fd of request.pipes ?? []) extra.set(fd, "pipe");
  const pidNamespace = d.namespaces.includes("pid") ? (request.enter ?? "new") : null;
  // Bun's cgroup option cannot spawn into a pid namespace on cgroup v1 (ENOMEM): there the join
  // step joins every hierarchy, its own pid then being the one the namespace gives it
  const cgroup = request.cgroup ?? null;
  const joinAll = cgroup !== null && pidNamespace !== null;
  const joinFiles = cgroup === null ? [] : joinAll ? [join(cgroup.spawnCgroup, "cgroup.procs"), ...cgroup.joinFiles] : cgroup.joinFiles;
  const stages =
    request.stages ??
    helperStages(
      d,
      {
        findUser: lookups.findUser,
        findHelper: (name, inside) => {
          const found = lookups.findProgram(name, "/", HELPER_PATH, inside ?? null);
          return typeof found === "string" ? found : null;
        },
      },
      request.enter ?? null,
      joinFiles,
    );
  if (!Array.isArray(stages)) return stages;
  const marked = stages.filter((s) => s.place !== "root").length;
  let markerFd: number | null = null;
  let stderrFd: number | null = null;
  if (marked > 0) {
    markerFd = freeFd(extra.keys());
    extra.set(markerFd, "pipe");
    // not opened by the spawn: the chain's first step puts the service's stderr there
    stderrFd = freeFd([...extra.keys()]);
    // the chain's shell steps name fds with one digit
    if (Math.max(markerFd, stderrFd) > 9) return launchFailure(stages[0]!.stage, "EMFILE", "no fd below 10 is left for the helper chain (the service's fds take 3 to 9)");
  }
  const fds: ChildFd[] = [request.stdin === "ignore" ? "ignore" : "stdin", "stdout", "stderr"];
  const top = Math.max(2, ...extra.keys());
  for (let fd = 3; fd <= top; fd++) fds.push(extra.get(fd) ?? "ignore");
  const argv = chainArgv([exe, ...args], stages, { markerFd, stderrFd, listenPid: listening });
  // the program sees the name it was given, unless a helper or shell comes first
  const argv0 = argv[0] === exe ? program : undefined;
  return { argv, argv0, cwd: root ?? cwd, env: childEnv, fds, stages, marked, markerFd, pidNamespace, cgroup: joinAll ? null : (cgroup?.spawnCgroup ?? null) };
}

/** A started plan: the process, and what came back from the helper stages (all passed once the program runs). */
export interface Spawned {
  proc: Subprocess;
  markers: Promise<Markers>;
}

/**
 * Starts a plan in a session and process group of its own (and a pid namespace of its own when
 * the plan says so, and in its cgroup), with the service's streams from `output` in the
 * placeholders, and hands the child's piped output to `output`. A spawn that throws is a
 * failure of the chain's first stage; a pid namespace bosun may not create, of stage
 * `namespaces`; a cgroup it cannot join (gone, or frozen), of stage `cgroup`.
 *
 * @example
 * const spawned = spawnPlan(plan, logs.open(desc));
 * if ("proc" in spawned) await spawned.proc.exited;
 */
export function spawnPlan(plan: ExecPlan, output: ServiceOutput): Spawned | LaunchFailure {
  const streams = { stdin: output.stdin, stdout: output.stdout, stderr: output.stderr };
  const stdio = plan.fds.map((fd) => (fd === "stdin" || fd === "stdout" || fd === "stderr" ? streams[fd] : fd));
  let proc: Subprocess;
  const spawn = () =>
    spawnChild(plan.argv, { cwd: plan.cwd, env: plan.env, argv0: plan.argv0, stdio: stdio as never, detached: true, cgroup: plan.cgroup ?? undefined });
  try {
    proc = plan.pidNamespace === null ? spawn() : inPidNamespace(plan.pidNamespace, spawn);
  } catch (e) {
    if (e instanceof SysError) {
      const which = plan.pidNamespace === "new" ? "a pid namespace of its own" : `the pid namespace of process ${plan.pidNamespace}`;
      return launchFailure("namespaces", e.code, `${which} (${e.syscall}; only root may enter or create one)`);
    }
    if (plan.cgroup !== null && (e as { path?: string }).path === plan.cgroup) return launchFailure("cgroup", errnoOf(e), `cannot join ${plan.cgroup}`);
    return launchFailure(plan.stages[0]?.stage ?? "exec", errnoOf(e) ?? "ENOEXEC", plan.argv[0]!);
  }
  output.attach({
    stdout: proc.stdout instanceof ReadableStream ? proc.stdout : null,
    stderr: proc.stderr instanceof ReadableStream ? proc.stderr : null,
  });
  const markers = plan.markerFd === null ? Promise.resolve({ passed: 0, message: "" }) : readMarkers(proc.stdio[plan.markerFd] as number, plan.marked);
  return { proc, markers };
}

/**
 * The launch failure of a plan whose process ended after `markers.passed` marker bytes: the
 * first stage without one failed, with what the helpers wrote to stderr; null when every marked
 * stage passed (what follows the change of root has no marker: its failure is the program's exit).
 *
 * @example
 * helperFailure(plan, { passed: 1, message: "setpriv: unknown capability \"foo\"" }, { code: 1, signal: null })?.message
 * // "capabilities: setpriv: unknown capability \"foo\" (before the program ran: exited with 1)"
 */
export function helperFailure(plan: ExecPlan, markers: Markers, status: ExitStatus): LaunchFailure | null {
  if (markers.passed >= plan.marked) return null;
  const failed = plan.stages[markers.passed]!;
  const said = markers.message || `${basename(failed.argv[0]!)} failed`;
  return launchFailure(failed.stage, null, `${said} (before the program ran: ${describeExit(status)})`);
}
