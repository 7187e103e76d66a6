/**
 * @module test/engine/property
 * Random graphs and random event sequences against the engine's invariants. Each run prints its
 * seed; `BOSUN_SEED=<n> bun test test/engine/property.test.ts` replays one.
 */
import { expect, test } from "bun:test";
import type { DepKind, ServiceDescription } from "../../src/config/schema.ts";
import type { ServiceEvent, ServiceState } from "../../src/engine/types.ts";
import { harness, svc, type Harness } from "./fakes.ts";

/** mulberry32: small, fast and good enough to pick test actions reproducibly. */
function prng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (n: number) => Math.floor(next() * n),
    pick: <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)]!,
    chance: (p: number) => next() < p,
  };
}
type Rng = ReturnType<typeof prng>;

const TYPES = ["internal", "process", "process", "bgprocess", "scripted", "triggered"] as const;
const KINDS: DepKind[] = ["need", "need", "waits-for", "milestone", "prepared-by"];

/** A random DAG: edges only from a higher index to a lower one, so it has no cycles. */
function randomGraph(rng: Rng, size: number): ServiceDescription[] {
  const names = Array.from({ length: size }, (_, i) => `s${i}`);
  return names.map((name, i) => {
    const depends: { kind: DepKind; name: string }[] = [];
    const seen = new Set<string>();
    const edges = i === 0 ? 0 : rng.int(4);
    for (let e = 0; e < edges; e++) {
      const to = names[rng.int(i)]!;
      if (seen.has(to)) continue;
      seen.add(to);
      depends.push({ kind: rng.pick(KINDS), name: to });
    }
    const after = i > 0 && rng.chance(0.1) ? [names[rng.int(i)]!] : [];
    return svc(name, {
      type: rng.pick(TYPES),
      depends,
      after,
      restart: rng.pick(["yes", "on-failure", "no"] as const),
      smoothRecovery: rng.chance(0.2),
      restartDelay: rng.pick([0, 0.2, 1]),
      restartDelayMax: rng.pick([0, 0, 4]),
      restartLimitCount: rng.pick([0, 1, 3]),
      restartLimitInterval: rng.pick([1, 10]),
      startTimeout: rng.pick([0, 2, 60]),
      stopTimeout: rng.pick([0, 1, 10]),
      chainTo: rng.chance(0.05) ? rng.pick(names) : null,
      options: rng.chance(0.1) ? ["always-chain", "start-interruptible"] : [],
    });
  });
}

/**
 * Checks the invariants after one step; `states` carries each service's state across steps.
 * Only services named in new events and their dependents can have changed, so only they are
 * checked, unless `full`.
 */
function checkInvariants(h: Harness, states: Map<string, ServiceState>, stoppedOnce: Set<string>, seenEvents: number, full: boolean): void {
  const fresh: ServiceEvent[] = h.events.slice(seenEvents);
  let seq = seenEvents;
  const touched = new Set<string>();
  for (const e of fresh) {
    seq += 1;
    if (e.seq !== seq) throw new Error(`event out of order: seq ${e.seq}, expected ${seq}`);
    const was = states.get(e.service) ?? "stopped";
    if (e.from !== was) throw new Error(`${e.service}: event from ${e.from} but it was ${was} (seq ${e.seq})`);
    states.set(e.service, e.to);
    touched.add(e.service);
    if (e.to === "stopped") {
      stoppedOnce.add(e.service);
      if (e.reason === null) throw new Error(`${e.service}: stopped event without a reason (seq ${e.seq})`);
    }
  }
  const check = full ? h.engine.list() : [...touched].flatMap((name) => {
    const st = h.engine.status(name);
    return st ? [st, ...st.dependents.map((d) => h.engine.status(d.name)!)] : [];
  });
  for (const st of check) {
    const known = states.get(st.name) ?? "stopped";
    if (st.state !== known) throw new Error(`${st.name}: status says ${st.state} but events say ${known}`);
    if (st.state === "stopped" && stoppedOnce.has(st.name) && st.reason === null) {
      throw new Error(`${st.name}: stopped without a reason`);
    }
    if (st.state === "started") {
      for (const d of st.depends) {
        const dep = h.engine.status(d.name)!;
        if ((d.kind === "need" || d.kind === "prepared-by") && dep.state !== "started") {
          throw new Error(`${st.name} is started but its ${d.kind} dependency ${d.name} is ${dep.state}`);
        }
      }
    }
  }
  if (full && h.engine.idle() && check.some((s) => s.state !== "stopped")) throw new Error("idle while a service is not stopped");
}

function run(seed: number, size: number, steps: number): void {
  const rng = prng(seed);
  const graph = randomGraph(rng, size);
  const names = graph.map((d) => d.name);
  const h = harness(graph);
  // Services the launcher has a process (or script) for, as the launcher sees it.
  const procs = new Set<string>();
  h.launcher.onCall = (call, desc) => {
    if (call.op === "start") procs.add(call.service);
    if (call.op === "stop" && desc.type === "scripted") procs.add(call.service);
  };
  const states = new Map<string, ServiceState>();
  const stoppedOnce = new Set<string>();
  let checked = 0;

  const step = (i: number) => {
    const live = [...procs];
    const name = live.length > 0 && rng.chance(0.6) ? rng.pick(live) : rng.pick(names);
    const roll = rng.int(100);
    const e = h.engine;
    if (roll < 14) e.start(name, { pin: rng.chance(0.05) });
    else if (roll < 20) e.stop(name, { force: rng.chance(0.5), pin: rng.chance(0.05) });
    else if (roll < 23) e.release(name);
    else if (roll < 25) e.wake(name);
    else if (roll < 27) e.restart(name);
    else if (roll < 29) e.unpin(name);
    else if (roll < 32) e.trigger(name);
    else if (roll < 33) e.untrigger(name);
    else if (roll < 50) {
      e.launched(name, 1000 + i);
      e.ready(name);
      // A scripted service that is started has no script running any more.
      if (e.description(name)?.type === "scripted" && h.state(name) === "started") procs.delete(name);
    } else if (roll < 66) {
      procs.delete(name);
      const status = rng.pick([
        { code: 0, signal: null },
        { code: 1, signal: null },
        { code: null, signal: "TERM" },
        { code: null, signal: "SEGV" },
      ]);
      e.exited(name, status);
    } else if (roll < 68) {
      procs.delete(name);
      e.launchFailed(name, { stage: "exec", errno: "ENOENT", message: "no such file" });
    } else if (roll < 71) {
      const other = rng.pick(names);
      const kind = rng.pick(["need", "waits-for", "milestone"] as const);
      if (rng.chance(0.5)) e.addDep(kind, name, other);
      else e.rmDep(kind, name, other);
    } else if (roll < 72) {
      e.signal(name, "HUP");
    } else if (roll < 74) {
      // A reload with a changed command and one dependency more (a cycle is refused), or one
      // less: it does what its plan said, and restarts nothing.
      const desc = e.description(name);
      const other = rng.pick(names);
      if (desc) {
        const depends = rng.chance(0.3) ? desc.depends.slice(1) : [...desc.depends, { kind: rng.pick(KINDS), name: other, line: 0 }];
        const next = { ...desc, command: desc.command && [...desc.command, `-${i}`], depends };
        const plan = e.plan([next]);
        const wasStarted = h.state(name) === "started";
        const from = h.events.length;
        const r = e.reload(next);
        if (r.ok) {
          const planned = { ok: true, ...plan.changes[0], start: plan.start, stop: plan.stop };
          if (JSON.stringify(r) !== JSON.stringify(planned)) throw new Error(`reload of ${name} did ${JSON.stringify(r)}, planned ${JSON.stringify(planned)}`);
          if (wasStarted && h.state(name) !== "started") throw new Error(`reload of ${name} took it down`);
          const starting = new Set(h.events.slice(from).filter((ev) => ev.to === "starting").map((ev) => ev.service));
          for (const n of r.start) if (!starting.has(n)) throw new Error(`reload of ${name} planned to start ${n}, which did not`);
          for (const n of r.stop) if (e.status(n)?.target !== "stopped") throw new Error(`reload of ${name} planned to stop ${n}, which is still wanted`);
        } else if (r.code !== "not-found" && plan.refused[0]?.reason !== r.message) {
          // not-found: a new dependency that is not loaded, which only the reload tries to load.
          throw new Error(`reload of ${name} refused (${r.message}), planned ${JSON.stringify(plan)}`);
        }
      }
    } else if (roll < 75) {
      e.unload(name);
    } else {
      h.clock.advance(rng.pick([0, 100, 500, 2000]));
    }
  };

  try {
    for (let i = 0; i < steps; i++) {
      step(i);
      checkInvariants(h, states, stoppedOnce, checked, i % 100 === 99);
      if (h.engine.idle() && procs.size > 0) throw new Error(`idle while processes run: ${[...procs].join(", ")}`);
      checked = h.events.length;
    }
    // Then shut down, answering every stop, and expect the engine to come to rest.
    h.launcher.onCall = (call, desc) => {
      if (call.op === "start") procs.add(call.service);
      if (call.op === "stop" && desc.type === "scripted") procs.add(call.service);
    };
    h.engine.shutdown();
    for (let round = 0; round < 1000 && !h.engine.idle(); round++) {
      for (const name of [...procs]) {
        procs.delete(name);
        h.engine.exited(name, { code: null, signal: "TERM" });
      }
      h.clock.advance(1000);
      checkInvariants(h, states, stoppedOnce, checked, true);
      checked = h.events.length;
    }
    if (!h.engine.idle() || procs.size > 0) {
      const busy = h.engine.list().filter((s) => s.state !== "stopped" || s.target !== "stopped");
      throw new Error(`not idle after shutdown: ${busy.map((s) => `${s.name}=${s.state}/${s.target}`).join(", ")}`);
    }
  } catch (error) {
    console.log(`property test failed with seed ${seed} (replay: BOSUN_SEED=${seed})`);
    throw error;
  }
}

test("random graphs and event sequences keep the invariants and end idle after shutdown", () => {
  const fixed = process.env["BOSUN_SEED"];
  const seeds = fixed ? [Number(fixed)] : Array.from({ length: 3 }, () => Math.floor(Math.random() * 2 ** 31));
  console.log(`engine property seeds: ${seeds.join(", ")}`);
  for (const seed of seeds) expect(() => run(seed, 300, 2000)).not.toThrow();
}, 60_000);
