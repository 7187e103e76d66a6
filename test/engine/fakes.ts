/**
 * @module test/engine/fakes
 * Fakes for driving the pure engine in tests (and anywhere an engine runs without processes):
 * a launcher that records what it is asked, a manual clock, a description helper, and a small
 * harness that wires them to an engine and collects its events.
 */
import { describe as describeService, type ServiceDescriptionInput } from "../../src/config/schema.ts";
import type { DepKind, ServiceDescription } from "../../src/config/schema.ts";
import { createEngine } from "../../src/engine/engine.ts";
import type { Clock, Engine, EngineOptions, Launcher, ServiceEvent, ServiceState, TimerHandle } from "../../src/engine/types.ts";

/** One request the engine made of the launcher. */
export interface LauncherCall {
  op: "start" | "stop" | "kill" | "interrupt" | "signal";
  service: string;
  signal?: string;
}

/** Records every launcher call; `onCall` lets a test answer at once (re-entrantly). */
export class FakeLauncher implements Launcher {
  calls: LauncherCall[] = [];
  onCall: ((call: LauncherCall, desc: ServiceDescription) => void) | null = null;

  private record(call: LauncherCall, desc: ServiceDescription): void {
    this.calls.push(call);
    this.onCall?.(call, desc);
  }
  start(desc: ServiceDescription): void {
    this.record({ op: "start", service: desc.name }, desc);
  }
  stop(desc: ServiceDescription): void {
    this.record({ op: "stop", service: desc.name }, desc);
  }
  kill(desc: ServiceDescription): void {
    this.record({ op: "kill", service: desc.name }, desc);
  }
  interrupt(desc: ServiceDescription): void {
    this.record({ op: "interrupt", service: desc.name }, desc);
  }
  signal(desc: ServiceDescription, signal: string): void {
    this.record({ op: "signal", service: desc.name, signal }, desc);
  }
  /** `op:service` strings of the calls so far, e.g. `["start:web", "stop:web"]`. */
  ops(): string[] {
    return this.calls.map((c) => `${c.op}:${c.service}`);
  }
  /** How many times `op` was asked for `service`. */
  count(op: LauncherCall["op"], service: string): number {
    return this.calls.filter((c) => c.op === op && c.service === service).length;
  }
}

/**
 * A clock that moves only when told; timers fire in time order during `advance`. `jump` moves
 * the wall clock alone (set, or a machine that slept), as timers do not see it.
 */
export class ManualClock implements Clock {
  private time = 0;
  /** The wall clock's distance from the time timers count. */
  private offset = 0;
  private nextId = 0;
  private timers = new Map<number, { at: number; callback: () => void }>();
  private watchers = new Set<() => void>();

  now(): number {
    return this.time + this.offset;
  }
  watchJumps(onJump: () => void): () => void {
    this.watchers.add(onJump);
    return () => void this.watchers.delete(onJump);
  }
  /** Number of jump watchers. */
  watching(): number {
    return this.watchers.size;
  }
  /** The wall clock moves by `ms` (back when negative) while timers stay put; watchers are told unless `unnoticed`. */
  jump(ms: number, opts: { unnoticed?: boolean } = {}): void {
    this.offset += ms;
    if (!opts.unnoticed) for (const watcher of [...this.watchers]) watcher();
  }
  schedule(ms: number, callback: () => void): TimerHandle {
    const id = ++this.nextId;
    this.timers.set(id, { at: this.time + ms, callback });
    return id;
  }
  cancel(handle: TimerHandle): void {
    this.timers.delete(handle as number);
  }
  /** Number of timers waiting. */
  pending(): number {
    return this.timers.size;
  }
  /** Moves time forward by `ms`, firing every timer that falls due, including new ones. */
  advance(ms: number): void {
    const end = this.time + ms;
    for (;;) {
      let due: [number, { at: number; callback: () => void }] | null = null;
      for (const entry of this.timers) {
        if (entry[1].at <= end && (due === null || entry[1].at < due[1].at)) due = entry;
      }
      if (due === null) break;
      this.timers.delete(due[0]);
      this.time = Math.max(this.time, due[1].at);
      due[1].callback();
    }
    this.time = end;
  }
}

/**
 * A description with every default applied; `depends` may be written as `"need:db"` strings.
 *
 * @example
 * svc("web", { type: "process", command: ["web"], depends: ["need:db", "waits-for:cache"] });
 */
export function svc(
  name: string,
  partial: Omit<Partial<ServiceDescriptionInput>, "depends"> & { depends?: (string | { kind: DepKind; name: string; line?: number })[] } = {},
): ServiceDescription {
  const depends = (partial.depends ?? []).map((d) => {
    if (typeof d !== "string") return d;
    const at = d.lastIndexOf(":");
    return { kind: d.slice(0, at) as DepKind, name: d.slice(at + 1) };
  });
  const type = partial.type ?? "internal";
  const command = partial.command ?? (type === "internal" || type === "triggered" ? null : [`/bin/${name}`]);
  return describeService({ ...partial, name, type, command, depends });
}

/** An engine wired to a FakeLauncher and a ManualClock, with its events collected. */
export interface Harness {
  engine: Engine;
  launcher: FakeLauncher;
  clock: ManualClock;
  events: ServiceEvent[];
  /** Current state of a service (throws when not loaded, so a typo fails the test). */
  state(name: string): ServiceState;
  /** `service:from>to` strings of the events so far. */
  transitions(): string[];
}

/**
 * Builds a harness and loads `services` (in the order given; each dependency first).
 *
 * @example
 * const h = harness([svc("db", { type: "process" }), svc("web", { depends: ["need:db"] })]);
 */
export function harness(services: ServiceDescription[] = [], options: Partial<EngineOptions> = {}): Harness {
  const launcher = new FakeLauncher();
  const clock = new ManualClock();
  const engine = createEngine({ launcher, clock, ...options });
  const events: ServiceEvent[] = [];
  engine.subscribe((e) => events.push(e));
  for (const s of services) {
    const r = engine.add(s);
    if (!r.ok) throw new Error(`harness: cannot add ${s.name}: ${r.message}`);
  }
  return {
    engine,
    launcher,
    clock,
    events,
    state(name) {
      const st = engine.status(name);
      if (!st) throw new Error(`no service ${name}`);
      return st.state;
    },
    transitions() {
      return events.map((e) => `${e.service}:${e.from}>${e.to}`);
    },
  };
}
