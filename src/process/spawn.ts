/**
 * @module process/spawn
 * Bun.spawn for everything the daemon starts (services, stop commands, health checks, log
 * consumers): the pid is recorded synchronously, before any SIGCHLD handler can run, so the
 * reaper never waits for a child Bun is waiting for itself (that would hand Bun a wrong exit
 * status). Any code in the daemon process that spawns must come through here.
 */
import type { SpawnOptions, Subprocess } from "bun";

const own = new Set<number>();

/**
 * Bun.spawn, with the child recorded as Bun's own until Bun has reaped it.
 *
 * @example
 * const proc = spawnChild(["/bin/true"], { stdio: ["ignore", "inherit", "inherit"] });
 * await proc.exited;
 */
export function spawnChild<
  const In extends SpawnOptions.Writable = "ignore",
  const Out extends SpawnOptions.Readable = "pipe",
  const Err extends SpawnOptions.Readable = "inherit",
>(cmd: string[], opts?: SpawnOptions.SpawnOptions<In, Out, Err>): Subprocess<In, Out, Err> {
  const proc = Bun.spawn(cmd, opts);
  own.add(proc.pid);
  proc.exited.finally(() => own.delete(proc.pid));
  return proc;
}

/** True while `pid` is a child Bun spawned and has not yet reaped. */
export function isOwnChild(pid: number): boolean {
  return own.has(pid);
}
