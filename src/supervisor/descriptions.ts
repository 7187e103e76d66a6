/**
 * @module supervisor/descriptions
 * The supervisor's door to the loader: every description read (at boot, lazily for a
 * dependency, again for a reload) logs its warnings at file:line once, and remembers the
 * file's mtime, so `status`, `list` and SIGHUP can tell when the file on disk no longer matches
 * the description the engine holds. A description this bosun must not run (kill-all-on-stop
 * when bosun is not PID 1 of its pid namespace) fails to load here, as `check` says it would.
 */
import { statSync } from "node:fs";
import { killAllRefusal } from "../config/isolation.ts";
import type { Loader } from "../config/loader.ts";
import { ConfigError, type Problem } from "../config/problems.ts";
import type { ServiceDescription } from "../config/schema.ts";

/** Loading with change tracking; see createDescriptions. */
export interface Descriptions {
  /** One service (cached by the loader); throws ConfigError. */
  load(name: string): ServiceDescription;
  /** Names and what they reach; throws ConfigError with every problem. */
  loadAll(names: string[]): ServiceDescription[];
  /** Reads one service's file again, bypassing the cache; throws ConfigError. */
  reread(name: string): ServiceDescription;
  /** True when `desc`'s file changed on disk since `desc` was read. */
  changed(desc: ServiceDescription | null): boolean;
}

const mtimeOf = (file: string) => statSync(file, { throwIfNoEntry: false })?.mtimeMs ?? -1;

/**
 * Wraps a loader; `warn` receives each description's load warnings once per read. `pid1` says
 * whether bosun is PID 1 of its pid namespace (default: whether it is now).
 *
 * @example
 * const descriptions = createDescriptions(loader, (p) => log.warn(formatProblem(p)));
 * const engine = createEngine({ ..., load: descriptions.load });
 */
export function createDescriptions(loader: Loader, warn: (problem: Problem) => void, pid1 = process.pid === 1): Descriptions {
  // Keyed by description, not name: `changed` asks about the description the engine holds, so a
  // file read again but not taken (a reload plan, a refused reload) still counts as changed.
  const readAt = new WeakMap<ServiceDescription, number>();
  const fresh = (desc: ServiceDescription): ServiceDescription => {
    const refusal = killAllRefusal(desc, pid1);
    if (refusal) throw new ConfigError([refusal]);
    if (readAt.has(desc)) return desc; // the loader's cached copy, already seen
    readAt.set(desc, desc.file === null ? 0 : mtimeOf(desc.file));
    for (const w of loader.warningsOf(desc.name)) if (w.service === desc.name) warn(w);
    return desc;
  };
  return {
    load: (name) => fresh(loader.load(name)),
    loadAll(names) {
      const all = loader.loadAll(names);
      const refused = all.map((d) => killAllRefusal(d, pid1)).filter((p) => p !== null);
      if (refused.length > 0) throw new ConfigError(refused);
      return all.map(fresh);
    },
    reread(name) {
      loader.forget(name);
      return fresh(loader.load(name));
    },
    changed(desc) {
      if (desc === null || desc.file === null) return false;
      const at = readAt.get(desc);
      return at !== undefined && mtimeOf(desc.file) !== at;
    },
  };
}
