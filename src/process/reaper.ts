/**
 * @module process/reaper
 * PID-1 and subreaper duty: reap every orphan reparented to bosun, without ever stealing the
 * exit status of a child Bun spawned (Bun waits for those itself, by pid; a `waitpid(-1)` here
 * would hand Bun a wrong status). So: pids Bun spawns are recorded synchronously by spawnChild
 * (spawn.ts), and on SIGCHLD only zombies outside that set are reaped, one `waitpid(pid,
 * WNOHANG)` each. A pid
 * that bosun supervises without having spawned it (a bgprocess daemon) is claimed: its status
 * goes to the claimant instead of the orphan count.
 */
import type { ExitStatus } from "../engine/types.ts";
import { fromWaitStatus } from "./signals.ts";
import { isOwnChild } from "./spawn.ts";
import { reapPid, setSubreaper } from "./sys.ts";
import { childPids, readEntry } from "./tree.ts";

/** The daemon's one reaper: orphans are reaped and counted, claimed pids reported to their claimant. */
export interface Reaper {
  /**
   * Supervise a pid Bun did not spawn; `onExit` gets its status once it ends (at once if it
   * already did). Returns a function that gives up the claim.
   */
  claim(pid: number, onExit: (status: ExitStatus) => void): () => void;
  /** Orphans reaped so far (claimed pids not counted). */
  readonly reaped: number;
  /** Whether orphans come to us: bosun is PID 1 or a child subreaper. */
  readonly reaping: boolean;
  /** Stops reaping: no more SIGCHLD handling, and no longer a subreaper. */
  close(): void;
}

/** How many recently reaped statuses to keep for a claim that arrives after the pid ended. */
const RECENT = 64;
/** Poll interval for a claimed pid that is not our child (no SIGCHLD comes for it while so). */
const FOREIGN_POLL_MS = 1000;

/**
 * Starts reaping: as PID 1 directly, otherwise after making bosun a child subreaper (unless
 * `subreaper` is false, for tests that share a process with other reapers).
 *
 * @example
 * const reaper = createReaper();
 * reaper.claim(daemonPid, (status) => console.log("daemon ended", status));
 */
export function createReaper(opts: { subreaper?: boolean; onError?: (message: string) => void } = {}): Reaper {
  const self = process.pid;
  const claims = new Map<number, (status: ExitStatus) => void>();
  const recent = new Map<number, ExitStatus>();
  let reaped = 0;
  let reaping = self === 1;
  let madeSubreaper = false;
  if (!reaping && opts.subreaper !== false) {
    try {
      setSubreaper(true);
      reaping = madeSubreaper = true;
    } catch (e) {
      opts.onError?.(`cannot become child subreaper (${(e as Error).message}); daemons that fork away will not be reaped`);
    }
  }

  function settle(pid: number, status: ExitStatus): void {
    const onExit = claims.get(pid);
    if (onExit) {
      claims.delete(pid);
      onExit(status);
      return;
    }
    reaped++;
    recent.set(pid, status);
    if (recent.size > RECENT) recent.delete(recent.keys().next().value!);
  }

  function scan(): void {
    for (const pid of childPids(self)) {
      if (isOwnChild(pid) || readEntry(pid)?.state !== "Z") continue;
      const raw = reapPid(pid);
      if (raw !== null) settle(pid, fromWaitStatus(raw));
    }
  }

  const onSigchld = () => {
    // Not reaping, only Bun's own children end here, and Bun reaps those.
    if (!reaping) return;
    try {
      scan();
    } catch (e) {
      opts.onError?.(`reaping failed: ${(e as Error).message}`);
    }
  };
  process.on("SIGCHLD", onSigchld);

  /**
   * A claimed pid that is not (yet) our child: usually its parent is about to exit and it will
   * be reparented to us, and then SIGCHLD brings its status. If it ends while still someone
   * else's, only its existence can be watched.
   */
  function watchForeign(pid: number): () => void {
    const timer = setInterval(() => {
      const onExit = claims.get(pid);
      const stat = readEntry(pid);
      if (!onExit || stat?.ppid === self) return clearInterval(timer);
      if (stat === null) {
        clearInterval(timer);
        claims.delete(pid);
        onExit({ code: null, signal: null });
      }
    }, FOREIGN_POLL_MS);
    return () => clearInterval(timer);
  }

  return {
    claim(pid, onExit) {
      const stat = readEntry(pid);
      const early = recent.get(pid);
      recent.delete(pid);
      // a process that has the number now is another one than the orphan reaped under it
      if (early && stat === null) {
        reaped--;
        onExit(early);
        return () => {};
      }
      if (stat === null) {
        onExit({ code: null, signal: null });
        return () => {};
      }
      claims.set(pid, onExit);
      const unwatch = stat.ppid === self ? () => {} : watchForeign(pid);
      if (stat.state === "Z") scan();
      return () => {
        unwatch();
        claims.delete(pid);
      };
    },
    get reaped() {
      return reaped;
    },
    get reaping() {
      return reaping;
    },
    close() {
      process.off("SIGCHLD", onSigchld);
      // with nobody reaping any more, orphans must go to init again rather than pile up as zombies here
      if (madeSubreaper) setSubreaper(false);
    },
  };
}
