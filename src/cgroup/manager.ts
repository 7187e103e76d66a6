/**
 * @module cgroup/manager
 * The cgroup layer's one entry: `openCgroups` detects the layout (v2 first, v1 fallback,
 * read-only, none), and `prepare` gives each run of a service a fresh cgroup of its own with
 * its limits written, before the launcher spawns into it. Which services get one: with
 * `everyService` (bosun as PID 1) all that run a process, otherwise only those whose
 * settings need one (limits, `run-in-cgroup`).
 *
 * Nothing touches cgroupfs until the first service needs a cgroup: then the instance is
 * made (on v2, bosun also moves into its leaf). `close` kills what is left in the cgroups
 * bosun made, removes them and the instance, and says what it had to leave behind.
 *
 * Where cgroups cannot be made, a service that asks for limits is refused with what to do,
 * unless best-effort mode is on: then it starts without them after one warning, and its
 * stop falls back to the process group. Warnings repeat once per service, not once per run.
 */
import type { ServiceDescription } from "../config/schema.ts";
import type { LaunchFailure } from "../engine/types.ts";
import { detectCgroups, type DetectOptions } from "./detect.ts";
import { applyLimits } from "./limits.ts";
import { instanceName, serviceDirName } from "./names.ts";
import { cgroupSettings } from "./needs.ts";
import type { CgroupMode, CgroupProblem, DriverGroup, ServiceCgroup } from "./types.ts";
import { v1Driver } from "./v1.ts";
import { v2Driver } from "./v2.ts";

/** How bosun uses cgroups. */
export interface CgroupOptions extends DetectOptions {
  /** A cgroup for every service, not only for those whose settings need one (bosun as PID 1). */
  everyService?: boolean;
  /** Start a service whose cgroup settings cannot be applied, after a warning, instead of refusing it. */
  bestEffort?: boolean;
  /** The instance directory's name (default `bosun-<pid>-<random>`). */
  instance?: string;
}

/** The outcome of `prepare`: the run's cgroup (null: none for this service) and warnings, or a refusal. */
export type Prepared = { ok: true; cgroup: ServiceCgroup | null; warnings: string[] } | { ok: false; failure: LaunchFailure };

/** bosun's cgroups. */
export interface Cgroups {
  readonly mode: CgroupMode;
  readonly bestEffort: boolean;
  /** One line: the layout, and what it means for services. */
  readonly description: string;
  readonly instance: string;
  /** A fresh cgroup for the next run of `desc`, limits written; call before each spawn of a run. */
  prepare(desc: ServiceDescription): Prepared;
  /**
   * Kills what is left in the cgroups bosun made (waiting up to `waitMs` for each to empty),
   * removes them, moves bosun back to its own cgroup and removes the instance. Resolves to
   * what it had to leave (each with why); [] when nothing is left behind.
   */
  close(waitMs?: number): Promise<string[]>;
}

/** How many names one service may use while earlier runs' cgroups cannot be removed yet. */
const MAX_ATTEMPTS = 100;

const list = (names: string[]) => (names.length > 1 ? `${names.slice(0, -1).join(", ")} and ${names.at(-1)}` : names[0]!);

/**
 * Detects the cgroup layout and returns the manager for it.
 *
 * @example
 * const cgroups = openCgroups({ everyService: isPid1, bestEffort: env.BOSUN_CGROUPS === "best-effort" });
 * log.info(`cgroups: ${cgroups.description}`);
 * const p = cgroups.prepare(desc);
 * if (p.ok && p.cgroup) Bun.spawn([...joinArgv(p.cgroup.joinFiles), ...argv], { cgroup: p.cgroup.spawnCgroup });
 */
export function openCgroups(opts: CgroupOptions = {}): Cgroups {
  const found = detectCgroups(opts);
  const bestEffort = opts.bestEffort ?? false;
  const instance = opts.instance ?? instanceName();
  const driver = found.mode === "v2" ? v2Driver(found.v2!, instance) : found.mode === "v1" ? v1Driver(found.v1, instance) : null;
  /** undefined until the first cgroup is needed; then null (ready) or why it failed. */
  let setUp: CgroupProblem | null | undefined;
  const live = new Map<string, DriverGroup>();
  const stale: DriverGroup[] = [];
  const warned = new Set<string>();

  const once = (service: string, messages: string[]) =>
    messages.filter((m) => {
      const key = `${service}\0${m}`;
      if (warned.has(key)) return false;
      warned.add(key);
      return true;
    });

  const fail = (message: string, errno: string | null = null): Prepared => ({ ok: false, failure: { stage: "cgroup", errno, message } });

  /** A service whose settings need cgroups bosun cannot make: refused, or started without them. */
  function cannot(desc: ServiceDescription, settings: string[], why: string): Prepared {
    const them = settings.length > 1 ? "them" : "it";
    if (bestEffort) return { ok: true, cgroup: null, warnings: once(desc.name, [`${list(settings)}: ${why}; started without ${them} (best-effort cgroups)`]) };
    return fail(
      `cgroup: ${list(settings)} ${settings.length > 1 ? "need" : "needs"} a writable cgroup filesystem, but ${why}: ` +
        `run bosun with one (a container with a writable cgroup namespace, e.g. --privileged), or remove ${them} from ${desc.name}, ` +
        `or start bosun with --cgroups=best-effort (BOSUN_CGROUPS=best-effort) to run ${desc.name} without ${them}`,
    );
  }

  /** Lets go of the previous run's cgroup; one that cannot be removed yet is retried later. */
  function retire(service: string): void {
    const prev = live.get(service);
    live.delete(service);
    if (prev && !prev.release()) stale.push(prev);
    for (const g of [...stale]) if (g.release()) stale.splice(stale.indexOf(g), 1);
  }

  function create(desc: ServiceDescription): DriverGroup | Prepared {
    if (desc.runInCgroup !== null) {
      const adopted = driver!.adopt(desc.name, desc.runInCgroup);
      return "message" in adopted ? fail(adopted.message, adopted.errno) : adopted;
    }
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      const made = driver!.create(desc.name, serviceDirName(desc.name, attempt), desc.cgroup);
      if (!("errno" in made)) return made;
      if (made.errno !== "EEXIST") return fail(`cgroup: cannot make ${made.path} (${made.errno})`, made.errno);
    }
    return fail(`cgroup: ${MAX_ATTEMPTS} earlier cgroups of ${desc.name} still hold processes that would not die`);
  }

  return {
    mode: found.mode,
    bestEffort,
    instance,
    description: describe(found.description, found.mode, bestEffort, opts.everyService ?? false),

    prepare(desc: ServiceDescription): Prepared {
      const settings = cgroupSettings(desc);
      if (settings.length === 0 && !opts.everyService) return { ok: true, cgroup: null, warnings: [] };
      if (driver === null) return settings.length > 0 ? cannot(desc, settings, found.reason!) : { ok: true, cgroup: null, warnings: [] };
      if (setUp === undefined) setUp = driver.setUp();
      if (setUp !== null) {
        if (settings.length > 0) return cannot(desc, settings, setUp.message);
        return { ok: true, cgroup: null, warnings: once("", [`cgroups: ${setUp.message}; services run in bosun's cgroup`]) };
      }
      retire(desc.name);
      const group = create(desc);
      if ("ok" in group) return group;
      const applied = applyLimits(driver.writes(desc.cgroup), (c) => group.dirOf(c), { owned: group.owned });
      const warnings = [...applied.warnings];
      if (applied.failed) {
        const f = applied.failed;
        const text = `${f.setting}: the kernel refused ${JSON.stringify(f.value)} in ${f.path} (${f.errno})`;
        if (!bestEffort) {
          group.release();
          return fail(`cgroup: ${text}`, f.errno);
        }
        warnings.push(`${text}; started without it (best-effort cgroups)`);
      }
      live.set(desc.name, group);
      return { ok: true, cgroup: group, warnings: once(desc.name, warnings) };
    },

    async close(waitMs = 5000): Promise<string[]> {
      const groups = [...live.values(), ...stale].filter((g) => g.owned);
      live.clear();
      stale.length = 0;
      const left = await Promise.all(
        groups.map(async (g) => {
          const pids = await g.killAll(waitMs);
          return g.release() ? [] : [`${g.dirs.join(", ")} (processes left: ${pids.join(" ") || "none listed"})`];
        }),
      );
      const out = left.flat();
      if (driver !== null && setUp !== undefined) out.push(...driver.tearDown());
      setUp = undefined;
      return out;
    },
  };
}

/** The detection line plus what it means for services. */
function describe(found: string, mode: CgroupMode, bestEffort: boolean, everyService: boolean): string {
  if (mode === "read-only" || mode === "none") {
    return bestEffort
      ? `${found}; best-effort: services with cgroup settings start without them, and stop by process group`
      : `${found}; services with cgroup settings are refused (--cgroups=best-effort starts them without)`;
  }
  return `${found}; ${everyService ? "a cgroup for every service" : "cgroups for services with cgroup settings"}`;
}
