/**
 * @module supervisor/health
 * Each service's health check, run while its process is up, and what its verdicts do.
 * - Checks begin when the service's process is up (its first `launched`; a scripted service's
 *   when its start command has finished) and end when the engine asks for its stop, or when
 *   its process ends. One monitor per service: its counters outlive restarts; a reload that
 *   changes the check replaces it.
 * - Startup gating (`health-gates-start`, on by default): a process still starting counts as
 *   started only at its first healthy check. The launcher's `ready` is held until then (both
 *   are needed: a readiness protocol's word and a healthy check), so dependents and `bosun
 *   start` wait; the engine's start-timeout bounds the wait (reason timed-out). Until that first
 *   healthy check, checks run every start interval and failures do not count. A scripted
 *   service is never gated: its start is over when its command is.
 * - Unhealthy: the engine decides (Engine.unhealthy): restarted under the restart policy,
 *   left running with `restart = no`, a failed start while still starting.
 * - A scheduled service's runs are not checked: each is judged by its exit.
 */
import type { ConsolaInstance } from "consola/core";
import { taggedLine } from "../log/consola.ts";
import type { HealthCheck, ServiceDescription } from "../config/schema.ts";
import type { Clock, Engine, LaunchFailure, Launcher, ProcessEvents } from "../engine/types.ts";
import { createMonitor, type HealthMonitor } from "../health/monitor.ts";
import { probeFor } from "../health/probe.ts";
import type { CheckOutcome, HealthUpdate, ProbeChild } from "../health/types.ts";
import { runsAProcess, runsOnSchedule } from "../config/kinds.ts";
import type { HealthView } from "./status.ts";

/** What the health wiring is built from. */
export interface HealthOptions {
  engine: Pick<Engine, "ready" | "unhealthy" | "status" | "description">;
  spawnProbe(desc: ServiceDescription, argv: string[]): ProbeChild | LaunchFailure;
  clock: Clock;
  log: ConsolaInstance;
  /** A check changed a service's health or its details: readiness may have moved. */
  onChange(): void;
}

/** The health checks of every service; see createHealth. */
export interface ServiceHealth {
  /** The launcher's events on their way to the engine: checks begin and end with them, and a gated start's `ready` waits. */
  events(next: ProcessEvents): ProcessEvents;
  /** The launcher as the engine is to see it: a stop ends the service's checks first. */
  launcher(inner: Launcher): Launcher;
  /** A reload replaced the description: a changed check applies now. */
  reloaded(name: string): void;
  /** The service was unloaded. */
  forget(name: string): void;
  /** The service's health, or null when it has no check (or its type runs none). */
  view(name: string): HealthView | null;
  /** Ends every check (bosun exiting). */
  close(): void;
}

/** One service's check: its monitor and this run's gating. */
interface Watch {
  /** The settings the monitor was built from. */
  settings: string;
  monitor: HealthMonitor;
  /** Checks finished by monitors this one replaced (a reload), so /metrics counters never go back. */
  carried: Record<CheckOutcome, number>;
  /** This run's start waits for its first healthy check. */
  gated: boolean;
  /** This run has had a healthy check. */
  healthy: boolean;
  /** The launcher said ready; the engine hears it at the first healthy check. */
  held: boolean;
}

/** A description with a health check. */
type Checked = ServiceDescription & { health: HealthCheck };

const ZERO: Record<CheckOutcome, number> = { success: 0, failure: 0, timeout: 0 };

/**
 * Builds the wiring; nothing runs before a service's process is up.
 *
 * @example
 * const health = createHealth({ engine, spawnProbe: (d, argv) => launcher.spawnProbe(d, argv), clock, log, onChange });
 * const launcher = createLauncher({ events: health.events(engine), ... });
 * const engine = createEngine({ launcher: health.launcher(launcher), ... });
 */
export function createHealth(opts: HealthOptions): ServiceHealth {
  const { engine, log } = opts;
  const watches = new Map<string, Watch>();

  /** The description whose check applies, or null (none, a type that runs no process, or a scheduled service's runs). */
  function checked(name: string): Checked | null {
    const desc = engine.description(name);
    return desc?.health && runsAProcess(desc.type) && !runsOnSchedule(desc) ? (desc as Checked) : null;
  }

  /** The service's watch for its current description: made, kept, or replaced when the check changed. */
  function watchFor(name: string): Watch | null {
    const old = watches.get(name) ?? null;
    const desc = checked(name);
    const settings = desc ? JSON.stringify(desc.health) : null;
    if (old && old.settings === settings) return old;
    old?.monitor.end();
    if (!desc || settings === null) {
      watches.delete(name);
      return null;
    }
    const carried = old ? add(old.carried, old.monitor.counts()) : { ...ZERO };
    const watch: Watch = {
      settings,
      carried,
      gated: false,
      healthy: false,
      held: false,
      monitor: createMonitor({
        check: desc.health,
        // the description of the moment, as the launcher runs it: a reload of other settings applies
        probe: probeFor(desc.health, (argv) => opts.spawnProbe(engine.description(name) ?? desc, argv)),
        clock: opts.clock,
        onUpdate: (u) => updated(name, watch, u),
        onError: (e) => taggedLine(log, name).error(`internal error handling a health check: ${(e as Error).stack ?? e}`),
      }),
    };
    watches.set(name, watch);
    return watch;
  }

  /** The process is up: checks begin, gating a start that is still under way. */
  function begin(name: string, gating = true): void {
    const w = watchFor(name);
    if (!w || w.monitor.running) return;
    const desc = checked(name)!;
    w.gated = gating && desc.health.gatesStart && desc.type !== "scripted" && engine.status(name)?.state === "starting";
    w.healthy = false;
    w.held = false;
    w.monitor.begin({ untilHealthy: w.gated });
  }

  function end(name: string): void {
    const w = watches.get(name);
    if (!w) return;
    w.monitor.end();
    w.held = false;
  }

  function updated(name: string, w: Watch, u: HealthUpdate): void {
    if (watches.get(name) !== w) return;
    if (u.change?.to === "healthy") {
      taggedLine(log, name).info(u.change.from === "unhealthy" ? "healthy again" : "healthy");
      w.healthy = true;
      if (w.held) {
        w.held = false;
        engine.ready(name);
      }
    } else if (u.change?.to === "unhealthy") {
      const desc = engine.description(name);
      const status = engine.status(name);
      const what = `unhealthy: ${u.status.failures} check${u.status.failures === 1 ? "" : "s"} failed in a row${u.status.text ? `: ${u.status.text}` : ""}`;
      const next =
        status?.state === "starting"
          ? "its start fails"
          : desc?.type === "scripted"
            ? "left as it is (a scripted service has no process to restart)"
            : desc?.restart === "no"
              ? "left running (restart = no)"
              : `stopping it (restart = ${desc?.restart})`;
      taggedLine(log, name).warn(`${what}; ${next}`);
      engine.unhealthy(name);
    }
    opts.onChange();
  }

  return {
    events(next) {
      return {
        launched(name, pid) {
          next.launched(name, pid);
          if (engine.description(name)?.type !== "scripted") begin(name);
        },
        ready(name) {
          if (engine.description(name)?.type === "scripted") {
            next.ready(name);
            begin(name, false);
            return;
          }
          begin(name);
          const w = watches.get(name);
          if (w?.monitor.running && w.gated && !w.healthy) {
            w.held = true;
            taggedLine(log, name).debug("up; its start waits for its first healthy check");
            return;
          }
          next.ready(name);
        },
        exited(name, status, cause) {
          end(name);
          next.exited(name, status, cause);
        },
        launchFailed(name, failure) {
          end(name);
          next.launchFailed(name, failure);
        },
      };
    },

    launcher(inner) {
      return {
        start: (d) => inner.start(d),
        stop(d) {
          end(d.name);
          inner.stop(d);
        },
        kill: (d) => inner.kill(d),
        interrupt: (d) => inner.interrupt(d),
        signal: (d, sig) => inner.signal(d, sig),
      };
    },

    reloaded(name) {
      const old = watches.get(name) ?? null;
      const running = old?.monitor.running ?? false;
      const w = watchFor(name);
      if (w === old || !old || !running) return;
      // the process is up: the new check begins now, and a start still waiting keeps waiting
      // only while the new check gates it
      const waiting = old.gated && !old.healthy;
      if (w) {
        w.gated = waiting && checked(name)!.health.gatesStart;
        w.monitor.begin({ untilHealthy: w.gated });
        w.held = old.held && w.gated;
      }
      if (old.held && !w?.held) engine.ready(name);
      opts.onChange();
    },

    forget(name) {
      watches.get(name)?.monitor.end();
      watches.delete(name);
    },

    view(name) {
      const desc = checked(name);
      if (!desc) return null;
      const w = watches.get(name);
      const current = w?.settings === JSON.stringify(desc.health) ? w : null;
      const s = current?.monitor.status() ?? { state: "starting", failures: 0, lastCheck: null, duration: null, text: null };
      return {
        state: s.state,
        failures: s.failures,
        lastCheck: s.lastCheck,
        duration: s.duration,
        output: s.text,
        checking: current?.monitor.running ?? false,
        checks: current ? add(current.carried, current.monitor.counts()) : { ...ZERO },
      };
    },

    close() {
      for (const w of watches.values()) w.monitor.end();
    },
  };
}

function add(a: Record<CheckOutcome, number>, b: Record<CheckOutcome, number>): Record<CheckOutcome, number> {
  return { success: a.success + b.success, failure: a.failure + b.failure, timeout: a.timeout + b.timeout };
}
