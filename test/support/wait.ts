/**
 * @module test/support/wait
 * The one bounded wait of the tests, for states no event announces (a line in a child's output,
 * a file appearing, a process gone): the check is asked again every few milliseconds until it
 * gives a value, and the wait fails naming what it waited for once the bound has passed. Where an
 * event exists (a callback, a stream), tests await that instead.
 */

/** What a check gives while its state has not come yet. */
type NotYet = undefined | null | false;

/**
 * Asks `check` (sync or async) until it gives something other than undefined, null or false,
 * and resolves to that; rejects after `ms` with "timed out after MS ms waiting for WHAT". A
 * check that throws ends the wait with its error (a daemon that died, say). `every` is the pause
 * between two checks: raise it only for a check that is itself costly (a command in a container).
 *
 * @example
 * await waitFor("web started", () => sup.status("web")?.state === "started");
 * const line = await waitFor("the reload line", () => out.system.find((l) => l.message.startsWith("reloaded")));
 */
export async function waitFor<T>(what: string, check: () => T | Promise<T>, ms = 5000, every = 10): Promise<Exclude<T, NotYet>> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== null && value !== false) return value as Exclude<T, NotYet>;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await Bun.sleep(every);
  }
}
