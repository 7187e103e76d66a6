/**
 * @module process/chain
 * The helper-command chain: settings Bun.spawn cannot apply (niceness, OOM score, and later
 * limits, namespaces, identity) are applied by small commands that each exec the next, e.g.
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
  if (d.nice !== null) stages.push({ stage: "nice", argv: ["nice", "-n", String(d.nice)] });
  if (d.oomScoreAdj !== null) stages.push({ stage: "oom-score-adj", argv: ["choom", "-n", String(d.oomScoreAdj), "--"] });
  return stages;
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
