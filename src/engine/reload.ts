/**
 * @module engine/reload
 * Replacing a loaded description: which changed settings apply at once and which only when the
 * process next starts, which dependency edges come and go, what a running service refuses, and
 * `planReload`, which tells what reloading a set of descriptions would restart, start or stop.
 */
import type { Dependency, ServiceDescription } from "../config/schema.ts";
import type { Core } from "./core.ts";
import { isHard, upHardDependents, type Link, type Service } from "./service.ts";
import type { ReloadPlan } from "./types.ts";

/**
 * Settings the engine (or the process layer at stop time) reads when it needs them, so a change
 * takes effect at once. Every other setting shapes the running process and waits for a restart.
 */
const LIVE_SETTINGS = new Set<keyof ServiceDescription>([
  "name",
  "file",
  "lines",
  "depends",
  "before",
  "after",
  "chainTo",
  "restart",
  "smoothRecovery",
  "restartDelay",
  "restartDelayMax",
  "restartLimitInterval",
  "restartLimitCount",
  "startTimeout",
  "stopTimeout",
  "termSignal",
  "stopCommand",
  "options",
  "enableVia",
  "health",
  "main",
  "exitCodeMap",
  "schedule",
]);

/** `workingDir` -> `working-dir`: the spelling people use in service files. */
function settingName(field: string): string {
  return field.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

/**
 * The settings that differ between two descriptions and apply only after a restart.
 *
 * @example
 * restartSettings(old, { ...old, command: ["nginx", "-t"] }); // ["command"]
 */
export function restartSettings(old: ServiceDescription, next: ServiceDescription): string[] {
  const changed: string[] = [];
  for (const field of Object.keys(next) as (keyof ServiceDescription)[]) {
    if (LIVE_SETTINGS.has(field)) continue;
    if (JSON.stringify(old[field]) !== JSON.stringify(next[field])) changed.push(settingName(field));
  }
  return changed;
}

/** The edge changes a new description brings: links that go, and dependencies that are new. */
export function dependencyChanges(s: Service, next: ServiceDescription): { removed: Link[]; added: Dependency[] } {
  const key = (kind: string, name: string) => `${kind}\u0000${name}`;
  const wanted = new Set(next.depends.map((d) => key(d.kind, d.name)));
  const present = new Set(s.deps.map((l) => key(l.kind, l.to.name)));
  return {
    removed: s.deps.filter((l) => !wanted.has(key(l.kind, l.to.name))),
    added: next.depends.filter((d, i, all) => {
      const k = key(d.kind, d.name);
      return !present.has(k) && all.findIndex((e) => key(e.kind, e.name) === k) === i;
    }),
  };
}

/** True while a service has a process or a state that a reload must respect. */
export function isUp(s: Service): boolean {
  return s.state !== "stopped" || s.running;
}

/** Where a setting was written, for messages: `/etc/bosun/web:4` or the service name. */
export function where(desc: ServiceDescription, line?: number): string {
  if (desc.file === null) return `service ${desc.name}`;
  return line ? `${desc.file}:${line}` : desc.file;
}

/**
 * Why reloading `next` over the running `s` is refused, or null when it is allowed. `started`
 * tells whether a service is (or, within a plan, will be) started.
 */
export function reloadRefusal(
  s: Service,
  next: ServiceDescription,
  added: Dependency[],
  started: (name: string) => boolean,
): string | null {
  if (!isUp(s)) return null;
  if (next.type !== s.desc.type) {
    return `${where(next, next.lines["type"])}: the type of ${s.name} cannot change from ${s.desc.type} to ${next.type} while it is ${s.state}; stop it first`;
  }
  for (const d of added) {
    if (isHard(d.kind) && !started(d.name)) {
      return `${where(next, d.line)}: new ${d.kind} dependency ${d.name} of ${s.name} is not started; start ${d.name} first or stop ${s.name}`;
    }
  }
  return null;
}

/**
 * What reloading `descs` would do, changing nothing: `restart` lists the running services whose
 * changes need a restart and the hard dependents that would restart with them; `start` the
 * services a running service newly depends on that are not up; `stop` the services nothing would
 * hold any more; `refused` the reloads that would be refused, with the reason.
 *
 * @example
 * planReload(core, [describe({ name: "web", command: ["nginx", "-t"], type: "process" })]);
 * // { restart: ["web"], start: [], stop: [], refused: [] }
 */
export function planReload(core: Core, descs: ServiceDescription[]): ReloadPlan {
  const restart = new Set<string>();
  const start = new Set<string>();
  const stop = new Set<string>();
  const refused: ReloadPlan["refused"] = [];
  const releasing = new Set<Link>();
  const startedNow = (name: string) => core.services.get(name)?.state === "started";

  for (const next of descs) {
    const s = core.services.get(next.name);
    if (!s) {
      refused.push({ service: next.name, reason: `${next.name} is not loaded; start it to load it` });
      continue;
    }
    const { removed, added } = dependencyChanges(s, next);
    const refusal = reloadRefusal(s, next, added, startedNow);
    if (refusal !== null) {
      refused.push({ service: next.name, reason: refusal });
      continue;
    }
    if (!isUp(s) || s.target !== "started") continue;
    if (restartSettings(s.desc, next).length > 0) {
      restart.add(s.name);
      for (const d of upHardDependents(s)) restart.add(d.name);
    }
    for (const d of added) {
      const t = core.services.get(d.name);
      if (!t || (!isUp(t) && t.target !== "started")) start.add(d.name);
    }
    for (const l of removed) if (l.holding) releasing.add(l);
  }

  for (const l of releasing) {
    const t = l.to;
    const kept = t.dependents.some((other) => other.holding && !releasing.has(other));
    if (!kept && !t.activated && t.pinned !== "started" && isUp(t)) stop.add(t.name);
  }
  const sorted = (set: Set<string>) => [...set].sort();
  return { restart: sorted(restart), start: sorted(start), stop: sorted(stop), refused };
}
