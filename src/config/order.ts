/**
 * @module config/order
 * The graph's one ordering rule, "must start before", and the one search for cycles in it. A
 * service waits for another when it depends on it in any way, when it is `after` it, or when
 * the other is `before` it; a producer waits for its consumer (`consumer-of`) as if the consumer
 * were `before` it, so the consumer reads from the start and, at shutdown, stops only after the
 * producer has written its last lines. A cycle of such waits would deadlock a start or a shutdown, so the
 * loader reports one (`bosun check`, every load) and the engine refuses to make one (load,
 * add-dep, reload). The loader reads links from descriptions; the engine from its live records,
 * whose dependencies add-dep and rm-dep change. So the rule is stated over links, and each
 * caller says which links a service has.
 */
import type { DepKind } from "./schema.ts";

/** The kinds of link that order two services: every dependency kind, `before`, `after` and `consumer-of`. */
export type OrderKind = DepKind | "before" | "after" | "consumer-of";

/** One link as it is written: service `from` names service `to` in a setting of kind `kind`. */
export interface OrderLink {
  from: string;
  to: string;
  kind: OrderKind;
}

/**
 * Every link (of any kind in `OrderKind`) that `name` writes or that names it, between services
 * of the graph. Links to services outside the graph are left out: dinit orders only against a
 * service that is loaded anyway.
 */
export type LinksAt<L extends OrderLink> = (name: string) => Iterable<L>;

const ORDER_KINDS = new Set<string>(["need", "milestone", "waits-for", "prepared-by", "before", "after", "consumer-of"]);

/** Whether a link of this kind orders two services (chain-to and log-file-after do not). */
export function isOrderKind(kind: string): kind is OrderKind {
  return ORDER_KINDS.has(kind);
}

/**
 * The rule, for one link: which service must wait, and which it waits for.
 *
 * @example
 * ordering({ from: "web", to: "db", kind: "need" }); // { waiter: "web", first: "db" }
 * ordering({ from: "web", to: "db", kind: "after" }); // { waiter: "web", first: "db" }
 * ordering({ from: "db", to: "web", kind: "before" }); // { waiter: "web", first: "db" }
 * ordering({ from: "web-log", to: "web", kind: "consumer-of" }); // { waiter: "web", first: "web-log" }
 */
export function ordering(link: OrderLink): { waiter: string; first: string } {
  return link.kind === "before" || link.kind === "consumer-of" ? { waiter: link.to, first: link.from } : { waiter: link.from, first: link.to };
}

/**
 * The services a description orders itself ahead of: its `before` names and the producer it
 * consumes (see `ordering`).
 *
 * @example
 * aheadOf(describe({ name: "web-log", consumerOf: "web", before: ["x"] })) // ["x", "web"]
 */
export function aheadOf(d: { before: string[]; consumerOf: string | null }): string[] {
  return d.consumerOf === null ? d.before : [...d.before, d.consumerOf];
}

/** Of the links at `name`, those that make it wait; `ordering(link).first` is whom it waits for. */
export function waitsFor<L extends OrderLink>(links: Iterable<L>, name: string): L[] {
  const out: L[] = [];
  for (const link of links) if (ordering(link).waiter === name) out.push(link);
  return out;
}

/** Of the links at `name`, those that make another service wait for it (`ordering(link).waiter`). */
export function waitedOnBy<L extends OrderLink>(links: Iterable<L>, name: string): L[] {
  const out: L[] = [];
  for (const link of links) if (ordering(link).first === name) out.push(link);
  return out;
}

/**
 * Cycles of waits reachable from `roots`, searched depth first in the order the links come. Each
 * cycle is the list of links that make it, the first leaving the service where the search met
 * it again and the last returning there; `cyclePath` names its services. A link that closes a
 * cycle is reported once.
 *
 * @example
 * const at = (n: string) => [{ from: "a", to: "b", kind: "need" }, { from: "b", to: "a", kind: "after" }]
 *   .filter((l) => l.from === n || l.to === n) as OrderLink[];
 * cyclePath(findCycles(at, ["a"])[0]!); // ["a", "b", "a"]
 */
export function findCycles<L extends OrderLink>(linksAt: LinksAt<L>, roots: Iterable<string>): L[][] {
  const found: L[][] = [];
  const state = new Map<string, "open" | "done">();
  for (const root of roots) {
    if (state.has(root)) continue;
    // Without recursion, so a very long chain cannot overflow the stack: each frame is a service
    // on the current path, the link that led to it, and the links it waits through.
    const stack: { name: string; via: L | null; next: Iterator<L> }[] = [{ name: root, via: null, next: waitsFor(linksAt(root), root)[Symbol.iterator]() }];
    state.set(root, "open");
    while (stack.length > 0) {
      const top = stack[stack.length - 1]!;
      const step = top.next.next();
      if (step.done) {
        state.set(top.name, "done");
        stack.pop();
        continue;
      }
      const link = step.value;
      const to = ordering(link).first;
      const seen = state.get(to);
      if (seen === "done") continue;
      if (seen === "open") {
        const loop = stack.slice(stack.findIndex((f) => f.name === to) + 1).map((f) => f.via!);
        found.push([...loop, link]);
        continue;
      }
      state.set(to, "open");
      stack.push({ name: to, via: link, next: waitsFor(linksAt(to), to)[Symbol.iterator]() });
    }
  }
  return found;
}

/**
 * The services of a cycle from `findCycles`, in order, ending where it began.
 *
 * @example
 * cyclePath([{ from: "a", to: "b", kind: "need" }, { from: "b", to: "a", kind: "after" }]); // ["a", "b", "a"]
 */
export function cyclePath(cycle: OrderLink[]): string[] {
  return [ordering(cycle[0]!).waiter, ...cycle.map((link) => ordering(link).first)];
}
