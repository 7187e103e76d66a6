/**
 * @module config/reach
 * The links between services (dependencies, ordering, chain-to, consumer-of, log-file-after),
 * loading everything a set of services reaches, and finding dependency cycles, including
 * cycles through `before`/`after` (an ordering that agrees with a dependency is no cycle).
 */
import { ConfigError, error, ServiceNotFound, type Problem } from "./problems.ts";
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

/**
 * Loads `names` and everything they reach, collecting problems instead of stopping at the
 * first. A missing `before`/`after` target is no problem (dinit only orders against it if it
 * is loaded anyway); any other missing target is reported where the link is written.
 */
export function reach(
  loader: { load(name: string): ServiceDescription },
  names: string[],
): { services: Map<string, ServiceDescription>; problems: Problem[] } {
  const services = new Map<string, ServiceDescription>();
  const problems: Problem[] = [];
  const seen = new Set<string>();
  const queue: { name: string; via: Link | null; from: ServiceDescription | null }[] = names.map((name) => ({ name, via: null, from: null }));
  while (queue.length > 0) {
    const { name, via, from } = queue.shift()!;
    if (seen.has(name)) continue;
    seen.add(name);
    try {
      const d = loader.load(name);
      services.set(name, d);
      for (const link of links(d)) if (!seen.has(link.to)) queue.push({ name: link.to, via: link, from: d });
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      if (e instanceof ServiceNotFound && via && from) {
        if (via.kind === "before" || via.kind === "after") continue;
        problems.push(error(fileOf(from, via.setting), via.line, from.name, `${via.setting}: service '${name}' not found: ${e.problems[0]!.message}`));
      } else {
        problems.push(...e.problems);
      }
    }
  }
  problems.push(...cycles(services));
  return { services, problems };
}

/**
 * Dependency cycles among loaded services: A waits for B when A depends on B in any way,
 * when A is `after` B, or when B is `before` A.
 */
export function cycles(services: Map<string, ServiceDescription>): Problem[] {
  const waits = new Map<string, { to: string; label: string; owner: ServiceDescription; link: Link }[]>();
  const add = (a: string, b: string, label: string, owner: ServiceDescription, link: Link) => {
    if (!services.has(a) || !services.has(b)) return;
    if (!waits.has(a)) waits.set(a, []);
    waits.get(a)!.push({ to: b, label, owner, link });
  };
  for (const d of services.values()) {
    for (const link of links(d)) {
      if (link.kind === "before") add(link.to, d.name, `${d.name} before ${link.to}`, d, link);
      else if (link.kind === "after") add(d.name, link.to, "after", d, link);
      else if (link.kind in DEP_SETTING) add(d.name, link.to, link.setting, d, link);
    }
  }
  const problems: Problem[] = [];
  const state = new Map<string, "open" | "done">();
  for (const root of services.keys()) {
    if (state.has(root)) continue;
    // Depth-first without recursion, so a very long chain cannot overflow the stack: each
    // frame is a service on the current path, the link that led to it, and its next edge.
    const stack: { name: string; via: string; next: number }[] = [{ name: root, via: "", next: 0 }];
    state.set(root, "open");
    while (stack.length > 0) {
      const top = stack[stack.length - 1]!;
      const edge = waits.get(top.name)?.[top.next++];
      if (!edge) {
        state.set(top.name, "done");
        stack.pop();
        continue;
      }
      const seen = state.get(edge.to);
      if (seen === "done") continue;
      if (seen === "open") {
        const loop = stack.slice(stack.findIndex((f) => f.name === edge.to));
        const text = [...loop.map((f, i) => (i === 0 ? f.name : `${f.name} (${f.via})`)), `${edge.to} (${edge.label})`].join(" -> ");
        problems.push(error(fileOf(edge.owner, edge.link.setting), edge.link.line, edge.owner.name, `dependency cycle: ${text}; remove one of these links`));
        continue;
      }
      state.set(edge.to, "open");
      stack.push({ name: edge.to, via: edge.label, next: 0 });
    }
  }
  return problems;
}
