/**
 * @module bench/engine
 * The engine alone: start and stop graphs of 10,000 internal services and print events per
 * second. Run with `bun bench/engine.ts`. Two shapes: layers (each service needs up to three
 * services of the layer below, the top waits for all of the last layer) and a star (one `boot`
 * that waits for every service, the worst case for a single service's dependency scan).
 */
import { describe } from "../src/config/schema.ts";
import { createEngine } from "../src/engine/engine.ts";
import type { Clock, Launcher } from "../src/engine/types.ts";

const SIZE = 10_000;

const launcher: Launcher = { start() {}, stop() {}, kill() {}, interrupt() {}, signal() {} };
const clock: Clock = { now: () => 0, schedule: () => null, cancel() {} };

type Dep = { kind: "need" | "waits-for"; name: string };

function layered(): { name: string; depends: Dep[] }[] {
  const width = 100;
  const out: { name: string; depends: Dep[] }[] = [];
  for (let i = 0; i < SIZE; i++) {
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
  const top = Array.from({ length: width }, (_, k): Dep => ({ kind: "waits-for", name: `s${SIZE - width + k}` }));
  out.push({ name: "boot", depends: top });
  return out;
}

function star(): { name: string; depends: Dep[] }[] {
  const out = Array.from({ length: SIZE }, (_, i) => ({ name: `s${i}`, depends: [] as Dep[] }));
  out.push({ name: "boot", depends: out.map((s): Dep => ({ kind: "waits-for", name: s.name })) });
  return out;
}

function measure(shape: string, graph: { name: string; depends: Dep[] }[]): void {
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
  const runMs = t3 - t1;
  console.log(
    `${shape.padEnd(7)} ${descs.length} services: load ${(t1 - t0).toFixed(0)} ms, start ${(t2 - t1).toFixed(0)} ms, ` +
      `stop ${(t3 - t2).toFixed(0)} ms, ${events} events, ${Math.round((events / runMs) * 1000)} events/s`,
  );
}

measure("layered", layered());
measure("star", star());
