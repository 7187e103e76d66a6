/**
 * @module config/loader
 * Finds and loads service descriptions: searches the service directories in order, loads
 * a template instance `base@arg` from the file `base`, caches what it loaded, and follows
 * what a service reaches for `loadAll`. The engine loads lazily through `load`.
 */
import { accessSync, constants, statSync } from "node:fs";
import { resolve } from "node:path";
import * as v from "valibot";
import { buildDescription } from "./build.ts";
import { exists } from "./files.ts";
import { readWithIncludes } from "./includes.ts";
import { byLocation, ConfigError, error, InvalidService, ServiceNotFound, warning, type Problem } from "./problems.ts";
import { reach } from "./reach.ts";
import { ServiceName, type ServiceDescription } from "./schema.ts";

/** Where the loader finds services and what their values substitute. */
export interface LoaderOptions {
  /** Service directories, searched in order. */
  dirs: string[];
  /** bosun's environment for substitution; default process.env. */
  env?: Record<string, string | undefined>;
}

/** Loads service descriptions by name; the daemon keeps one for lazy loads and reloads. */
export interface Loader {
  /**
   * Loads (cached) one service by name (templates `base@arg` too). Does NOT load deps. Throws
   * ServiceNotFound, InvalidService for a file with errors, ConfigError for a bad name.
   */
  load(name: string): ServiceDescription;
  /** Loads names and everything they reach (deps, chain-to, consumer-of, before/after); throws ConfigError on errors. */
  loadAll(names: string[]): ServiceDescription[];
  /** Warnings collected so far (settings bosun cannot honour, ...). */
  warnings(): Problem[];
  /** The warnings of the last read of one service. */
  warningsOf(name: string): Problem[];
  /** Forget the cache for a name (reload re-reads from disk). */
  forget(name: string): void;
}

/**
 * Where the file for `name` is: the first service directory holding it, where a template
 * instance `base@arg` is always read from the file `base` (dinit's rule). Null when none does.
 */
export function findServiceFile(name: string, dirs: string[]): string | null {
  const base = name.split("@")[0]!;
  for (const dir of dirs) {
    const path = resolve(dir, base);
    if (exists(path)) return path;
  }
  return null;
}

/**
 * Warnings for service directories given with `-d` that cannot hold services (missing, not a
 * directory, unreadable): the search passes over them silently, so a mistyped path would
 * otherwise go unnoticed beside a good one. Each names the directory as its file.
 *
 * @example
 * serviceDirWarnings(["/nonexistent"]) // [{ file: "/nonexistent", severity: "warning", message: "service directory (-d) does not exist; check the path", ... }]
 */
export function serviceDirWarnings(dirs: string[]): Problem[] {
  const problems: Problem[] = [];
  for (const dir of dirs) {
    const path = resolve(dir);
    try {
      const st = statSync(path, { throwIfNoEntry: false });
      if (st === undefined) problems.push(warning(path, null, null, "service directory (-d) does not exist; check the path"));
      else if (!st.isDirectory()) problems.push(warning(path, null, null, "service directory (-d) is not a directory; give the directory that holds the service files"));
      else accessSync(path, constants.R_OK | constants.X_OK);
    } catch (e) {
      problems.push(warning(path, null, null, `service directory (-d) cannot be read (${(e as NodeJS.ErrnoException).code ?? String(e)})`));
    }
  }
  return problems;
}

/**
 * Creates a loader over service directories.
 *
 * @example
 * const loader = createLoader({ dirs: ["/etc/bosun/services"] });
 * const web = loader.load("web");
 * const all = loader.loadAll(["boot"]); // boot and everything it reaches
 */
export function createLoader(opts: LoaderOptions): Loader {
  const env = opts.env ?? process.env;
  const cache = new Map<string, ServiceDescription>();
  const warned = new Map<string, Problem[]>();

  const load = (name: string): ServiceDescription => {
    const cached = cache.get(name);
    if (cached) return cached;
    const valid = v.safeParse(ServiceName, name);
    // The schema refuses '/' and a leading dot, so a name can never reach outside the directories.
    if (!valid.success) throw new ConfigError([error(null, null, name, `'${name}' is not a valid service name: ${valid.issues[0].message}`)]);
    const file = findServiceFile(name, opts.dirs);
    if (file === null) throw new ServiceNotFound(name, opts.dirs);
    const at = name.indexOf("@");
    const arg = at < 0 ? null : name.slice(at + 1);
    const preload = { lookup: (n: string) => env[n], arg };
    const read = readWithIncludes(file, preload);
    // Built even after syntax errors, so one run reports the bad values of the lines that lexed.
    const syntaxErrors = read.problems.some((p) => p.severity === "error");
    const built = buildDescription({ name, arg, file, statements: read.statements, env, syntaxErrors });
    const problems = byLocation([...read.problems, ...built.problems].map((p) => ({ ...p, service: p.service ?? name })));
    warned.set(name, problems.filter((p) => p.severity === "warning"));
    const errors = problems.filter((p) => p.severity === "error");
    if (errors.length > 0 || built.description === null) throw new InvalidService(errors, built.partial);
    cache.set(name, built.description);
    return built.description;
  };

  return {
    load,
    loadAll(names) {
      const result = reach({ load }, names);
      const errors = result.problems.filter((p) => p.severity === "error");
      if (errors.length > 0) throw new ConfigError(errors);
      return [...result.services.values()];
    },
    warnings: () => [...warned.values()].flat(),
    warningsOf: (name) => warned.get(name) ?? [],
    forget(name) {
      cache.delete(name);
      warned.delete(name);
    },
  };
}
