/**
 * @module cli/graph
 * `bosun graph [-d DIR]... [--format dot|mermaid] [SERVICE...]`: prints the services the named
 * ones reach (default `boot`) as a graph in start order: an arrow goes from what starts first
 * to what starts after it, and each kind of link has its own label and line style.
 */
import * as v from "valibot";
import { createLoader } from "../config/loader.ts";
import { formatProblem } from "../config/problems.ts";
import { links, reach, type Link, type LinkKind } from "../config/reach.ts";
import { ServiceName, type ServiceDescription } from "../config/schema.ts";
import { serviceDirs } from "../paths.ts";
import { parseCommand, type CommandSpec } from "./args.ts";

const spec = {
  usage: `bosun graph [-d DIR]... [--format dot|mermaid] [SERVICE...]
Print the dependency graph of SERVICE (default boot) for Graphviz (dot, the default) or Mermaid.
Arrows point in start order; labels name the link (need, milestone, waits-for, prepared-by,
before/after, chain-to, consumer-of, log-file-after).`,
  options: { "services-dir": { type: "string", short: "d", multiple: true }, format: { type: "string", short: "f" } },
  schema: v.object({
    "services-dir": v.optional(v.array(v.string()), []),
    format: v.optional(v.picklist(["dot", "mermaid"], "--format is dot or mermaid"), "dot"),
    positionals: v.array(ServiceName),
  }),
} satisfies CommandSpec<v.GenericSchema>;

/** An edge in start order: `first` starts (or must be up) before `then`. */
interface Edge {
  first: string;
  then: string;
  kind: LinkKind;
}

/** Dependencies point from the dependency to its dependent; the others follow their meaning. */
function edge(link: Link): Edge {
  switch (link.kind) {
    case "before":
    case "chain-to":
      return { first: link.from, then: link.to, kind: link.kind };
    default:
      return { first: link.to, then: link.from, kind: link.kind };
  }
}

const DOT_STYLE: Record<LinkKind, string> = {
  need: "solid",
  "prepared-by": "bold",
  milestone: "solid",
  "waits-for": "dashed",
  before: "dotted",
  after: "dotted",
  "chain-to": "bold",
  "consumer-of": "dashed",
  "log-file-after": "dotted",
};
const MERMAID_ARROW: Record<LinkKind, string> = {
  need: "-->",
  "prepared-by": "==>",
  milestone: "-->",
  "waits-for": "-.->",
  before: "-.->",
  after: "-.->",
  "chain-to": "==>",
  "consumer-of": "-.->",
  "log-file-after": "-.->",
};

const quote = (s: string) => JSON.stringify(s);
// Mermaid labels take no backslash escapes; an entity keeps a quote in a template argument.
const mermaidLabel = (s: string) => `"${s.replaceAll('"', "#quot;")}"`;

/**
 * Renders services as Graphviz dot.
 *
 * @example
 * toDot([boot, app]) // 'digraph bosun {\n  rankdir=LR;\n  "boot" [label="boot\\n(internal)"];\n  ...'
 */
function toDot(services: ServiceDescription[]): string {
  const out = ["digraph bosun {", "  rankdir=LR;", "  node [shape=box];"];
  for (const d of services) out.push(`  ${quote(d.name)} [label=${quote(`${d.name}\n(${d.type})`)}];`);
  for (const e of services.flatMap(links).map(edge)) {
    out.push(`  ${quote(e.first)} -> ${quote(e.then)} [label=${quote(e.kind)}, style=${DOT_STYLE[e.kind]}];`);
  }
  out.push("}");
  return out.join("\n");
}

/**
 * Renders services as a Mermaid flowchart (node ids are n0, n1, ... since names may hold
 * characters Mermaid does not take in ids).
 */
function toMermaid(services: ServiceDescription[]): string {
  const ids = new Map<string, string>();
  const id = (name: string) => {
    if (!ids.has(name)) ids.set(name, `n${ids.size}`);
    return ids.get(name)!;
  };
  const out = ["flowchart LR"];
  for (const d of services) out.push(`  ${id(d.name)}[${mermaidLabel(`${d.name} (${d.type})`)}]`);
  for (const e of services.flatMap(links).map(edge)) {
    for (const name of [e.first, e.then]) if (!ids.has(name)) out.push(`  ${id(name)}[${mermaidLabel(`${name} (not loaded)`)}]`);
    out.push(`  ${id(e.first)} ${MERMAID_ARROW[e.kind]}|${e.kind}| ${id(e.then)}`);
  }
  return out.join("\n");
}

/** Runs `bosun graph`; exit 1 (with the problems on stderr) when a service cannot be loaded. */
export async function run(_command: string, argv: string[]): Promise<number> {
  const args = parseCommand(spec, argv);
  const loader = createLoader({ dirs: serviceDirs({ flags: args["services-dir"] }) });
  const { services, problems } = reach(loader, args.positionals.length > 0 ? args.positionals : ["boot"]);
  const errors = problems.filter((p) => p.severity === "error");
  for (const p of errors) console.error(formatProblem(p));
  if (services.size === 0) return 1;
  const list = [...services.values()];
  console.log(args.format === "mermaid" ? toMermaid(list) : toDot(list));
  return errors.length > 0 ? 1 : 0;
}
