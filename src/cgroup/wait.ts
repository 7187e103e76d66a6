/**
 * @module cgroup/wait
 * The one bounded wait of this layer: until a cgroup is empty, or a freezer has frozen. It
 * runs only while a stop is in progress (never while idle), re-checks when the kernel notifies
 * a change of the watched file (cgroup v2's cgroup.events) and at a short interval as a
 * backstop (v1 has no such notification, and a file watcher can miss one under load).
 */
import { watch, type FSWatcher } from "node:fs";

/**
 * Resolves true as soon as `done()` holds, or false once `ms` have passed without it.
 *
 * @example
 * await waitUntil(() => pidsIn(dir).length === 0, { ms: 5000, pollMs: 20 })
 */
export function waitUntil(done: () => boolean, opts: { ms: number; pollMs: number; watchFile?: string }): Promise<boolean> {
  if (done()) return Promise.resolve(true);
  return new Promise((resolve) => {
    let finished = false;
    let watcher: FSWatcher | null = null;
    const finish = (result: boolean) => {
      if (finished) return;
      finished = true;
      clearInterval(poll);
      clearTimeout(timer);
      watcher?.close();
      resolve(result);
    };
    const check = () => {
      if (done()) finish(true);
    };
    if (opts.watchFile) {
      try {
        watcher = watch(opts.watchFile, check);
      } catch {
        // no watch: the interval still checks
      }
    }
    const poll = setInterval(check, opts.pollMs);
    const timer = setTimeout(() => finish(done()), opts.ms);
    // the state may have changed before the watch was in place
    check();
  });
}
