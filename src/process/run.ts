/**
 * @module process/run
 * One launch of one service, from start until its last process is gone: the processes it
 * spawned, the pid that is the service, its output and readiness channels, and whether it is
 * ready or stopping. A Run is signalled (the process group unless `signal-process-only`) and
 * finished (its channels released); what its events mean is the launcher's and the per-type
 * table's business.
 */
import type { Subprocess } from "bun";
import type { ServiceDescription } from "../config/schema.ts";
import type { ServiceOutput } from "../log/types.ts";
import type { ReadinessChannel } from "./readiness.ts";
import { signalNumber } from "./signals.ts";

/** What the process layer knows about a service's current launch, beside the engine's status. */
export interface ProcessRuntime {
  /** Readiness protocol state: null when the service has none (or is not running). */
  readiness: "waiting" | "ready" | null;
  /** Last STATUS= from sd_notify, if any. */
  statusText: string | null;
}

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
  /** A stop-command (or scripted stop script) still running. */
  stopProc: Subprocess | null = null;
  /** Why bosun's forced shutdown sent SIGKILL (a stop-timeout kill is the engine's to report). */
  forced: string | null = null;
  /** Gives up the reaper's claim on a process bosun supervises without having spawned it. */
  unclaim: (() => void) | null = null;

  constructor(readonly desc: ServiceDescription) {}

  /**
   * Sends `signal` (a name without SIG; `none` sends nothing) to `pid`'s process group, or to
   * the process only when the service asks for `signal-process-only`. A gone process is no error:
   * its exit is on the way.
   */
  signal(signal: string, pid = this.pid, group = !this.desc.options.includes("signal-process-only")): void {
    if (pid === null || signal === "none") return;
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

  /** The launch is over: its channels are released and its processes no longer tracked. */
  finish(): void {
    this.readiness?.close();
    this.readiness = null;
    this.output?.release();
    this.output = null;
    this.unclaim?.();
    this.unclaim = null;
    this.proc = null;
    this.pid = null;
  }

  /** The readiness state and STATUS= text of this launch. */
  runtime(): ProcessRuntime {
    return { readiness: this.readiness ? (this.ready ? "ready" : "waiting") : null, statusText: this.statusText };
  }
}
