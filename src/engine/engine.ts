/**
 * @module engine/engine
 * `createEngine`: the Engine's commands over the state machine. Every input (a command, a
 * process event, a timer expiry) changes records, lets the machine settle, then delivers the
 * launcher calls and events it queued, in order. Loading (lazy, through `EngineOptions.load`) and
 * graph edits (add-dep, rm-dep, unload, reload) live here; the state machine in machine.ts.
 */
import type { ServiceDescription } from "../config/schema.ts";
import { cycleMessage, cycleThrough, errorText, indexOrder, linksAt, liveLinks, mark, replacing, unindexOrder, type Core } from "./core.ts";
import {
  acquire,
  dropForGood,
  onExited,
  onLaunchFailed,
  onReady,
  onUnhealthy,
  release,
  restartService,
  retarget,
  settle,
} from "./machine.ts";
import { createOutbox } from "./outbox.ts";
import { retimeTask, runTaskNow } from "./runs.ts";
import { dependencyChanges, judgeReload, planReload, summarize, where } from "./reload.ts";
import { runsAProcess } from "../config/kinds.ts";
import { createService, isUp, link, toStatus, unlink, upHardDependents, upOrComingBack, type Service } from "./service.ts";
import type { CommandFailure as Failure, CommandResult, Engine, EngineOptions, Reloaded } from "./types.ts";

const OK: CommandResult = { ok: true };

function refused(message: string, dependents?: string[]): Failure {
  return dependents ? { ok: false, code: "refused", message, dependents } : { ok: false, code: "refused", message };
}

/** Tells a lookup's failure from the service it looked for. */
function failed(x: Service | Failure): x is Failure {
  return "ok" in x;
}

/**
 * Builds an engine over a launcher and a clock.
 *
 * @example
 * const engine = createEngine({ launcher, clock, load: (name) => loader.load(name) });
 * engine.subscribe((e) => log.info(`${e.service}: ${e.from} -> ${e.to}`));
 * engine.start("boot");
 */
export function createEngine(opts: EngineOptions): Engine {
  const core: Core = {
    services: new Map(),
    launcher: opts.launcher,
    clock: opts.clock,
    outbox: createOutbox(() => {
      // A throwing launcher call or subscriber must not stop the others; the process layer
      // reports its own failures as launchFailed.
    }),
    listeners: new Set(),
    seq: 0,
    shuttingDown: false,
    marked: [],
    afterIndex: new Map(),
    beforeIndex: new Map(),
    maxStarting: opts.maxStarting && opts.maxStarting > 0 ? opts.maxStarting : Infinity,
    startingGrace: opts.startingGrace ?? null,
    slots: new Set(),
    slotQueue: new Set(),
    chain: (name) => {
      const s = resolve(name);
      if (failed(s)) return s.message;
      s.activated = true;
      retarget(core, s);
      return null;
    },
    input: (step) => input(step),
    random: opts.random ?? Math.random,
    unwatchJumps: null,
  };

  /** Runs one input to rest, then delivers what it queued (deliveries may re-enter). */
  function input<T>(step: () => T): T {
    const result = step();
    settle(core);
    core.outbox.flush();
    return result;
  }

  // -------------------------------------------------------------------------------------------
  // Loading

  /** The loaded service, loading it (and what it needs) through `opts.load` when necessary. */
  function resolve(name: string, loading: string[] = []): Service | Failure {
    const existing = core.services.get(name);
    if (existing) return existing;
    if (!opts.load) return { ok: false, code: "not-found", message: `no service named ${name} is loaded` };
    let desc: ServiceDescription;
    try {
      desc = opts.load(name);
    } catch (error) {
      return { ok: false, code: "not-found", message: errorText(error) };
    }
    return register(desc, loading);
  }

  /** Loads the dependencies of `desc`, then records it; refuses cycles. */
  function register(desc: ServiceDescription, loading: string[]): Service | Failure {
    const chain = [...loading, desc.name];
    for (const dep of desc.depends) {
      if (chain.includes(dep.name)) {
        return { ok: false, code: "invalid", message: `${where(desc, dep.line)}: ${cycleMessage([...chain.slice(chain.indexOf(dep.name)), dep.name])}` };
      }
      const d = resolve(dep.name, chain);
      if (failed(d)) {
        return { ok: false, code: d.code, message: `${where(desc, dep.line)}: ${dep.kind} ${dep.name}: ${d.message}` };
      }
    }
    const s = createService(desc, core.clock.now());
    core.services.set(s.name, s);
    indexOrder(core, s);
    for (const dep of desc.depends) link(dep.kind, s, core.services.get(dep.name)!);
    // Nothing depends on a new service yet, so only an ordering edge can lead back to it.
    const reachable = s.desc.before.length > 0 || (core.afterIndex.get(s.name)?.size ?? 0) > 0;
    const cycle = reachable ? cycleThrough(liveLinks(core), s.name) : null;
    if (cycle) {
      forget(s);
      return { ok: false, code: "invalid", message: `${where(desc)}: ${cycle}` };
    }
    return s;
  }

  /** Removes a stopped record and its edges. */
  function forget(s: Service): void {
    for (const l of [...s.deps]) {
      release(core, l);
      unlink(l);
    }
    unindexOrder(core, s);
    core.services.delete(s.name);
  }

  /** A loaded service for a command, or the failure to report. */
  function lookup(name: string): Service | Failure {
    return core.services.get(name) ?? { ok: false, code: "not-found", message: `no service named ${name} is loaded` };
  }

  function notWhileShuttingDown(command: "start" | "wake" | "restart", name: string): Failure | null {
    return core.shuttingDown ? refused(`cannot ${command} ${name}: bosun is shutting down`) : null;
  }

  // -------------------------------------------------------------------------------------------
  // Commands

  const engine: Engine = {
    get shuttingDown() {
      return core.shuttingDown;
    },

    add(desc) {
      return input(() => {
        const s = core.services.has(desc.name) ? core.services.get(desc.name)! : register(desc, []);
        return failed(s) ? s : OK;
      });
    },

    start(name, opts = {}) {
      return input(() => {
        const s = resolve(name);
        if (failed(s)) return s;
        const stop = notWhileShuttingDown("start", name);
        if (stop) return stop;
        if (s.pinned === "stopped") return refused(`${name} is pinned stopped; unpin it first`);
        if (s.state === "stopped" && s.target === "stopped") {
          // A start by hand is a fresh start: the restart limit and backoff begin again.
          s.restartTimes = [];
          s.backoff = 0;
        }
        s.activated = true;
        if (opts.pin) s.pinned = "started";
        retarget(core, s);
        mark(core, s);
        return OK;
      });
    },

    wake(name) {
      return input(() => {
        const s = resolve(name);
        if (failed(s)) return s;
        const stop = notWhileShuttingDown("wake", name);
        if (stop) return stop;
        if (s.pinned === "stopped") return refused(`${name} is pinned stopped; unpin it first`);
        for (const l of s.dependents) {
          if (l.from.state === "starting" || l.from.state === "started") acquire(core, l);
        }
        if (!s.activated && s.holds === 0) {
          return refused(`nothing active depends on ${name}; use start to activate it`);
        }
        return OK;
      });
    },

    stopsWith(name) {
      const s = core.services.get(name);
      return s ? upHardDependents(s).map((d) => d.name) : [];
    },

    stop(name, opts = {}) {
      return input(() => {
        const s = lookup(name);
        if (failed(s)) return s;
        if (s.pinned === "started") return refused(`${name} is pinned started; unpin it first`);
        const dependents = upHardDependents(s);
        if (dependents.length > 0 && !opts.force) {
          const names = dependents.map((d) => d.name);
          return refused(`${name} is needed by ${names.join(", ")}; stop those first or use --force`, names);
        }
        const pinned = dependents.filter((d) => d.pinned === "started").map((d) => d.name);
        if (pinned.length > 0) {
          return refused(`cannot stop ${name}: dependent ${pinned.join(", ")} is pinned started; unpin it first`, pinned);
        }
        // Dependents stop first because each waits on its own dependents before going down.
        for (const d of dependents) dropForGood(core, d);
        dropForGood(core, s);
        if (opts.pin) s.pinned = "stopped";
        return OK;
      });
    },

    restart(name) {
      return input(() => {
        const s = lookup(name);
        if (failed(s)) return s;
        const stop = notWhileShuttingDown("restart", name);
        if (stop) return stop;
        if (s.state !== "started") return refused(`${name} is ${s.state}, not started; use start`);
        const pinned = upHardDependents(s).filter((d) => d.pinned === "started").map((d) => d.name);
        if (pinned.length > 0) {
          return refused(`cannot restart ${name}: dependent ${pinned.join(", ")} is pinned started; unpin it first`, pinned);
        }
        restartService(core, s);
        return OK;
      });
    },

    release(name) {
      return input(() => {
        const s = lookup(name);
        if (failed(s)) return s;
        s.activated = false;
        retarget(core, s);
        return OK;
      });
    },

    unpin(name) {
      return input(() => {
        const s = lookup(name);
        if (failed(s)) return s;
        s.pinned = null;
        retarget(core, s);
        mark(core, s);
        return OK;
      });
    },

    trigger(name) {
      return setTrigger(name, true);
    },

    untrigger(name) {
      return setTrigger(name, false);
    },

    run(name) {
      return input(() => {
        const s = lookup(name);
        return failed(s) ? s : runTaskNow(core, s);
      });
    },

    signal(name, signal) {
      return input(() => {
        const s = lookup(name);
        if (failed(s)) return s;
        if (!runsAProcess(s.desc.type) || !s.running) return refused(`${name} has no running process`);
        const desc = s.desc;
        core.outbox.push(() => core.launcher.signal(desc, signal));
        return OK;
      });
    },

    addDep(kind, fromName, toName) {
      return input(() => {
        const from = resolve(fromName);
        if (failed(from)) return from;
        const to = resolve(toName);
        if (failed(to)) return to;
        if (from === to) return { ok: false, code: "invalid", message: `${fromName} cannot depend on itself` };
        if (from.deps.some((l) => l.kind === kind && l.to === to)) return OK;
        const written = linksAt(core, from).filter((l) => l.from === from.name);
        const cycle = cycleThrough(replacing(liveLinks(core), from.name, [...written, { from: from.name, to: to.name, kind }]), from.name);
        if (cycle) return refused(`adding ${kind} ${fromName} -> ${toName} would make a ${cycle}`);
        if (kind === "need" && isUp(from) && to.state !== "started") {
          return refused(`${fromName} is ${from.state} but ${toName} is not started; start ${toName} first`);
        }
        const l = link(kind, from, to);
        if (isUp(from) && from.target === "started" && (kind === "need" || isUp(to))) acquire(core, l);
        mark(core, from);
        return OK;
      });
    },

    rmDep(kind, fromName, toName) {
      return input(() => {
        const from = lookup(fromName);
        if (failed(from)) return from;
        const l = from.deps.find((e) => e.kind === kind && e.to.name === toName);
        if (!l) return { ok: false, code: "not-found", message: `${fromName} has no ${kind} dependency on ${toName}` };
        release(core, l);
        unlink(l);
        mark(core, from);
        mark(core, l.to);
        return OK;
      });
    },

    unload(name) {
      return input(() => {
        const s = lookup(name);
        if (failed(s)) return s;
        if (upOrComingBack(s)) return refused(`${name} is ${s.state}; stop it first`);
        if (s.dependents.length > 0) {
          const names = [...new Set(s.dependents.map((l) => l.from.name))];
          return refused(`${name} cannot be unloaded: ${names.join(", ")} depend on it`, names);
        }
        forget(s);
        return OK;
      });
    },

    reload(next) {
      return input(() => reload(next));
    },

    plan(descs) {
      return planReload(core, descs);
    },

    shutdown() {
      input(() => {
        core.shuttingDown = true;
        for (const s of core.services.values()) {
          s.activated = false;
          s.pinned = null;
          retarget(core, s);
          mark(core, s);
        }
      });
    },

    waitingOn() {
      const waiting: { name: string; state: Service["state"]; since: number }[] = [];
      for (const s of core.services.values()) {
        const stopping = s.state === "stopping" && s.broughtDown;
        const startingInShutdown = core.shuttingDown && s.state === "starting" && s.running;
        if (stopping || startingInShutdown) waiting.push({ name: s.name, state: s.state, since: s.stateSince });
      }
      return waiting.sort((a, b) => a.since - b.since || (a.name < b.name ? -1 : 1));
    },

    status(name) {
      const s = core.services.get(name);
      return s ? toStatus(s) : null;
    },

    list() {
      return [...core.services.values()].map(toStatus).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    },

    description(name) {
      return core.services.get(name)?.desc ?? null;
    },

    subscribe(listener) {
      core.listeners.add(listener);
      return () => {
        core.listeners.delete(listener);
      };
    },

    idle() {
      for (const s of core.services.values()) {
        if (s.state !== "stopped" || s.target !== "stopped" || s.running || s.restartTimer !== null) return false;
      }
      return true;
    },

    launched(name, pid) {
      input(() => {
        const s = core.services.get(name);
        if (s?.running) s.pid = pid;
      });
    },

    ready(name) {
      input(() => {
        const s = core.services.get(name);
        if (s) onReady(core, s);
      });
    },

    exited(name, status, cause = null) {
      input(() => {
        const s = core.services.get(name);
        if (s) onExited(core, s, status, cause);
      });
    },

    launchFailed(name, failure) {
      input(() => {
        const s = core.services.get(name);
        if (s) onLaunchFailed(core, s, failure);
      });
    },

    unhealthy(name) {
      input(() => {
        const s = core.services.get(name);
        if (s) onUnhealthy(core, s);
      });
    },
  };

  function setTrigger(name: string, on: boolean): CommandResult {
    return input(() => {
      const s = lookup(name);
      if (failed(s)) return s;
      if (s.desc.type !== "triggered") {
        return { ok: false, code: "invalid", message: `${name} is not a triggered service (its type is ${s.desc.type})` };
      }
      s.triggered = on;
      mark(core, s);
      return OK;
    });
  }

  /** Applies a new description as `judgeReload` decided, restarting nothing; reports what the plan would have said. */
  function reload(next: ServiceDescription): ({ ok: true } & Reloaded) | Failure {
    const s = lookup(next.name);
    if (failed(s)) return s;
    for (const dep of dependencyChanges(s, next).added) {
      if (dep.name === s.name) continue; // judgeReload refuses it
      const d = resolve(dep.name, [s.name]);
      if (failed(d)) return { ok: false, code: d.code, message: `${where(next, dep.line)}: ${dep.kind} ${dep.name}: ${d.message}` };
    }
    const judged = judgeReload(core, s, next);
    if ("ok" in judged) return judged;
    const { changes: [change], start, stop } = summarize(core, [judged], []);

    unindexOrder(core, s);
    s.desc = next;
    indexOrder(core, s);
    for (const l of judged.removed) {
      release(core, l);
      unlink(l);
      mark(core, l.to);
    }
    for (const dep of judged.added) {
      const l = link(dep.kind, s, core.services.get(dep.name)!);
      if (judged.holdsAdded) acquire(core, l);
    }
    if (change!.now.some((setting) => setting.startsWith("schedule"))) retimeTask(core, s);
    mark(core, s);
    return { ok: true, ...change!, start, stop };
  }

  return engine;
}
