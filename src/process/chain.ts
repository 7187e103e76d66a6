/**
 * @module process/chain
 * The helper-command chain: settings Bun.spawn cannot apply (rlimits, niceness, I/O priority,
 * OOM score, namespaces, a new root, identity, capabilities) are applied by small commands that
 * each exec the next, e.g. `nice -n 5 choom -n 500 -- PROGRAM`. Their failures look like the
 * program's own exit codes (1, 125, 126, 127), so after each helper a tiny shell step writes one
 * marker byte (\001) to a pipe and execs on: n bytes read means the first n helpers worked, so a
 * launch that dies with fewer names the failing stage exactly. While the helpers run, their
 * stderr goes to the same pipe (the first step puts the service's stderr aside, the last one
 * puts it back), so a failure carries the helper's own message.
 *
 * Which helpers a description needs is one table, in the order they run: cgroup join (the v1
 * hierarchies beyond the one Bun.spawn joins) -> prlimit -> nice/ionice/choom -> unshare (net, mount, uts, ipc; a fresh /proc for pid) -> `ip
 * link set lo up` -> setpriv -> unshare --user -> the change of root [-> setpriv inside it].
 * Scheduling comes before the namespaces, since inside a user namespace no privilege over the
 * outside is left; identity is dropped after them, since an unprivileged user can no longer
 * unshare, except for the user namespace itself, which the run-as user creates so its ids map to
 * themselves. A pid namespace is no helper: the launcher spawns the chain into a new one
 * (process/sys.ts), so the service is its init and still bosun's own child.
 *
 * The change of root comes last. After it nothing of bosun's machine is reachable, so no marker
 * step follows it, nor the setpriv inside the new root that capabilities then need (switching
 * the user before the chroot would drop them); the launcher checks beforehand what those steps
 * need (the root, the working directory and the program inside it).
 *
 * A command run beside a running service (its stop-command, its health-command) joins that
 * service's namespaces instead, with nsenter where unshare would make new ones.
 */
import { closeSync } from "node:fs";
import { join } from "node:path";
import { joinArgv } from "../cgroup/join.ts";
import type { LaunchFailure } from "../engine/types.ts";
import { HELPER_PACKAGES, parseCapabilities, SECUREBITS, setprivInRoot } from "../config/isolation.ts";
import type { ServiceDescription } from "../config/schema.ts";
import type { User } from "../config/users.ts";
import { ValueError } from "../config/value.ts";
import { launchFailure } from "./failure.ts";

/** One helper: the stage name a failure reports, and its argv prefix (it execs what follows). */
export interface HelperStage {
  stage: string;
  argv: string[];
  /** `root`: it changes the root or runs inside the new one, so no marker step can follow it. */
  place?: "root";
}

/** Looks a user up by name or uid (config/users.ts `findUser`, or a test's table). */
export type FindUser = (nameOrUid: string) => User | null;

/** What building the chain asks of the machine. */
export interface ChainLookups {
  findUser: FindUser;
  /** A helper program's absolute path on bosun's machine (inside `root` when given), or null when it is not installed there. */
  findHelper(program: string, root?: string): string | null;
}

/** What a row gets: the user table, and helper paths (a missing helper ends the chain's planning). */
interface Tools {
  findUser: FindUser;
  /** A running process whose namespaces the command joins; null: new ones. */
  enter: number | null;
  /** The cgroup v1 `cgroup.procs` files the command joins before anything else runs. */
  joinFiles: readonly string[];
  /** The helper's absolute path; `why` says, for a missing one, why it is needed where it is. */
  helper(program: string, root?: string, why?: string): string;
}

/** A helper the chain may carry: its stage name, and its argv for a description (null: not needed). */
interface StageRow {
  stage: string;
  place?: "root";
  argv(d: ServiceDescription, tools: Tools): string[] | null;
}

const capabilitySettings = (d: ServiceDescription) => d.capabilities !== null || d.securebits.length > 0;
const userNamespace = (d: ServiceDescription) => d.namespaces.includes("user");

/**
 * Every helper, in the order they must run; a new helper is one more row in its place. The
 * cgroup join comes first, so every helper after it (one that forks, say) is born inside the
 * service's cgroups; then limits (prlimit), scheduling (nice, ionice, choom), the namespaces,
 * and setpriv: once the identity is dropped, the helpers after it would run unprivileged. The
 * `root` rows come last.
 */
const STAGES: StageRow[] = [
  { stage: "cgroup", argv: (_d, t) => (t.joinFiles.length > 0 ? joinArgv(t.joinFiles) : null) },
  {
    stage: "rlimit",
    argv(d, t) {
      const limits = Object.entries(d.rlimits).flatMap(([name, l]) => (l === null ? [] : [`--${prlimitName[name as keyof typeof d.rlimits]}=${l.soft ?? ""}:${l.hard ?? ""}`]));
      return limits.length > 0 ? [t.helper("prlimit"), ...limits, "--"] : null;
    },
  },
  { stage: "nice", argv: (d, t) => (d.nice === null ? null : [t.helper("nice"), "-n", String(d.nice)]) },
  { stage: "ioprio", argv: (d, t) => (d.ioprio === null ? null : [t.helper("ionice"), ...ioniceArgs(d.ioprio), "--"]) },
  { stage: "oom-score-adj", argv: (d, t) => (d.oomScoreAdj === null ? null : [t.helper("choom"), "-n", String(d.oomScoreAdj), "--"]) },
  { stage: "namespaces", argv: unshareArgv },
  {
    stage: "namespaces",
    // a fresh network namespace has only lo, and that one down
    argv: (d, t) => (d.namespaces.includes("net") && t.enter === null ? ["/bin/sh", "-c", `${t.helper("ip")} link set lo up && exec "$0" "$@"`] : null),
  },
  // one setpriv applies identity, capabilities, securebits and no-new-privs, named by the most specific
  { stage: "capabilities", argv: (d, t) => (d.capabilities !== null && !setprivInRoot(d) ? setprivArgv(d, t, null) : null) },
  { stage: "securebits", argv: (d, t) => (d.capabilities === null && d.securebits.length > 0 && !setprivInRoot(d) ? setprivArgv(d, t, null) : null) },
  {
    stage: "run-as",
    // in a new root without a user namespace, the change of root switches the user itself
    argv: (d, t) => (!capabilitySettings(d) && d.runAs !== null && (d.chroot === null || userNamespace(d)) ? setprivArgv(d, t, null) : null),
  },
  {
    stage: "no-new-privs",
    argv: (d, t) => (!capabilitySettings(d) && d.noNewPrivs && (d.runAs === null || (d.chroot !== null && !userNamespace(d))) ? [t.helper("setpriv"), "--no-new-privs", "--"] : null),
  },
  {
    stage: "namespaces",
    argv: (d, t) => (userNamespace(d) && d.chroot === null ? [...(t.enter === null ? [t.helper("unshare"), "--user", "--map-current-user"] : enterUser(t)), "--"] : null),
  },
  { stage: "chroot", place: "root", argv: rootArgv },
  { stage: "capabilities", place: "root", argv: (d, t) => (setprivInRoot(d) ? setprivArgv(d, t, d.chroot) : null) },
];

/**
 * The helpers a description needs, in the order they must run (empty for most services), or the
 * launch failure of a helper that is not installed (naming the Debian package that ships it) or
 * of a value a helper cannot take (an unknown capability in a description built in code).
 *
 * @example
 * helperStages(describe({ name: "x", nice: 5 }), lookups) // [{ stage: "nice", argv: ["/usr/bin/nice", "-n", "5"] }]
 */
export function helperStages(d: ServiceDescription, lookups: ChainLookups, enter: number | null = null, joinFiles: readonly string[] = []): HelperStage[] | LaunchFailure {
  const stages: HelperStage[] = [];
  for (const row of STAGES) {
    const helper = (program: string, root?: string, why?: string): string => {
      const found = lookups.findHelper(program, root);
      if (found !== null) return found;
      const where = root === undefined ? "" : ` inside ${root}`;
      const install = `install the Debian package ${HELPER_PACKAGES[program] ?? program}${root === undefined ? "" : " there"}`;
      throw new MissingHelper(launchFailure(row.stage, "ENOENT", `${program}${where}; ${install}${why ? ` (${why})` : ""}`));
    };
    try {
      const argv = row.argv(d, { findUser: lookups.findUser, enter, joinFiles, helper });
      if (argv !== null) stages.push(row.place ? { stage: row.stage, argv, place: row.place } : { stage: row.stage, argv });
    } catch (e) {
      if (e instanceof MissingHelper) return e.failure;
      // a value the loader would have refused (a description built in code, say)
      if (e instanceof ValueError) return launchFailure(row.stage, null, e.message);
      throw e;
    }
  }
  return stages;
}

/** A row asked for a helper that is not installed: planning stops with this failure. */
class MissingHelper extends Error {
  constructor(readonly failure: LaunchFailure) {
    super(failure.message);
  }
}

/** prlimit's option for each of dinit's rlimit settings. */
const prlimitName = { nofile: "nofile", core: "core", data: "data", addrspace: "as" } as const;

/** dinit's `none | idle | realtime:N | best-effort:N` as ionice's class and level. */
function ioniceArgs(ioprio: string): string[] {
  const [cls, level] = ioprio.split(":");
  const classes: Record<string, string> = { none: "0", realtime: "1", "best-effort": "2", idle: "3" };
  return level === undefined ? ["-c", classes[cls!]!] : ["-c", classes[cls!]!, "-n", level];
}

/**
 * unshare for the namespaces other than `user` (that one comes after the identity switch). A
 * pid namespace gets a fresh /proc in a mount namespace of its own, at the new root's /proc
 * when there is one, so `ps` inside sees the namespace's processes. Joining a running service's
 * namespaces is nsenter's, its mount namespace included for the /proc of its pid namespace.
 */
function unshareArgv(d: ServiceDescription, t: Tools): string[] | null {
  const kinds: string[] = (["net", "mount", "uts", "ipc"] as const).filter((ns) => d.namespaces.includes(ns));
  if (t.enter !== null) {
    if (d.namespaces.includes("pid") && !kinds.includes("mount")) kinds.push("mount");
    return kinds.length > 0 ? [t.helper("nsenter"), `--target=${t.enter}`, ...kinds.map((ns) => `--${ns}`), "--"] : null;
  }
  const flags = kinds.map((ns) => `--${ns}`);
  if (d.namespaces.includes("pid")) flags.push(d.chroot === null ? "--mount-proc" : `--mount-proc=${d.chroot}/proc`);
  return flags.length > 0 ? [t.helper("unshare"), ...flags, "--"] : null;
}

/** nsenter into a running service's user namespace, keeping the run-as ids setpriv gave (they map to themselves there). */
const enterUser = (t: Tools) => [t.helper("nsenter"), `--target=${t.enter}`, "--user", "--preserve-credentials"];

/** The uid and gid `run-as` names: a passwd entry's, or a bare uid with the group of the same number. */
function ids(runAs: string, findUser: FindUser): { uid: number; gid: number } | null {
  const user = findUser(runAs);
  if (user) return { uid: user.uid, gid: user.gid };
  return /^\d+$/.test(runAs) ? { uid: Number(runAs), gid: Number(runAs) } : null;
}

/**
 * A name with no passwd entry must not run with root's group under a half-known identity: the
 * launch refuses it before spawning, and should /etc/passwd change in between, this step fails
 * (exit 1, no marker) instead.
 */
const noSuchUser = (runAs: string) => ["/bin/sh", "-c", 'echo "no user $0 in /etc/passwd" >&2; exit 1', runAs];

/**
 * The change of root, by unshare (`--root` and `--wd`, so no tool is needed inside): in a user
 * namespace it also creates that namespace; otherwise, when no setpriv follows inside the new
 * root, it switches to the run-as uid and gid (with no supplementary groups: the group list
 * is the host's /etc/group, which the service no longer sees).
 */
function rootArgv(d: ServiceDescription, t: Tools): string[] | null {
  if (d.chroot === null) return null;
  const where = [`--root=${d.chroot}`, `--wd=${d.workingDir ?? "/"}`];
  // nsenter opens --wd's directory before it changes root: the path is the one outside
  if (userNamespace(d) && t.enter !== null) return [...enterUser(t), `--root=${d.chroot}`, `--wd=${join(d.chroot, d.workingDir ?? "/")}`, "--"];
  if (userNamespace(d)) return [t.helper("unshare"), "--user", "--map-current-user", ...where, "--"];
  if (d.runAs === null || setprivInRoot(d)) return [t.helper("unshare"), ...where, "--"];
  const id = ids(d.runAs, t.findUser);
  if (id === null) return noSuchUser(d.runAs);
  return [t.helper("unshare"), ...where, `--setgid=${id.gid}`, `--setuid=${id.uid}`, "--"];
}

/**
 * setpriv for `run-as`, `capabilities`, `securebits` and `no-new-privs` together. On bosun's
 * machine a user in /etc/passwd gets its primary group and supplementary groups (dinit's
 * initgroups), a bare uid with no entry (a container's `USER 1000`) the group of the same number
 * and no supplementary groups; inside a new root (`root`), the uid and gid only. Capabilities
 * are dinit's IAB, set exactly: the inheritable and ambient sets become the ones given, and `!`
 * drops from the bounding set.
 */
function setprivArgv(d: ServiceDescription, t: Tools, root: string | null): string[] {
  const why = "with chroot, setpriv sets capabilities and securebits after the change of root, so it must be there";
  const argv = [root === null ? t.helper("setpriv") : t.helper("setpriv", root, why)];
  if (d.runAs !== null) {
    const user = t.findUser(d.runAs);
    const id = ids(d.runAs, t.findUser);
    if (id === null) return noSuchUser(d.runAs);
    argv.push(`--reuid=${id.uid}`, `--regid=${id.gid}`, user && root === null ? "--init-groups" : "--clear-groups");
  }
  if (d.capabilities !== null) {
    const iab = parseCapabilities(d.capabilities);
    argv.push(`--inh-caps=${["-all", ...iab.inheritable.map((c) => `+${c}`)].join(",")}`);
    argv.push(`--ambient-caps=${["-all", ...iab.ambient.map((c) => `+${c}`)].join(",")}`);
    if (iab.blocked.length > 0) argv.push(`--bounding-set=${iab.blocked.map((c) => `-${c}`).join(",")}`);
  }
  if (d.securebits.length > 0) argv.push(`--securebits=${d.securebits.map((b) => `+${SECUREBITS[b]}`).join(",")}`);
  if (d.noNewPrivs) argv.push("--no-new-privs");
  return [...argv, "--"];
}

/** The marker byte (written as printf's `\001`): no helper's message contains it. */
const MARK = 1;

/** Where the chain's bookkeeping goes: the marker pipe, and the fd the service's stderr waits on meanwhile. */
export interface ChainFds {
  markerFd: number | null;
  stderrFd: number | null;
  listenPid: boolean;
}

/**
 * The full argv: a first step that sends stderr to the marker pipe (keeping the service's aside),
 * then each helper followed by a marker step; the last marker step also restores stderr, closes
 * its fds (the program must not inherit them) and, for socket-listen, sets LISTEN_PID to its own
 * pid, which is the program's pid after exec. The `root` stages follow with no step between.
 *
 * @example
 * chainArgv(["sleep", "1"], [{ stage: "nice", argv: ["nice", "-n", "5"] }], { markerFd: 3, stderrFd: 4, listenPid: false })
 * // ["/bin/sh","-c","exec 4>&2 2>&3; exec \"$0\" \"$@\"","nice","-n","5",
 * //  "/bin/sh","-c","printf '\\001' >&3; exec 2>&4 4>&- 3>&-; exec \"$0\" \"$@\"","sleep","1"]
 */
export function chainArgv(program: string[], stages: HelperStage[], fds: ChainFds): string[] {
  const outside = stages.filter((s) => s.place !== "root");
  const inside = stages.filter((s) => s.place === "root");
  const listen = fds.listenPid ? "LISTEN_PID=$$; export LISTEN_PID; " : "";
  const argv: string[] = [];
  if (outside.length > 0) {
    const [m, e] = [fds.markerFd!, fds.stderrFd!];
    const mark = `printf '\\001' >&${m}`; // MARK
    argv.push("/bin/sh", "-c", `exec ${e}>&2 2>&${m}; exec "$0" "$@"`);
    outside.forEach((s, i) => {
      const step = i < outside.length - 1 ? `${mark}; exec "$0" "$@"` : `${mark}; exec 2>&${e} ${e}>&- ${m}>&-; ${listen}exec "$0" "$@"`;
      argv.push(...s.argv, "/bin/sh", "-c", step);
    });
  } else if (listen) {
    argv.push("/bin/sh", "-c", `${listen}exec "$0" "$@"`);
  }
  for (const s of inside) argv.push(...s.argv);
  return [...argv, ...program];
}

/** What came back on the marker pipe: how many helpers passed, and what they wrote to stderr. */
export interface Markers {
  passed: number;
  /** The helpers' stderr, one line (empty when they said nothing). */
  message: string;
}

/** The most of the helpers' stderr a failure carries. */
const MESSAGE_LIMIT = 2000;

/**
 * Reads the parent's end of the marker pipe until `expected` markers arrived or the pipe closed,
 * counting marker bytes and keeping the rest as the helpers' message (the fd is closed afterwards).
 */
export async function readMarkers(fd: number, expected: number): Promise<Markers> {
  let passed = 0;
  const text: number[] = [];
  const reader = Bun.file(fd).stream().getReader();
  try {
    while (passed < expected) {
      const { done, value } = await reader.read();
      if (done) break;
      for (const byte of value) {
        if (byte === MARK) passed++;
        else if (text.length < MESSAGE_LIMIT) text.push(byte);
      }
    }
  } catch {
    // a read error means the writer is gone: what arrived is what counts
  } finally {
    reader.cancel().catch(() => {});
    try {
      closeSync(fd);
    } catch {
      // already closed
    }
  }
  const message = new TextDecoder().decode(new Uint8Array(text)).split("\n").map((l) => l.trim()).filter((l) => l !== "").join("; ");
  return { passed, message };
}
