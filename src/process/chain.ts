/**
 * @module process/chain
 * The helper-command chain: settings Bun.spawn cannot apply (rlimits, niceness, I/O priority,
 * OOM score, identity; later namespaces and chroot) are applied by small commands that each exec the next, e.g.
 * `nice -n 5 choom -n 500 -- PROGRAM`. Their failures look like the program's own exit codes
 * (1, 125, 126, 127), so after each helper a tiny shell step writes one byte to a marker pipe
 * and execs on: n bytes read means the first n helpers worked, so a launch that dies with
 * fewer names the failing stage exactly; all bytes means the program itself is running.
 *
 * Order when more exist: prlimit -> unshare -> chroot -> nice/ionice/choom -> setpriv (drop
 * identity last: an unprivileged user can no longer unshare).
 */
import { closeSync } from "node:fs";
import type { ServiceDescription } from "../config/schema.ts";
import { findUser } from "../config/users.ts";

/** One helper: the stage name a failure reports, and its argv prefix (it execs what follows). */
export interface HelperStage {
  stage: string;
  argv: string[];
}

/**
 * The helpers a description needs, in the order they must run; empty for most services.
 *
 * @example
 * helperStages(describe({ name: "x", nice: 5 })) // [{ stage: "nice", argv: ["nice", "-n", "5"] }]
 */
export function helperStages(d: ServiceDescription): HelperStage[] {
  const stages: HelperStage[] = [];
  const limits = Object.entries(d.rlimits).flatMap(([name, l]) => (l === null ? [] : [`--${prlimitName[name as keyof typeof d.rlimits]}=${l.soft ?? ""}:${l.hard ?? ""}`]));
  if (limits.length > 0) stages.push({ stage: "rlimit", argv: ["prlimit", ...limits, "--"] });
  if (d.nice !== null) stages.push({ stage: "nice", argv: ["nice", "-n", String(d.nice)] });
  if (d.ioprio !== null) stages.push({ stage: "ioprio", argv: ["ionice", ...ioniceArgs(d.ioprio), "--"] });
  if (d.oomScoreAdj !== null) stages.push({ stage: "oom-score-adj", argv: ["choom", "-n", String(d.oomScoreAdj), "--"] });
  const nnp = d.noNewPrivs ? ["--no-new-privs"] : [];
  if (d.runAs !== null) {
    const identity = setprivIdentity(d.runAs);
    // The launcher refuses unknown names before spawning; should /etc/passwd change in between,
    // this stage fails (exit 1, no marker) rather than run the program with root's group.
    const unknown = ["/bin/sh", "-c", 'echo "no user $0 in /etc/passwd" >&2; exit 1', d.runAs];
    stages.push({ stage: "run-as", argv: identity ? ["setpriv", ...identity, ...nnp, "--"] : unknown });
  } else if (nnp.length > 0) {
    stages.push({ stage: "no-new-privs", argv: ["setpriv", ...nnp, "--"] });
  }
  return stages;
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
 * setpriv's identity flags for `run-as`. A user in /etc/passwd gets its primary group and
 * supplementary groups (dinit's initgroups); a bare uid with no entry (a container's
 * `USER 1000`) gets the group of the same number and no supplementary groups. A name with no
 * entry is null: the program must not run with root's group under a half-known identity.
 */
function setprivIdentity(runAs: string): string[] | null {
  const user = findUser(runAs);
  if (user) return [`--reuid=${user.uid}`, `--regid=${user.gid}`, "--init-groups"];
  if (/^\d+$/.test(runAs)) return [`--reuid=${runAs}`, `--regid=${runAs}`, "--clear-groups"];
  return null;
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
