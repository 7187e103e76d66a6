/**
 * @module bench/own/engine
 * The engine alone, with a launcher and clock that do nothing: start and stop graphs of 10,000
 * internal services (1,000 in quick mode) and count events per second. Two shapes: layers
 * (each service needs up to three of the layer below, the top waits for all of the last layer)
 * and a star (one `boot` that waits for every service, the worst case for one service's
 * dependency scan).
 *
 *   bun bench/own/engine.ts [--quick]
 */
import { describe } from "../../src/config/schema.ts";
import { createEngine } from "../../src/engine/engine.ts";
import type { Clock, Launcher } from "../../src/engine/types.ts";
import type { OwnRow } from "../results.ts";
import { type OwnBench, runAlone } from "./context.ts";

const launcher: Launcher = { start() {}, stop() {}, kill() {}, interrupt() {}, signal() {} };
const clock: Clock = { now: () => 0, schedule: () => null, cancel() {} };

type Dep = { kind: "need" | "waits-for"; name: string };
type Graph = { name: string; depends: Dep[] }[];

function layered(size: number): Graph {
  const width = 100;
  const out: Graph = [];
  for (let i = 0; i < size; i++) {
    const layer = Math.floor(i / width);
    const depends: Dep[] = [];
    if (layer > 0) {
      for (let k = 0; k < 3; k++) {
        const name = `s${(layer - 1) * width + ((i * 7 + k * 13) % width)}`;
        if (!depends.some((d) => d.name === name)) depends.push({ kind: "need", name });
      }
    }
    out.push({ name: `s${i}`, depends });
  }
  const top = Array.from({ length: width }, (_, k): Dep => ({ kind: "waits-for", name: `s${size - width + k}` }));
  out.push({ name: "boot", depends: top });
  return out;
}

function star(size: number): Graph {
  const out = Array.from({ length: size }, (_, i) => ({ name: `s${i}`, depends: [] as Dep[] }));
  out.push({ name: "boot", depends: out.map((s): Dep => ({ kind: "waits-for", name: s.name })) });
  return out;
}

/** One pass: load, start, stop; times in ms and events per second. */
function pass(shape: string, graph: Graph): { load: number; start: number; stop: number; rate: number } {
  const descs = graph.map((g) => describe({ name: g.name, depends: g.depends }));
  const engine = createEngine({ launcher, clock });
  let events = 0;
  let started = 0;
  engine.subscribe((e) => {
    events += 1;
    if (e.to === "started") started += 1;
  });
  const t0 = performance.now();
  for (const d of descs) engine.add(d);
  const t1 = performance.now();
  engine.start("boot");
  const t2 = performance.now();
  engine.release("boot");
  const t3 = performance.now();
  if (started !== descs.length || !engine.idle()) throw new Error(`${shape}: ${started} of ${descs.length} started; idle ${engine.idle()}`);
  return { load: t1 - t0, start: t2 - t1, stop: t3 - t2, rate: (events / (t3 - t1)) * 1000 };
}

const bench: OwnBench = async (ctx) => {
  const size = ctx.quick ? 1000 : 10_000;
  const passes = ctx.quick ? 1 : 5;
  const rows: OwnRow[] = [];
  for (const [shape, graph] of [["layered", layered(size)], ["star", star(size)]] as const) {
    const runs = Array.from({ length: passes }, () => pass(shape, graph));
    rows.push(
      { label: `${shape}, ${graph.length} services: add all`, unit: "ms", samples: runs.map((r) => r.load) },
      { label: `${shape}: start boot until all started`, unit: "ms", samples: runs.map((r) => r.start) },
      { label: `${shape}: release boot until all stopped`, unit: "ms", samples: runs.map((r) => r.stop) },
      { label: `${shape}: events per second`, unit: "events/s", samples: runs.map((r) => r.rate) },
    );
  }
  return {
    name: "engine",
    title: "engine alone",
    method: `The pure engine with a launcher and clock that do nothing: ${size} internal services in layers (each needs up to three of the layer below) and as a star (one boot waits for all), ${passes} pass(es) each.`,
    rows,
  };
};
export default bench;

if (import.meta.main) await runAlone(bench);
