/**
 * @module engine/reload
 * Replacing a loaded description, restarting nothing (dinit's rule): which changed settings
 * apply at once and which wait for the process's next start, which dependency edges come and
 * go, what is refused, and what starts or stops because of it. `judgeReload` decides all of it
 * for one description against the engine as it is; `Engine.plan` and `Engine.reload` both
 * report through it, so a plan says exactly what the reload then does.
 */
import { runsAProcess, runsOnSchedule } from "../config/kinds.ts";
import { aheadOf } from "../config/order.ts";
import { dependencySetting } from "../config/reach.ts";
import { settingForField } from "../config/settings.ts";
import type { DepKind, Dependency, ServiceDescription } from "../config/schema.ts";
import { cycleThrough, liveLinks, replacing, type Core } from "./core.ts";
import { isHard, isUp, upHardDependents, upOrComingBack, type Link, type Service } from "./service.ts";
import type { ReloadChange, ReloadPlan } from "./types.ts";

/** Fields that say where a description came from, not what it asks for: never reported. */
const BOOKKEEPING = new Set<keyof ServiceDescription>(["name", "file", "lines", "sources"]);

/**
 * Settings the engine (or the process layer at stop time, or enable/disable) reads when it
 * needs them, so a change takes effect at once. Every other setting shapes the running process
 * and waits for its next start.
 */
const LIVE_SETTINGS = new Set<keyof ServiceDescription>([
  "depends",
  "dependencyDirs",
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
  // A started task reads these at its next due time (engine/runs.ts re-arms it).
  "schedule",
  "scheduleTimezone",
  "scheduleOverlap",
  "scheduleJitter",
  "scheduleTimeout",
]);

/** Fields that no setting fills, named for people (the rest by their field name, like `env`). */
const UNWRITTEN: Partial<Record<keyof ServiceDescription, string>> = { enableVia: "@meta enable-via" };

/** The kinds whose entries differ between two lists of `{ kind, ... }`, in order of appearance. */
function changedKinds<T extends { kind: DepKind }>(old: T[], next: T[]): DepKind[] {
  const key = (e: T) => JSON.stringify(e);
  const inOld = new Set(old.map(key));
  const inNext = new Set(next.map(key));
  const kinds = [...next.filter((e) => !inOld.has(key(e))), ...old.filter((e) => !inNext.has(key(e)))].map((e) => e.kind);
  return [...new Set(kinds)];
}

/**
 * The settings a changed field is written with: the settings table's name for it, the kinds'
 * settings for dependencies, and for a group of settings (health, cgroup, rlimits) the members
 * that changed.
 */
function namesOf(field: keyof ServiceDescription, old: ServiceDescription, next: ServiceDescription): string[] {
  // A moved line is no change: a dependency compares by kind and name.
  if (field === "depends") return changedKinds(old.depends.map(({ kind, name }) => ({ kind, name })), next.depends.map(({ kind, name }) => ({ kind, name }))).map(dependencySetting);
  if (field === "dependencyDirs") return changedKinds(old.dependencyDirs, next.dependencyDirs).map((kind) => `${dependencySetting(kind)}.d`);
  const setting = settingForField(field);
  if (setting !== null) return [setting];
  const [a, b] = [old[field], next[field]] as unknown[];
  const members = (x: unknown) => (x !== null && typeof x === "object" && !Array.isArray(x) ? (x as Record<string, unknown>) : null);
  const [ma, mb] = [members(a), members(b)];
  if (ma === null && mb === null) return [UNWRITTEN[field] ?? field];
  const changed = new Set<string>();
  for (const key of new Set([...Object.keys(ma ?? {}), ...Object.keys(mb ?? {})])) {
    if (JSON.stringify(ma?.[key]) !== JSON.stringify(mb?.[key])) changed.add(settingForField(`${field}.${key}`) ?? field);
  }
  return [...changed];
}

/**
 * The settings that differ between two descriptions, spelled as in service files, split by when
 * they take effect: all at once, unless a process launched with `old` is running
 * (`launchedWithOld`), whose shape changes only when it next starts.
 *
 * @example
 * changedSettings(old, { ...old, command: ["nginx", "-t"], restartDelay: 3 }, true);
 * // { now: ["restart-delay"], restartNeeded: ["command"] }
 */
export function changedSettings(old: ServiceDescription, next: ServiceDescription, launchedWithOld: boolean): { now: string[]; restartNeeded: string[] } {
  const now: string[] = [];
  const restartNeeded: string[] = [];
  for (const field of Object.keys(next) as (keyof ServiceDescription)[]) {
    if (BOOKKEEPING.has(field) || JSON.stringify(old[field]) === JSON.stringify(next[field])) continue;
    (LIVE_SETTINGS.has(field) || !launchedWithOld ? now : restartNeeded).push(...namesOf(field, old, next));
  }
  return { now, restartNeeded };
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

/**
 * True while the service runs as launched with its description: a process (or start script)
 * running, or a service started or stopping since. A service still waiting to launch, or
 * stopped, takes every change when it launches.
 */
function launched(s: Service): boolean {
  return runsAProcess(s.desc.type) && (s.running || s.state === "started" || s.state === "stopping");
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
function reloadRefusal(
  s: Service,
  next: ServiceDescription,
  added: Dependency[],
  started: (name: string) => boolean,
): string | null {
  if (!isUp(s)) return null;
  if (next.type !== s.desc.type) {
    return `${where(next, next.lines["type"])}: the type of ${s.name} cannot change from ${s.desc.type} to ${next.type} while it is ${s.state}; stop it first`;
  }
  if (runsOnSchedule(next) !== runsOnSchedule(s.desc)) {
    const what = runsOnSchedule(next) ? "gain a schedule" : "lose its schedule";
    return `${where(next, next.lines["schedule"])}: ${s.name} cannot ${what} while it is ${s.state} (a task and a service run differently); stop it first`;
  }
  for (const d of added) {
    if (isHard(d.kind) && !started(d.name)) {
      return `${where(next, d.line)}: new ${d.kind} dependency ${d.name} of ${s.name} is not started; start ${d.name} first or stop ${s.name}`;
    }
  }
  return null;
}

/** A reload that may go ahead: what it changes, the edges it drops and adds, and whether it holds the new ones at once. */
export interface ReloadJudgement {
  change: ReloadChange;
  removed: Link[];
  added: Dependency[];
  /** `s` is up and wanted, so its new dependencies are held (and started) at once. */
  holdsAdded: boolean;
}

/** A reload that may not, as the reload reports it. */
export interface ReloadRefused {
  ok: false;
  code: "refused" | "invalid";
  message: string;
}

/**
 * What reloading `next` over the loaded `s` does, judged against the engine as it is and
 * changing nothing: refused (a dependency on itself, a cycle, or while `s` is up a type change or
 * a new hard dependency that is not started), or the judgement `summarize` turns into a plan and
 * `Engine.reload` carries out. A new dependency that is not loaded counts as loadable: the
 * reload loads it first and fails if it cannot.
 */
export function judgeReload(core: Core, s: Service, next: ServiceDescription): ReloadJudgement | ReloadRefused {
  const { removed, added } = dependencyChanges(s, next);
  const self = added.find((dep) => dep.name === s.name);
  if (self) return { ok: false, code: "invalid", message: `${where(next, self.line)}: ${s.name} cannot depend on itself` };
  const refusal = reloadRefusal(s, next, added, (n) => core.services.get(n)?.state === "started");
  if (refusal !== null) return { ok: false, code: "refused", message: refusal };

  const loaded = (name: string) => core.services.has(name);
  const written = [
    ...next.depends.map((d) => ({ from: s.name, to: d.name, kind: d.kind })),
    ...next.after.map((to) => ({ from: s.name, to, kind: "after" as const })),
    ...aheadOf(next).map((to) => ({ from: s.name, to, kind: "before" as const })),
  ].filter((l) => loaded(l.to));
  const cycle = cycleThrough(replacing(liveLinks(core), s.name, written), s.name);
  if (cycle) return { ok: false, code: "invalid", message: `${where(next)}: ${cycle}` };

  const settings = changedSettings(s.desc, next, launched(s));
  const restartsWith = settings.restartNeeded.length > 0 ? upHardDependents(s).map((d) => d.name) : [];
  return {
    change: { service: s.name, ...settings, restartsWith },
    removed,
    added,
    holdsAdded: isUp(s) && s.target === "started",
  };
}

/**
 * The plan for reloads judged to go ahead together, and those refused: their changes, the
 * services their new dependencies start, and the services nothing would want any more.
 */
export function summarize(core: Core, judged: ReloadJudgement[], refused: ReloadPlan["refused"]): ReloadPlan {
  const start = new Set<string>();
  const held = new Set<string>();
  const releasing = new Set<Link>();
  for (const j of judged) {
    if (j.holdsAdded) {
      for (const d of j.added) {
        held.add(d.name);
        const t = core.services.get(d.name);
        if (!t || (t.pinned !== "stopped" && !upOrComingBack(t))) start.add(d.name);
      }
    }
    for (const l of j.removed) if (l.holding) releasing.add(l);
  }
  const stop = new Set<string>();
  for (const l of releasing) {
    const t = l.to;
    const kept = held.has(t.name) || t.dependents.some((other) => other.holding && !releasing.has(other));
    if (!kept && !t.activated && t.pinned !== "started" && isUp(t)) stop.add(t.name);
  }
  const sorted = (set: Set<string>) => [...set].sort();
  return { changes: judged.map((j) => j.change), start: sorted(start), stop: sorted(stop), refused };
}

/**
 * What reloading `descs` would do, changing nothing; each is judged against the engine as it is.
 *
 * @example
 * planReload(core, [describe({ name: "web", command: ["nginx", "-t"], type: "process" })]);
 * // { changes: [{ service: "web", now: [], restartNeeded: ["command"], restartsWith: [] }],
 * //   start: [], stop: [], refused: [] }
 */
export function planReload(core: Core, descs: ServiceDescription[]): ReloadPlan {
  const judged: ReloadJudgement[] = [];
  const refused: ReloadPlan["refused"] = [];
  for (const next of descs) {
    const s = core.services.get(next.name);
    const j = s ? judgeReload(core, s, next) : { ok: false, message: `no service named ${next.name} is loaded; start it to load it` };
    if ("ok" in j) refused.push({ service: next.name, reason: j.message });
    else judged.push(j);
  }
  return summarize(core, judged, refused);
}
