/**
 * @module process/killall
 * dinit's `options = kill-all-on-stop`: before such a service stops, TERM and then KILL go to
 * every process bosun can signal (kill(-1, ...) spares only bosun itself). That is "the system"
 * only when bosun is PID 1 of its pid namespace, a container; the loader's refusal
 * (config/isolation.ts `killAllRefusal`) keeps it from anywhere else, and `killEverything`
 * checks again before it signals.
 */
import { readdirSync, readFileSync } from "node:fs";

/** How long the processes get between TERM and KILL (dinit waits one second). */
const GRACE_MS = 1000;
/** How often, meanwhile, bosun looks whether anything is left. */
const POLL_MS = 20;

/** The pids of the other live processes in bosun's pid namespace (zombies are gone already). */
function others(): number[] {
  const left: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "latin1");
      if (stat.slice(stat.lastIndexOf(")") + 2)[0] !== "Z") left.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return left;
}

function signalAll(signal: NodeJS.Signals): void {
  try {
    process.kill(-1, signal);
  } catch {
    // ESRCH: nothing left to signal
  }
}

/**
 * TERM to every other process, up to a second for them to go (less when all have), then KILL
 * to whatever is left. Resolves to how many processes the KILL found; refuses (throws) unless
 * bosun is PID 1 of its pid namespace.
 *
 * @example
 * if (process.pid === 1) await killEverything();
 */
export async function killEverything(graceMs = GRACE_MS): Promise<number> {
  if (process.pid !== 1) throw new Error("kill-all-on-stop: bosun is not PID 1 of its pid namespace; it signals no process");
  signalAll("SIGTERM");
  const deadline = Date.now() + graceMs;
  while (others().length > 0 && Date.now() < deadline) await Bun.sleep(POLL_MS);
  const left = others().length;
  if (left > 0) signalAll("SIGKILL");
  return left;
}
