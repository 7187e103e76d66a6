/**
 * @module test/engine/runtime
 * Changing the loaded set at run time: lazy loading, cycle refusal, add-dep/rm-dep, unload,
 * reload (what applies at once, what is refused, what needs a restart), reload planning (a
 * reload does what its plan said), and the dependents a stop and a restart take with them.
 */
import { describe, expect, test } from "bun:test";
import type { ServiceDescription } from "../../src/config/schema.ts";
import { harness, svc } from "./fakes.ts";

/** A loader over a fixed set of descriptions that counts its calls. */
function loaderOf(descs: ServiceDescription[]) {
  const byName = new Map(descs.map((d) => [d.name, d]));
  const calls: string[] = [];
  return {
    calls,
    load(name: string): ServiceDescription {
      calls.push(name);
      const d = byName.get(name);
      if (!d) throw new Error(`/etc/bosun/services: no service file for ${name}`);
      return d;
    },
  };
}

describe("loading", () => {
  test("start loads a service and what it depends on through the loader", () => {
    const loader = loaderOf([svc("web", { depends: ["need:db"] }), svc("db")]);
    const h = harness([], { load: loader.load });
    expect(h.engine.start("web")).toEqual({ ok: true });
    expect(loader.calls).toEqual(["web", "db"]);
    expect(h.state("db")).toBe("started");
  });

  test("a dependency that cannot load fails the load with where it was named", () => {
    const loader = loaderOf([svc("web", { file: "/etc/bosun/services/web", depends: [{ kind: "need", name: "db", line: 4 }] })]);
    const h = harness([], { load: loader.load });
    const r = h.engine.start("web");
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.code).toBe("not-found");
      expect(r.message).toBe("/etc/bosun/services/web:4: need db: /etc/bosun/services: no service file for db");
    }
    expect(h.engine.status("web")).toBeNull();
  });

  test("without a loader, a dependency must be added first", () => {
    const h = harness();
    const r = h.engine.add(svc("web", { depends: ["need:db"] }));
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.message).toContain("no service named db is loaded");
  });

  test("a dependency cycle met while loading is refused with its path", () => {
    const loader = loaderOf([svc("a", { depends: ["need:b"] }), svc("b", { depends: ["waits-for:c"] }), svc("c", { depends: ["milestone:a"] })]);
    const h = harness([], { load: loader.load });
    const r = h.engine.start("a");
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.message).toContain("dependency cycle: a -> b -> c -> a");
    expect(h.engine.list()).toEqual([]);
  });

  test("a cycle through before/after is refused", () => {
    const h = harness([svc("a", { after: ["b"] })]);
    const r = h.engine.add(svc("b", { after: ["a"] }));
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.message).toContain("dependency cycle: b -> a -> b");
    expect(h.engine.status("b")).toBeNull();
  });

  test("the cycle search reads live edges: after add-dep, a reload's after or another's before can close a loop", () => {
    const h = harness([svc("a"), svc("b"), svc("c")]);
    expect(h.engine.addDep("waits-for", "b", "a")).toEqual({ ok: true });
    const after = h.engine.reload(svc("a", { after: ["b"] }));
    expect(!after.ok && after.message).toBe("service a: dependency cycle: a -> b -> a");
    const before = h.engine.reload(svc("c", { before: ["a"], after: ["b"] }));
    expect(!before.ok && before.message).toBe("service c: dependency cycle: c -> b -> a -> c");
    expect(h.engine.rmDep("waits-for", "b", "a")).toEqual({ ok: true });
    expect(h.engine.reload(svc("a", { after: ["b"] })).ok).toBe(true);
  });

  test("adding an already loaded service keeps the loaded one", () => {
    const h = harness([svc("a", { type: "process" })]);
    expect(h.engine.add(svc("a", { type: "scripted" }))).toEqual({ ok: true });
    expect(h.engine.description("a")?.type).toBe("process");
  });
});

describe("add-dep and rm-dep", () => {
  test("add-dep refuses a cycle", () => {
    const h = harness([svc("a"), svc("b", { depends: ["need:a"] }), svc("c", { depends: ["waits-for:b"] })]);
    const r = h.engine.addDep("milestone", "a", "c");
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.message).toContain("a -> c -> b -> a");
    expect(h.engine.addDep("need", "a", "a").ok).toBe(false);
  });

  test("a new need edge from a started service to one not started is refused", () => {
    const h = harness([svc("a"), svc("b")]);
    h.engine.start("a");
    const r = h.engine.addDep("need", "a", "b");
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.message).toBe("a is started but b is not started; start b first");
    h.engine.start("b");
    expect(h.engine.addDep("need", "a", "b")).toEqual({ ok: true });
    h.engine.release("b");
    expect(h.state("b")).toBe("started"); // a holds it now
    expect(h.engine.stop("b").ok).toBe(false);
  });

  test("rm-dep releases the dependency, which stops when nothing else wants it", () => {
    const h = harness([svc("db"), svc("web", { depends: ["need:db"] })]);
    h.engine.start("web");
    expect(h.engine.rmDep("need", "web", "db")).toEqual({ ok: true });
    expect(h.state("db")).toBe("stopped");
    expect(h.state("web")).toBe("started");
    expect(h.engine.status("web")?.depends).toEqual([]);
    expect(h.engine.rmDep("need", "web", "db").ok).toBe(false);
  });

  test("add-dep waits-for on a stopped service starts it on the dependent's next start", () => {
    const h = harness([svc("web"), svc("cache")]);
    expect(h.engine.addDep("waits-for", "web", "cache")).toEqual({ ok: true });
    h.engine.start("web");
    expect(h.state("cache")).toBe("started");
  });
});

describe("unload", () => {
  test("unload forgets a stopped service nothing depends on", () => {
    const h = harness([svc("db"), svc("web", { depends: ["need:db"] })]);
    const r = h.engine.unload("db");
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.dependents).toEqual(["web"]);
    h.engine.start("web");
    expect(h.engine.unload("web").ok).toBe(false);
    h.engine.stop("web");
    expect(h.engine.unload("web")).toEqual({ ok: true });
    expect(h.engine.unload("db")).toEqual({ ok: true });
    expect(h.engine.list()).toEqual([]);
  });
});

describe("reload", () => {
  test("a stopped service takes any change", () => {
    const h = harness([svc("db"), svc("web", { type: "process" })]);
    const r = h.engine.reload(svc("web", { type: "scripted", depends: ["need:db"] }));
    expect(r).toEqual({ ok: true, service: "web", now: ["type", "depends-on"], restartNeeded: [], restartsWith: [], start: [], stop: [] });
    expect(h.engine.description("web")?.type).toBe("scripted");
    expect(h.engine.status("web")?.depends).toEqual([{ kind: "need", name: "db" }]);
  });

  test("a running service reports the settings that need a restart and applies the rest at once", () => {
    const h = harness([svc("web", { type: "process", restartDelay: 1 })]);
    h.engine.start("web");
    h.engine.ready("web");
    const r = h.engine.reload(svc("web", { type: "process", command: ["/bin/web", "-v"], workingDir: "/srv", restartDelay: 3 }));
    expect(r).toEqual({ ok: true, service: "web", now: ["restart-delay"], restartNeeded: ["command", "working-dir"], restartsWith: [], start: [], stop: [] });
    expect(h.engine.description("web")?.restartDelay).toBe(3);
    expect(h.state("web")).toBe("started");
  });

  test("changes are named by the settings that write them, a group's by its members", () => {
    const h = harness([svc("web", { type: "process", runAs: "www" })]);
    h.engine.start("web");
    h.engine.ready("web");
    const next = svc("web", {
      type: "process",
      runAs: "web",
      cgroup: { memoryMax: 1 << 20, memoryHigh: null, cpuMax: null, cpuWeight: null, pidsMax: null, ioWeight: null },
      health: { command: null, http: "http://localhost/", tcp: null },
      depends: [],
      env: { A: "1" },
    });
    const r = h.engine.reload(next);
    expect(r.ok && { now: r.now, restartNeeded: r.restartNeeded }).toEqual({
      now: ["health-command", "health-http", "health-tcp", "health-interval", "health-timeout", "health-retries", "health-start-period", "health-start-interval", "health-gates-start"],
      restartNeeded: ["run-as", "env", "memory-max"],
    });
  });

  test("a service still waiting to launch takes every change at once: nothing ran with the old ones", () => {
    const h = harness([svc("db", { type: "process" }), svc("web", { type: "process", depends: ["need:db"] })]);
    h.engine.start("web");
    expect(h.state("web")).toBe("starting");
    const r = h.engine.reload(svc("web", { type: "process", command: ["/bin/web", "-v"], depends: ["need:db"] }));
    expect(r.ok && r.now).toEqual(["command"]);
    h.launcher.onCall = (call, desc) => {
      if (call.op === "start" && call.service === "web") expect(desc.command).toEqual(["/bin/web", "-v"]);
    };
    h.engine.ready("db");
    expect(h.launcher.count("start", "web")).toBe(1);
  });

  test("a running service refuses a type change", () => {
    const h = harness([svc("web", { type: "process" })]);
    h.engine.start("web");
    const r = h.engine.reload(svc("web", { type: "scripted", file: "/s/web", lines: { type: 2 } }));
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.message).toContain("/s/web:2: the type of web cannot change from process to scripted");
  });

  test("a new hard dependency that is not started is refused with the reason", () => {
    const h = harness([svc("db", { type: "process" }), svc("web")]);
    h.engine.start("web");
    const r = h.engine.reload(svc("web", { depends: ["need:db"] }));
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.code).toBe("refused");
      expect(r.message).toContain("new need dependency db of web is not started; start db first");
    }
    expect(h.engine.status("web")?.depends).toEqual([]);
  });

  test("a new soft dependency of a running service is started, a dropped one released", () => {
    const h = harness([svc("old"), svc("new"), svc("web", { depends: ["waits-for:old"] })]);
    h.engine.start("web");
    expect(h.engine.reload(svc("web", { depends: ["waits-for:new"] })).ok).toBe(true);
    expect(h.state("new")).toBe("started");
    expect(h.state("old")).toBe("stopped");
  });

  test("a reload that would close a cycle is refused", () => {
    const h = harness([svc("a"), svc("b", { depends: ["need:a"] })]);
    const next = svc("a", { depends: ["waits-for:b"] });
    const plan = h.engine.plan([next]);
    const r = h.engine.reload(next);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.message).toBe("service a: dependency cycle: a -> b -> a");
    expect(plan.refused).toEqual([{ service: "a", reason: "service a: dependency cycle: a -> b -> a" }]);
  });

  test("plan tells what a reload would change now and at a restart, start and stop, without doing it", () => {
    const h = harness([
      svc("db", { type: "process" }),
      svc("old"),
      svc("new"),
      svc("web", { type: "process", depends: ["need:db", "waits-for:old"] }),
      svc("api", { depends: ["need:web"] }),
      svc("idle", { type: "process" }),
    ]);
    h.engine.start("api");
    h.engine.ready("db");
    h.engine.ready("web");
    const before = JSON.stringify(h.engine.list());
    const plan = h.engine.plan([
      svc("db", { type: "process", command: ["/bin/db", "--new"] }),
      svc("web", { type: "process", depends: ["need:db", "waits-for:new"] }),
      svc("api", { depends: ["need:web", "need:idle"] }),
      svc("idle", { type: "process", command: ["/bin/other"] }),
      svc("ghost"),
    ]);
    expect(plan.changes).toEqual([
      { service: "db", now: [], restartNeeded: ["command"], restartsWith: ["web", "api"] },
      { service: "web", now: ["waits-for"], restartNeeded: [], restartsWith: [] },
      { service: "idle", now: ["command"], restartNeeded: [], restartsWith: [] },
    ]);
    expect(plan.start).toEqual(["new"]);
    expect(plan.stop).toEqual(["old"]);
    expect(plan.refused.map((r) => r.service)).toEqual(["api", "ghost"]);
    expect(JSON.stringify(h.engine.list())).toBe(before);
  });
});

describe("reload does what its plan said", () => {
  /** The plan for `next`, then the reload's own report, which must be the same. */
  function planThenReload(h: ReturnType<typeof harness>, next: ServiceDescription) {
    const plan = h.engine.plan([next]);
    expect(plan.refused).toEqual([]);
    const r = h.engine.reload(next);
    expect(r).toEqual({ ok: true, ...plan.changes[0]!, start: plan.start, stop: plan.stop });
    return plan;
  }

  test("a running service keeps running: a restart-delay change applies now, a command change at the next restart", () => {
    const h = harness([svc("worker", { type: "process", restartDelay: 1 })]);
    h.engine.start("worker");
    h.engine.ready("worker");
    const plan = planThenReload(h, svc("worker", { type: "process", command: ["/bin/worker", "--new"], restartDelay: 3 }));
    expect(plan.changes).toEqual([{ service: "worker", now: ["restart-delay"], restartNeeded: ["command"], restartsWith: [] }]);
    expect(h.launcher.ops()).toEqual(["start:worker"]);
    expect(h.state("worker")).toBe("started");
    expect(h.engine.description("worker")?.restartDelay).toBe(3);
    const launched: string[][] = [];
    h.launcher.onCall = (call, desc) => {
      if (call.op === "start") launched.push(desc.command ?? []);
      if (call.op === "stop") h.engine.exited("worker", { code: null, signal: "TERM" });
    };
    expect(h.engine.restart("worker")).toEqual({ ok: true });
    expect(launched).toEqual([["/bin/worker", "--new"]]);
  });

  test("new dependencies start and a dropped one stops, as planned, without restarting the service", () => {
    const loader = loaderOf([svc("lazy")]);
    const h = harness([svc("db"), svc("old"), svc("new"), svc("web", { type: "process", depends: ["waits-for:old"] })], { load: loader.load });
    h.engine.start("db");
    h.engine.start("web");
    h.engine.ready("web");
    const plan = planThenReload(h, svc("web", { type: "process", depends: ["need:db", "waits-for:new", "milestone:lazy"] }));
    expect(plan.changes).toEqual([{ service: "web", now: ["depends-on", "waits-for", "depends-ms"], restartNeeded: [], restartsWith: [] }]);
    expect(plan.start).toEqual(["lazy", "new"]);
    expect(plan.stop).toEqual(["old"]);
    expect([h.state("lazy"), h.state("new"), h.state("old"), h.state("db")]).toEqual(["started", "started", "stopped", "started"]);
    expect(h.launcher.ops()).toEqual(["start:web"]);
    expect(h.state("web")).toBe("started");
  });

  test("a dependency that only changes kind keeps its service running, and the plan says nothing stops", () => {
    const h = harness([svc("db", { type: "process" }), svc("web", { depends: ["need:db"] })]);
    h.engine.start("web");
    h.engine.ready("db");
    const plan = planThenReload(h, svc("web", { depends: ["waits-for:db"] }));
    expect(plan.stop).toEqual([]);
    expect(h.state("db")).toBe("started");
    expect(h.launcher.count("stop", "db")).toBe(0);
  });

  test("a stopped service's held dependency stops when dropped, as planned", () => {
    const h = harness([svc("db", { type: "process" }), svc("web", { type: "process", depends: ["waits-for:db"] })]);
    h.engine.start("web");
    h.engine.ready("db");
    h.engine.ready("web");
    h.engine.exited("web", { code: 1, signal: null }); // waits out its restart-delay, still holding db
    expect(h.engine.status("web")).toMatchObject({ state: "stopped", target: "started" });
    const plan = planThenReload(h, svc("web", { type: "process" }));
    expect(plan.stop).toEqual(["db"]);
    expect(h.state("db")).toBe("stopping");
  });
});

describe("dependents", () => {
  test("a stop refusal and a reload plan name the same dependents, one waiting out its restart-delay included", () => {
    const h = harness([svc("worker", { type: "process" }), svc("api", { type: "process", depends: ["need:worker"] }), svc("edge", { depends: ["need:api"] })]);
    h.engine.start("edge");
    h.engine.ready("worker");
    h.engine.ready("api");
    h.engine.exited("api", { code: 1, signal: null });
    expect(h.engine.status("api")).toMatchObject({ state: "stopped", target: "started" });
    const stop = h.engine.stop("worker");
    expect(stop.ok).toBe(false);
    const plan = h.engine.plan([svc("worker", { type: "process", command: ["/bin/worker", "--new"] })]);
    expect(!stop.ok && stop.dependents).toEqual(["api", "edge"]);
    expect(plan.changes[0]?.restartsWith).toEqual(["api", "edge"]);
  });
});
