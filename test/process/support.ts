/**
 * @module test/process/support
 * What the process-layer tests share: a recording ProcessEvents, a LogRouter stub that keeps
 * each service's output lines, bounded waits, and a temp dir per test file.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ServiceDescription } from "../../src/config/schema.ts";
import type { ExitStatus, LaunchFailure, ProcessEvents } from "../../src/engine/types.ts";
import type { LogRouter, ServiceOutput, SystemLevel } from "../../src/log/types.ts";

export type Recorded =
  | { kind: "launched"; name: string; pid: number }
  | { kind: "ready"; name: string }
  | { kind: "exited"; name: string; status: ExitStatus }
  | { kind: "launchFailed"; name: string; failure: LaunchFailure };

/** Polls `check` until it returns a value other than undefined/false, or fails naming `what`. */
export async function waitFor<T>(what: string, check: () => T | undefined | false, ms = 5000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = check();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await Bun.sleep(5);
  }
}

/** ProcessEvents that records everything, with a wait for the next event of a kind. */
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
    kinds: (name: string) => log.filter((e) => e.name === name).map((e) => e.kind),
    /** The first recorded event of `kind` for `name` (waits for it). */
    next<K extends Recorded["kind"]>(kind: K, name: string, ms?: number): Promise<Extract<Recorded, { kind: K }>> {
      return waitFor(`${kind} of ${name}`, () => log.find((e) => e.kind === kind && e.name === name) as Extract<Recorded, { kind: K }> | undefined, ms);
    },
  };
}

/** A LogRouter stub: services' output is piped and kept as lines; bosun's own lines too. */
export function stubLogs() {
  const lines = new Map<string, string[]>();
  const system: { level: SystemLevel; message: string; service?: string }[] = [];
  const open = (service: ServiceDescription): ServiceOutput => ({
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
    attach(streams) {
      for (const s of [streams.stdout, streams.stderr]) {
        if (!s) continue;
        (async () => {
          let partial = "";
          for await (const chunk of s) {
            const parts = (partial + new TextDecoder().decode(chunk)).split("\n");
            partial = parts.pop()!;
            const kept = lines.get(service.name) ?? [];
            kept.push(...parts);
            lines.set(service.name, kept);
          }
        })();
      }
    },
    release() {},
  });
  const logs: LogRouter = {
    open,
    system: (level, message, service) => void system.push({ level, message, service }),
    serviceStarted() {},
    reopen() {},
    tail: (name) => lines.get(name) ?? null,
    follow: () => () => {},
    clear: () => false,
    problem: () => null,
    close: async () => {},
  };
  return { logs, lines: (name: string) => lines.get(name) ?? [], system };
}

/** A fresh temp dir, removed by the returned cleanup. Short, so socket paths stay < 107 bytes. */
export function tempDir(): { dir: string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), "bp-"));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** True while a process with this pid exists (zombies count as gone). */
export function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "latin1");
    return stat.slice(stat.lastIndexOf(")") + 2)[0] !== "Z";
  } catch {
    return false;
  }
}
