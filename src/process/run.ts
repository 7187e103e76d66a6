/**
 * @module process/run
 * One launch of one service, from start until its last process is gone: the processes it
 * spawned, the pid that is the service, its cgroup (or, without one, its process tree), its
 * output and readiness channels, and whether it is ready or stopping. A Run is signalled (the
 * process group unless `signal-process-only`), killed whole (every process of it, SIGKILL),
 * and finished (its channels released, its cgroup removed); what its events mean is the
 * launcher's and the per-type table's business.
 */
import type { Subprocess } from "bun";
import type { ServiceCgroup } from "../cgroup/types.ts";
import type { Usage } from "../cgroup/usage.ts";
import type { ServiceDescription } from "../config/schema.ts";
import type { ServiceOutput } from "../log/types.ts";
import type { ReadinessChannel } from "./readiness.ts";
import { signalNumber } from "./signals.ts";
import { processTree, type ProcessTree } from "./tree.ts";

/** What the process layer knows about a service's current launch, beside the engine's status. */
export interface ProcessRuntime {
  /** Readiness protocol state: null when the service has none (or is not running). */
  readiness: "waiting" | "ready" | null;
  /** Last STATUS= from sd_notify, if any. */
  statusText: string | null;
}

/** What a service's cgroups say, read from their files when asked (status, list, /metrics). */
export interface Resources {
  /** Memory, CPU time and processes of the running service's cgroup; null without one. */
  usage: Usage | null;
  /** OOM kills in the service's cgroups since bosun started; null when none of them could count. */
  oomKills: number | null;
}

/** Every process of a run, as the stop sequence reaches them: its cgroup, or its process tree. */
export type Members = Pick<ServiceCgroup, "pids" | "killAll" | "waitEmpty">;

/** The state of one launch; the launcher and the per-type table change it. */
export class Run {
  /** The process Bun spawned that is still running: start command, or a bgprocess launcher. */
  proc: Subprocess | null = null;
  /** The pid signals go to: the spawned process, the bgprocess daemon, or sd_notify MAINPID. */
  pid: number | null = null;
  output: ServiceOutput | null = null;
  readiness: ReadinessChannel | null = null;
  /** Set once the service is up (exec'd, reported ready, pid file read, start script done). */
  ready = false;
  statusText: string | null = null;
  stopping = false;
  /** The stop signal of the stop under way (term-signal as it was when the stop began). */
  stopSignal = "TERM";
  /** The process groups the stop has reached: those its signal went to, a stop-command's own. */
  readonly stopReached = new Set<number>();
  /** A stop-command (or scripted stop script) still running. */
  stopProc: Subprocess | null = null;
  /** Why bosun's forced shutdown sent SIGKILL (a stop-timeout kill is the engine's to report). */
  forced: string | null = null;
  /** Gives up the reaper's claim on a process bosun supervises without having spawned it. */
  unclaim: (() => void) | null = null;
  /** The run's cgroup; null when it has none. */
  cgroup: ServiceCgroup | null = null;
  /** Its processes by session and descendants, for a run without a cgroup bosun made. */
  readonly tree: ProcessTree = processTree();
  /** Its end is being reported: later news of it (the leader's exit after a kill gave up on it) is ignored. */
  ending = false;
  /** When SIGKILL went to every process of the run (stop-timeout, forced shutdown); null before. */
  killedAt: number | null = null;

  constructor(readonly desc: ServiceDescription) {}

  /** Every process of the run: its cgroup when bosun made it (one it joined may be shared), else its process tree. */
  get members(): Members {
    return this.cgroup?.owned ? this.cgroup : this.tree;
  }

  /**
   * Sends `signal` (a name without SIG; `none` sends nothing) to `pid`'s process group, or to
   * the process only when the service asks for `signal-process-only`. A gone process is no error:
   * its exit is on the way.
   */
  signal(signal: string, pid = this.pid, group = !this.desc.options.includes("signal-process-only")): void {
    if (pid === null || signal === "none") return;
    if (group && this.stopping && signal === this.stopSignal) this.stopReached.add(pid);
    const n = signalNumber(signal) ?? 15;
    try {
      process.kill(group ? -pid : pid, n);
    } catch {
      // not a group leader (a bgprocess daemon that did not setsid), or already gone
      try {
        if (group) process.kill(pid, n);
      } catch {
        // gone: its exit is on the way
      }
    }
  }

  /** SIGKILL to the service and to a stop command still running (each with its group). */
  kill(): void {
    this.signal("KILL");
    if (this.stopProc) this.signal("KILL", this.stopProc.pid, true);
  }

  /**
   * SIGKILL to every process of the run (its groups first, then its cgroup or tree), waiting
   * until `waitMs` past the first such kill for them to go; resolves to the pids still there.
   */
  killWhole(waitMs: number): Promise<number[]> {
    this.kill();
    this.killedAt ??= Date.now();
    return this.members.killAll(Math.max(0, this.killedAt + waitMs - Date.now()));
  }

  /** The pids whose end the run waits for: the service's process, the command bosun spawned, a stop command. */
  leaders(): number[] {
    return [this.pid, this.proc?.pid ?? null, this.stopProc?.pid ?? null].filter((p): p is number => p !== null);
  }

  /** The launch is over: its channels are released, its cgroup removed, its processes no longer tracked. */
  finish(): void {
    this.readiness?.close();
    this.readiness = null;
    this.output?.release();
    this.output = null;
    this.unclaim?.();
    this.unclaim = null;
    this.proc = null;
    this.pid = null;
    // one still holding processes is retried by the cgroup manager, and the next run gets another
    this.cgroup?.release();
    this.cgroup = null;
  }

  /** The readiness state and STATUS= text of this launch. */
  runtime(): ProcessRuntime {
    return { readiness: this.readiness ? (this.ready ? "ready" : "waiting") : null, statusText: this.statusText };
  }
}
