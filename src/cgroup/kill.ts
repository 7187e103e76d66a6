/**
 * @module cgroup/kill
 * Killing every process of a cgroup where the kernel has no single call for it (cgroup v1,
 * and v2 kernels before cgroup.kill): freeze the cgroup so that nothing forks or exits while
 * its list is read (a pid read from cgroup.procs cannot then be reused by a stranger before
 * the signal lands), SIGKILL each process listed, thaw so the signals take effect, and repeat
 * until the list is empty or the time is up. A frozen v1 task stays in the list with its
 * SIGKILL pending; so does one in uninterruptible sleep: those are what the bound returns.
 */
import { join } from "node:path";
import { readText, writeValue } from "./files.ts";
import { waitUntil } from "./wait.ts";

/** How long one round waits for the freezer to settle, and for the killed to go. */
const FREEZE_MS = 100;
const ROUND_MS = 50;

/**
 * SIGKILLs everything `list()` returns until it returns nothing or `waitMs` have passed;
 * resolves to the pids left. `freezer` is the v1 freezer cgroup to hold still meanwhile.
 *
 * @example
 * const left = await killEach(() => pidsIn(dir), { waitMs: 5000, freezer: dir });
 */
export async function killEach(list: () => number[], opts: { waitMs: number; freezer: string | null }): Promise<number[]> {
  const deadline = Date.now() + opts.waitMs;
  const state = opts.freezer === null ? null : join(opts.freezer, "freezer.state");
  for (;;) {
    if (list().length === 0) return [];
    if (state !== null && writeValue(state, "FROZEN") === null) {
      await waitUntil(() => readText(state)?.trim() === "FROZEN", { ms: Math.min(FREEZE_MS, Math.max(0, deadline - Date.now())), pollMs: 2 });
    }
    for (const pid of list()) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // gone already
      }
    }
    if (state !== null) writeValue(state, "THAWED");
    const round = Math.min(ROUND_MS, Math.max(0, deadline - Date.now()));
    if (await waitUntil(() => list().length === 0, { ms: round, pollMs: 5 })) return [];
    if (Date.now() >= deadline) return list();
  }
}
