/**
 * @module process/probe
 * A health command spawned as the service's own commands are: planned by prepareExec like its
 * `command` and `stop-command` (identity, limits, working directory, environment, and any stage
 * a plan gains later), but with stdin closed and both outputs piped to the health check rather
 * than the service's log, in a process group of its own so a check that hangs is killed whole.
 */
import type { LaunchFailure } from "../engine/types.ts";
import type { ProbeChild } from "../health/types.ts";
import type { ServiceOutput } from "../log/types.ts";
import { spawnPlan, type ExecPlan } from "./exec.ts";
import { fromBun } from "./signals.ts";

/**
 * Spawns a planned health command (plan it with `command: argv, stdin: "ignore"`); a plan that
 * failed, or a spawn that did, is the LaunchFailure.
 *
 * @example
 * const child = spawnProbe(prepareExec(desc, env, systemLookups, { command: ["pg_isready"], stdin: "ignore" }));
 * if ("pid" in child) console.log(await child.exited); // { code: 0, signal: null }
 */
export function spawnProbe(plan: ExecPlan | LaunchFailure): ProbeChild | LaunchFailure {
  if (!("argv" in plan)) return plan;
  let streams: Pick<ProbeChild, "stdout" | "stderr"> = { stdout: null, stderr: null };
  const output: ServiceOutput = {
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
    attach: (s) => void (streams = s),
    release() {},
  };
  const spawned = spawnPlan(plan, output);
  if (!("proc" in spawned)) return spawned;
  const { proc } = spawned;
  return { pid: proc.pid, exited: proc.exited.then(() => fromBun(proc.exitCode, proc.signalCode)), ...streams };
}
