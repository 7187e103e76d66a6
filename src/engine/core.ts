/**
 * @module engine/core
 * The engine's shared state and the plumbing the state machine works through: marking services
 * for re-evaluation, state transitions and the events they produce, timers and launcher calls
 * (queued to the outbox, never made directly), maxStarting slots, the before/after index, and
 * the engine's links as config/order's ordering rule and cycle search read them.
 */
import { aheadOf, cyclePath, findCycles, ordering, waitedOnBy, waitsFor, type LinksAt, type OrderLink } from "../config/order.ts";
import type { ServiceDescription } from "../config/schema.ts";
import type { Outbox } from "./outbox.ts";
import type { Service } from "./service.ts";
import type { Clock, Launcher, ServiceEvent, ServiceState, TimerHandle } from "./types.ts";

/** The engine's shared state: built by createEngine, worked on by machine.ts through this module. */
export interface Core {
  services: Map<string, Service>;
  launcher: Launcher;
  clock: Clock;
  outbox: Outbox;
  listeners: Set<(event: ServiceEvent) => void>;
  seq: number;
  shuttingDown: boolean;
  /** Services to re-evaluate, in the order they were marked (each once: `Service.marked`). */
  marked: Service[];
  /** name -> services that declared `after = name`. */
  afterIndex: Map<string, Set<Service>>;
  /** name -> services that declared `before = name`. */
  beforeIndex: Map<string, Set<Service>>;
  maxStarting: number;
  /** ms; null = a starting service counts against maxStarting until it leaves starting. */
  startingGrace: number | null;
  /** Launched services still counting against maxStarting. */
  slots: Set<Service>;
  /** Services ready to launch but waiting for a slot, first come first served. */
  slotQueue: Set<Service>;
  /** Activates the chain-to target; returns an error message when it cannot be loaded. */
  chain(name: string): string | null;
  /** Runs one input (timer expiry) through the engine's input path. */
  input(step: () => void): void;
  /** Uniform in [0, 1), for schedule-jitter. */
  random: () => number;
  /** Stops watching the clock for jumps; set while a scheduled service waits for a due time. */
  unwatchJumps: (() => void) | null;
}

/** The message of something thrown by code the engine calls (a loader, a launcher). */
export function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Queues `s` for re-evaluation (once, however often it is marked before its turn). */
export function mark(core: Core, s: Service): void {
  if (s.marked) return;
  s.marked = true;
  core.marked.push(s);
}

/** Services `s` waits for by `before`/`after` when both are starting (config/order's rule). */
export function orderedBefore(core: Core, s: Service): Service[] {
  return waitsFor(orderLinksAt(core, s), s.name).map((l) => core.services.get(ordering(l).first)!);
}

/** Services that wait for `s` by `before`/`after` when both are starting (and stop before it during shutdown). */
export function orderedAfter(core: Core, s: Service): Service[] {
  return waitedOnBy(orderLinksAt(core, s), s.name).map((l) => core.services.get(ordering(l).waiter)!);
}

/** Marks `s` and everything whose evaluation reads it. */
function touch(core: Core, s: Service): void {
  mark(core, s);
  for (const l of s.deps) mark(core, l.to);
  for (const l of s.dependents) mark(core, l.from);
  for (const o of orderedBefore(core, s)) mark(core, o);
  for (const o of orderedAfter(core, s)) mark(core, o);
}

/** Queues the event for `s`'s latest change (from `from` to its current state) to every subscriber. */
export function emit(core: Core, s: Service, from: ServiceState, note: string | null): void {
  const to = s.state;
  const down = to === "stopped" || to === "stopping";
  const reason = to === "stopped" ? s.reason : to === "stopping" ? s.pendingReason : null;
  const event: Omit<ServiceEvent, "seq" | "time"> = {
    service: s.name,
    from,
    to,
    target: s.target,
    reason,
    exit: down || from === to ? s.exit : null, // from === to: a smooth recovery, after this exit
    cause: down || from === to ? s.cause : null,
    failure: reason === "exec-failed" ? s.failure : null,
    note,
    run: null,
  };
  publish(core, event);
}

/** Queues one event to every subscriber, numbered and timed as it is queued. */
export function publish(core: Core, fields: Omit<ServiceEvent, "seq" | "time">): void {
  const event: ServiceEvent = { seq: ++core.seq, time: core.clock.now(), ...fields };
  core.outbox.push(() => {
    for (const listener of [...core.listeners]) {
      try {
        listener(event);
      } catch {
        // A subscriber's failure is its own; the others and the engine carry on.
      }
    }
  });
}

/** Moves `s` to a new state, reports it, and marks everything that reads `s`. */
export function transition(core: Core, s: Service, to: ServiceState, note: string | null = null): void {
  const from = s.state;
  s.state = to;
  s.stateSince = core.clock.now();
  if (to === "started") s.since = s.stateSince;
  if (from === "starting" && to !== "starting") freeSlot(core, s);
  emit(core, s, from, note);
  touch(core, s);
}

/** Cancels one of `s`'s timers, if set. */
export function cancel(core: Core, s: Service, timer: "restartTimer" | "startTimer" | "stopTimer" | "graceTimer"): void {
  const handle = s[timer];
  if (handle !== null) {
    core.clock.cancel(handle);
    s[timer] = null;
  }
}

/** Schedules a timer whose expiry is an engine input, ignored if the record was replaced. */
export function schedule(core: Core, s: Service, ms: number, expire: () => void): TimerHandle {
  return core.clock.schedule(ms, () =>
    core.input(() => {
      if (core.services.get(s.name) === s) expire();
    }),
  );
}

/** Queues a launcher call with the description as it is now (a later reload does not change it). */
export function call(core: Core, action: (launcher: Launcher, desc: ServiceDescription) => void, s: Service): void {
  const desc = s.desc;
  core.outbox.push(() => action(core.launcher, desc));
}

// ---------------------------------------------------------------------------------------------
// Ordering index: `before`/`after` name services that may not be loaded yet, so they are
// indexed by name and looked up when needed.

function indexInto(index: Map<string, Set<Service>>, name: string, s: Service): void {
  let set = index.get(name);
  if (!set) index.set(name, (set = new Set()));
  set.add(s);
}

/** Records `s`'s before/after names (a consumer's producer counts as `before`: config/order). */
export function indexOrder(core: Core, s: Service): void {
  for (const name of s.desc.after) indexInto(core.afterIndex, name, s);
  for (const name of aheadOf(s.desc)) indexInto(core.beforeIndex, name, s);
}

/** Forgets `s`'s before/after names (before an unload or a reload). */
export function unindexOrder(core: Core, s: Service): void {
  for (const name of s.desc.after) core.afterIndex.get(name)?.delete(s);
  for (const name of aheadOf(s.desc)) core.beforeIndex.get(name)?.delete(s);
}

/** The `before`/`after` links at `s` between loaded services, as config/order reads links. */
function orderLinksAt(core: Core, s: Service): OrderLink[] {
  const out: OrderLink[] = [];
  for (const to of s.desc.after) if (core.services.has(to)) out.push({ from: s.name, to, kind: "after" });
  for (const to of aheadOf(s.desc)) if (core.services.has(to)) out.push({ from: s.name, to, kind: "before" });
  for (const o of core.afterIndex.get(s.name) ?? []) out.push({ from: o.name, to: s.name, kind: "after" });
  for (const o of core.beforeIndex.get(s.name) ?? []) out.push({ from: o.name, to: s.name, kind: "before" });
  return out;
}

/** Every link at `s` that orders it: its live dependency links both ways, and `before`/`after`. */
export function linksAt(core: Core, s: Service): OrderLink[] {
  const out: OrderLink[] = [];
  for (const l of s.deps) out.push({ from: s.name, to: l.to.name, kind: l.kind });
  for (const l of s.dependents) out.push({ from: l.from.name, to: s.name, kind: l.kind });
  out.push(...orderLinksAt(core, s));
  return out;
}

/** The engine's graph as it is, for config/order's cycle search. */
export function liveLinks(core: Core): LinksAt<OrderLink> {
  return (name) => {
    const s = core.services.get(name);
    return s ? linksAt(core, s) : [];
  };
}

/**
 * A graph as it would be if `name` wrote `written` instead of its links in `at` (a reload, an
 * added dependency), to look for the cycle a change would make before making it.
 */
export function replacing(at: LinksAt<OrderLink>, name: string, written: OrderLink[]): LinksAt<OrderLink> {
  return (other) => {
    const kept = [...at(other)].filter((l) => l.from !== name);
    return [...kept, ...written.filter((l) => other === name || l.to === other)];
  };
}

/**
 * The first dependency cycle through `start` in `at`, as the message that refuses it, or null.
 * Searched from `start`, which stays on the search path throughout, so every link back to it is
 * met.
 */
export function cycleThrough(at: LinksAt<OrderLink>, start: string): string | null {
  const cycle = findCycles(at, [start]).find((c) => ordering(c[0]!).waiter === start);
  return cycle ? cycleMessage(cyclePath(cycle)) : null;
}

/** `dependency cycle: a -> b -> a`. */
export function cycleMessage(path: string[]): string {
  return `dependency cycle: ${path.join(" -> ")}`;
}

/** `s` no longer counts against maxStarting: the queued services try again, in queue order. */
export function freeSlot(core: Core, s: Service): void {
  cancel(core, s, "graceTimer");
  core.slotQueue.delete(s);
  if (core.slots.delete(s)) for (const queued of core.slotQueue) mark(core, queued);
}
