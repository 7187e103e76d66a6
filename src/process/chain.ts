/**
 * @module process/chain
 * The helper-command chain: settings Bun.spawn cannot apply (rlimits, niceness, I/O priority,
 * OOM score, identity; later namespaces and chroot) are applied by small commands that each exec the next, e.g.
 * `nice -n 5 choom -n 500 -- PROGRAM`. Their failures look like the program's own exit codes
 * (1, 125, 126, 127), so after each helper a tiny shell step writes one byte to a marker pipe
 * and execs on: n bytes read means the first n helpers worked, so a launch that dies with
 * fewer names the failing stage exactly; all bytes means the program itself is running.
 *
 * Which helpers a description needs is one table, in the order they run: cgroup join ->
 * prlimit -> unshare -> chroot -> nice/ionice/choom -> setpriv (unshare and chroot are not
 * built yet; identity is dropped last, since an unprivileged user can no longer unshare).
 */
import { closeSync } from "node:fs";
import { joinArgv } from "../cgroup/join.ts";
import type { ServiceDescription } from "../config/schema.ts";
import type { User } from "../config/users.ts";

/** One helper: the stage name a failure reports, and its argv prefix (it execs what follows). */
export interface HelperStage {
  stage: string;
  argv: string[];
}

/** Looks a user up by name or uid (config/users.ts `findUser`, or a test's table). */
export type FindUser = (nameOrUid: string) => User | null;

/** What a launch adds to the description: the cgroup v1 `cgroup.procs` files the join step writes. */
export interface StageExtras {
  joinFiles?: readonly string[];
}

/** A helper the chain may carry: its stage name, and its argv for a description (null: not needed). */
interface StageRow {
  stage: string;
  argv(d: ServiceDescription, findUser: FindUser, extras: StageExtras): string[] | null;
}

/**
 * Every helper, in the order they must run; a new helper is one more row in its place. The
 * cgroup join comes first, so every helper after it (one that forks, say) is born inside the
 * service's cgroups; then limits (prlimit; unshare and chroot belong after it, in that order),
 * then scheduling (nice, ionice, choom), and setpriv last: once the identity is dropped, the
 * helpers after it would run unprivileged.
 */
const STAGES: StageRow[] = [
  // the cgroup v1 hierarchies beyond the one Bun.spawn joins
  { stage: "cgroup", argv: (_d, _findUser, x) => (x.joinFiles?.length ? joinArgv(x.joinFiles) : null) },
  {
    stage: "rlimit",
    argv(d) {
      const limits = Object.entries(d.rlimits).flatMap(([name, l]) => (l === null ? [] : [`--${prlimitName[name as keyof typeof d.rlimits]}=${l.soft ?? ""}:${l.hard ?? ""}`]));
      return limits.length > 0 ? ["prlimit", ...limits, "--"] : null;
    },
  },
  { stage: "nice", argv: (d) => (d.nice === null ? null : ["nice", "-n", String(d.nice)]) },
  { stage: "ioprio", argv: (d) => (d.ioprio === null ? null : ["ionice", ...ioniceArgs(d.ioprio), "--"]) },
  { stage: "oom-score-adj", argv: (d) => (d.oomScoreAdj === null ? null : ["choom", "-n", String(d.oomScoreAdj), "--"]) },
  { stage: "run-as", argv: (d, findUser) => (d.runAs === null ? null : runAsArgv(d.runAs, d.noNewPrivs, findUser)) },
  // with run-as, the flag goes on that row's setpriv; without, setpriv runs for the flag alone
  { stage: "no-new-privs", argv: (d) => (d.runAs === null && d.noNewPrivs ? ["setpriv", "--no-new-privs", "--"] : null) },
];

/**
 * The helpers a description needs, in the order they must run; empty for most services.
 *
 * @example
 * helperStages(describe({ name: "x", nice: 5 }), findUser) // [{ stage: "nice", argv: ["nice", "-n", "5"] }]
 */
export function helperStages(d: ServiceDescription, findUser: FindUser, extras: StageExtras = {}): HelperStage[] {
  return STAGES.flatMap((row) => {
    const argv = row.argv(d, findUser, extras);
    return argv === null ? [] : [{ stage: row.stage, argv }];
  });
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
 * setpriv for `run-as`. A user in /etc/passwd gets its primary group and supplementary groups
 * (dinit's initgroups); a bare uid with no entry (a container's `USER 1000`) gets the group of
 * the same number and no supplementary groups. A name with no entry must not run with root's
 * group under a half-known identity: the launch refuses it before spawning, and should
 * /etc/passwd change in between, this stage fails (exit 1, no marker) instead.
 */
function runAsArgv(runAs: string, noNewPrivs: boolean, findUser: FindUser): string[] {
  const nnp = noNewPrivs ? ["--no-new-privs"] : [];
  const user = findUser(runAs);
  if (user) return ["setpriv", `--reuid=${user.uid}`, `--regid=${user.gid}`, "--init-groups", ...nnp, "--"];
  if (/^\d+$/.test(runAs)) return ["setpriv", `--reuid=${runAs}`, `--regid=${runAs}`, "--clear-groups", ...nnp, "--"];
  return ["/bin/sh", "-c", 'echo "no user $0 in /etc/passwd" >&2; exit 1', runAs];
}

/** `printf` to the marker fd, then exec the rest: the step between helpers. */
const markStep = (fd: number) => ["/bin/sh", "-c", `printf x >&${fd}; exec "$0" "$@"`];

/**
 * The full argv: helpers, each followed by a marker step; the last step also closes the
 * marker fd (the program must not inherit it) and, for socket-listen, sets LISTEN_PID to its
 * own pid, which is the program's pid after exec.
 *
 * @example
 * chainArgv(["sleep", "1"], [{ stage: "nice", argv: ["nice", "-n", "5"] }], { markerFd: 4, listenPid: false })
 * // ["nice","-n","5","/bin/sh","-c","printf x >&4; exec 4>&-; exec \"$0\" \"$@\"","sleep","1"]
 */
export function chainArgv(program: string[], stages: HelperStage[], opts: { markerFd: number | null; listenPid: boolean }): string[] {
  const listen = opts.listenPid ? 'LISTEN_PID=$$; export LISTEN_PID; ' : "";
  const last =
    opts.markerFd === null
      ? listen
        ? ["/bin/sh", "-c", `${listen}exec "$0" "$@"`]
        : []
      : ["/bin/sh", "-c", `printf x >&${opts.markerFd}; exec ${opts.markerFd}>&-; ${listen}exec "$0" "$@"`];
  const argv: string[] = [];
  stages.forEach((s, i) => argv.push(...s.argv, ...(i < stages.length - 1 ? markStep(opts.markerFd!) : last)));
  if (stages.length === 0) argv.push(...last);
  return [...argv, ...program];
}

/**
 * Counts marker bytes from the parent's end of the marker pipe until `expected` arrived or the
 * pipe closed; resolves to the count (the fd is closed afterwards).
 */
export async function readMarkers(fd: number, expected: number): Promise<number> {
  let count = 0;
  const reader = Bun.file(fd).stream().getReader();
  try {
    while (count < expected) {
      const { done, value } = await reader.read();
      if (done) break;
      count += value.length;
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
  return count;
}
