/**
 * @module config/reach
 * The links between services (dependencies, ordering, chain-to, consumer-of, log-file-after),
 * loading everything a set of services reaches, and reporting dependency cycles (the rule and
 * the search are config/order's) where they are written.
 */
import { cyclePath, findCycles, isOrderKind, type OrderKind } from "./order.ts";
import { ConfigError, error, InvalidService, ServiceNotFound, type Problem } from "./problems.ts";
import type { DepKind, ServiceDescription } from "./schema.ts";

/** What one service links to: every kind `bosun graph` draws. */
export type LinkKind = DepKind | "before" | "after" | "chain-to" | "consumer-of" | "log-file-after";

/** One link from a service to another, with where it is written (for messages and `graph`). */
export interface Link {
  from: string;
  to: string;
  kind: LinkKind;
  /** The setting that made the link and where it is written. */
  setting: string;
  line: number | null;
}

const DEP_SETTING: Record<DepKind, string> = { need: "depends-on", milestone: "depends-ms", "waits-for": "waits-for", "prepared-by": "prepared-by" };

/**
 * The setting that writes a dependency of this kind.
 *
 * @example
 * dependencySetting("milestone"); // "depends-ms"
 */
export function dependencySetting(kind: DepKind): string {
  return DEP_SETTING[kind];
}

/**
 * The links a description declares, in file order.
 *
 * @example
 * links(web) // [{ from: "web", to: "db", kind: "need", setting: "depends-on", line: 4 }, ...]
 */
export function links(d: ServiceDescription): Link[] {
  const at = (setting: string) => d.lines[setting] ?? null;
  const out: Link[] = d.depends.map((dep) => ({ from: d.name, to: dep.name, kind: dep.kind, setting: DEP_SETTING[dep.kind], line: dep.line || null }));
  for (const to of d.before) out.push({ from: d.name, to, kind: "before", setting: "before", line: at("before") });
  for (const to of d.after) out.push({ from: d.name, to, kind: "after", setting: "after", line: at("after") });
  if (d.chainTo) out.push({ from: d.name, to: d.chainTo, kind: "chain-to", setting: "chain-to", line: at("chain-to") });
  if (d.consumerOf) out.push({ from: d.name, to: d.consumerOf, kind: "consumer-of", setting: "consumer-of", line: at("consumer-of") });
  if (d.logFileAfter) out.push({ from: d.name, to: d.logFileAfter, kind: "log-file-after", setting: "log-file-after", line: at("log-file-after") });
  return out;
}

/** Where a setting of a description is written: its include fragment, else the service file. */
export function fileOf(d: ServiceDescription, setting: string): string | null {
  return d.sources[setting] ?? d.file;
}

/** What `reach` found: the services that loaded, what could be read of those with errors, every problem. */
export interface Reached {
  services: Map<string, ServiceDescription>;
  /** Files with errors (their problems are in `problems`): the settings that read. Never to be run. */
  partial: Map<string, ServiceDescription>;
  problems: Problem[];
}

/**
 * Loads `names` and everything they reach, collecting problems instead of stopping at the
 * first. A missing `before`/`after` target is no problem (dinit only orders against it if it
 * is loaded anyway); any other missing target is reported where the link is written. The
 * links of a file with errors are followed too (as far as they read), so one run reports
 * the problems of every file reached.
 */
export function reach(loader: { load(name: string): ServiceDescription }, names: string[]): Reached {
  const services = new Map<string, ServiceDescription>();
  const partial = new Map<string, ServiceDescription>();
  const problems: Problem[] = [];
  const seen = new Set<string>();
  const queue: { name: string; via: Link | null; from: ServiceDescription | null }[] = names.map((name) => ({ name, via: null, from: null }));
  while (queue.length > 0) {
    const { name, via, from } = queue.shift()!;
    if (seen.has(name)) continue;
    seen.add(name);
    let d: ServiceDescription;
    try {
      d = loader.load(name);
      services.set(name, d);
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      if (e instanceof ServiceNotFound && via && from) {
        if (via.kind === "before" || via.kind === "after") continue;
        problems.push(error(fileOf(from, via.setting), via.line, from.name, `${via.setting}: service '${name}' not found: ${e.problems[0]!.message}`));
      } else {
        problems.push(...e.problems);
      }
      if (!(e instanceof InvalidService) || e.partial === null) continue;
      d = e.partial;
      partial.set(name, d);
    }
    for (const link of links(d)) if (!seen.has(link.to)) queue.push({ name: link.to, via: link, from: d });
  }
  problems.push(...cycles(new Map([...services, ...partial])));
  return { services, partial, problems };
}

/**
 * Dependency cycles among loaded services, by config/order's rule and search, each reported
 * where the link that closes it is written, with every link of the loop named by its setting.
 */
export function cycles(services: Map<string, ServiceDescription>): Problem[] {
  const at = new Map<string, OrderedLink[]>();
  const index = (name: string, link: OrderedLink) => {
    const list = at.get(name);
    if (list) list.push(link);
    else at.set(name, [link]);
  };
  for (const d of services.values()) {
    for (const link of links(d)) {
      if (!isOrdered(link) || !services.has(link.to)) continue;
      index(d.name, link);
      if (link.to !== d.name) index(link.to, link);
    }
  }
  return findCycles((name) => at.get(name) ?? [], services.keys()).map((cycle) => {
    const names = cyclePath(cycle);
    const text = names.map((name, i) => (i === 0 ? name : `${name} (${label(cycle[i - 1]!)})`)).join(" -> ");
    const closing = cycle[cycle.length - 1]!;
    const owner = services.get(closing.from)!;
    return error(fileOf(owner, closing.setting), closing.line, owner.name, `dependency cycle: ${text}; remove one of these links`);
  });
}

/** A link that orders two services (a dependency, `before` or `after`). */
type OrderedLink = Link & { kind: OrderKind };

function isOrdered(link: Link): link is OrderedLink {
  return isOrderKind(link.kind);
}

/** How a link of a cycle reads after the service it leads to: its setting, or `x before y`. */
function label(link: OrderedLink): string {
  if (link.kind === "before" || link.kind === "consumer-of") return `${link.from} ${link.kind} ${link.to}`;
  return link.setting;
}
