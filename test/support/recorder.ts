/**
 * @module test/support/recorder
 * A ProcessEvents that records what the process layer reports, in place of the engine: for the
 * launcher's tests and for the layers over it that watch real processes (cgroups, isolation).
 */
import type { ExitStatus, LaunchFailure, ProcessEvents } from "../../src/engine/types.ts";
import { waitFor } from "./wait.ts";

/** One event as the recorder kept it. */
export type Recorded =
  | { kind: "launched"; name: string; pid: number }
  | { kind: "ready"; name: string }
  | { kind: "exited"; name: string; status: ExitStatus }
  | { kind: "launchFailed"; name: string; failure: LaunchFailure };

/**
 * ProcessEvents that records everything, with the kinds seen per service and a wait for the
 * first event of a kind.
 *
 * @example
 * const rec = recorder();
 * const launcher = createLauncher({ events: rec.events, ... });
 * const { status } = await rec.next("exited", "web");
 */
export function recorder() {
  const log: Recorded[] = [];
  const events: ProcessEvents = {
    launched: (name, pid) => void log.push({ kind: "launched", name, pid }),
    ready: (name) => void log.push({ kind: "ready", name }),
    exited: (name, status) => void log.push({ kind: "exited", name, status }),
    launchFailed: (name, failure) => void log.push({ kind: "launchFailed", name, failure }),
  };
  return {
    events,
    log,
    /** The kinds recorded for `name`, in order. */
    kinds: (name: string) => log.filter((e) => e.name === name).map((e) => e.kind),
    /** The first recorded event of `kind` for `name` (waits for it, `ms` at most). */
    next<K extends Recorded["kind"]>(kind: K, name: string, ms?: number): Promise<Extract<Recorded, { kind: K }>> {
      return waitFor(`${kind} of ${name}`, () => log.find((e) => e.kind === kind && e.name === name) as Extract<Recorded, { kind: K }> | undefined, ms);
    },
  };
}
