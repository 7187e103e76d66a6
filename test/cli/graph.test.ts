/**
 * @module test/cli/graph
 * `bosun graph` on a small fixture: every link kind appears with its own label, arrows point
 * in start order, in both dot and mermaid.
 */
import { afterAll, expect, test } from "bun:test";
import { spawnCli } from "../support/cli.ts";
import { removeTempDirs, tempDir } from "../support/files.ts";

afterAll(removeTempDirs);

const dir = tempDir({
  boot: "depends-on = app\ndepends-ms = setup\nwaits-for = side\n",
  app: "type = process\ncommand = /bin/true\nprepared-by = setup\nchain-to = report\nafter = side\n",
  setup: "type = scripted\ncommand = /bin/true\nbefore = side\n",
  side: "type = process\ncommand = /bin/true\nlog-type = pipe\n",
  "side-log": "type = process\ncommand = /bin/cat\nconsumer-of = side\n",
  report: "type = internal\n",
});

/** `bosun graph -d DIR ARGS...` as a process. */
const graph = (...args: string[]) => spawnCli(["graph", "-d", dir, ...args]);

test("dot output draws each link kind in start order", async () => {
  const r = await graph("boot", "side-log");
  expect(r.code).toBe(0);
  const edges = r.stdout.split("\n").filter((l) => l.includes("->")).map((l) => l.trim());
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
  expect(r.stdout).toStartWith("digraph bosun {");
  expect(r.stdout).toContain('"app" [label="app\\n(process)"];');
});

test("mermaid output is a flowchart with labelled arrows", async () => {
  const r = await graph("--format", "mermaid");
  expect(r.code).toBe(0);
  const lines = r.stdout.trim().split("\n");
  expect(lines[0]).toBe("flowchart LR");
  expect(lines).toContain('  n0["boot (internal)"]');
  expect(lines.filter((l) => l.includes("|")).length).toBe(7);
  expect(lines.some((l) => /n\d+ -\.->\|waits-for\| n0/.test(l))).toBe(true);
});

test("a service that cannot load makes graph exit 1 with the problem on stderr", async () => {
  const r = await graph("ghost");
  expect(r.code).toBe(1);
  expect(r.stderr).toContain("service 'ghost'");
});

test("an unknown format is a usage error", async () => {
  expect((await graph("--format", "svg")).code).toBe(2);
});
