/**
 * @module test/config/graph
 * `bosun graph` on a small fixture: every link kind appears with its own label, arrows point
 * in start order, in both dot and mermaid.
 */
import { afterAll, expect, test } from "bun:test";
import { join } from "node:path";
import { removeAll, serviceDir } from "./dirs.ts";

afterAll(removeAll);

const dir = serviceDir({
  boot: "depends-on = app\ndepends-ms = setup\nwaits-for = side\n",
  app: "type = process\ncommand = /bin/true\nprepared-by = setup\nchain-to = report\nafter = side\n",
  setup: "type = scripted\ncommand = /bin/true\nbefore = side\n",
  side: "type = process\ncommand = /bin/true\nlog-type = pipe\n",
  "side-log": "type = process\ncommand = /bin/cat\nconsumer-of = side\n",
  report: "type = internal\n",
});

function graph(...args: string[]) {
  const r = Bun.spawnSync([process.execPath, join(import.meta.dir, "../../src/main.ts"), "graph", "-d", dir, ...args], { stdout: "pipe", stderr: "pipe" });
  return { code: r.exitCode, out: r.stdout.toString(), err: r.stderr.toString() };
}

test("dot output draws each link kind in start order", () => {
  const r = graph("boot", "side-log");
  expect(r.code).toBe(0);
  const edges = r.out.split("\n").filter((l) => l.includes("->")).map((l) => l.trim());
  expect(edges.sort()).toEqual([
    '"app" -> "boot" [label="need", style=solid];',
    '"app" -> "report" [label="chain-to", style=bold];',
    '"setup" -> "app" [label="prepared-by", style=bold];',
    '"setup" -> "boot" [label="milestone", style=solid];',
    '"setup" -> "side" [label="before", style=dotted];',
    '"side" -> "app" [label="after", style=dotted];',
    '"side" -> "boot" [label="waits-for", style=dashed];',
    '"side" -> "side-log" [label="consumer-of", style=dashed];',
  ]);
  expect(r.out).toStartWith("digraph bosun {");
  expect(r.out).toContain('"app" [label="app\\n(process)"];');
});

test("mermaid output is a flowchart with labelled arrows", () => {
  const r = graph("--format", "mermaid");
  expect(r.code).toBe(0);
  const lines = r.out.trim().split("\n");
  expect(lines[0]).toBe("flowchart LR");
  expect(lines).toContain('  n0["boot (internal)"]');
  expect(lines.filter((l) => l.includes("|")).length).toBe(7);
  expect(lines.some((l) => /n\d+ -\.->\|waits-for\| n0/.test(l))).toBe(true);
});

test("a service that cannot load makes graph exit 1 with the problem on stderr", () => {
  const r = graph("ghost");
  expect(r.code).toBe(1);
  expect(r.err).toContain("service 'ghost'");
});

test("an unknown format is a usage error", () => {
  expect(graph("--format", "svg").code).toBe(2);
});
