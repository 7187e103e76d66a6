/**
 * @module test/engine/timing
 * What the engine asks of the clock: start-timeout and stop-timeout, the maxStarting soft limit
 * with its grace time, and shutdown with its ordering and `waitingOn`.
 */
import { describe, expect, test } from "bun:test";
import { harness, svc } from "./fakes.ts";

describe("timeouts", () => {
  test("start-timeout interrupts the start and stops the service with reason timed-out", () => {
    const h = harness([svc("db", { type: "process", startTimeout: 5 }), svc("web", { depends: ["need:db"] })]);
    h.engine.start("web");
    h.clock.advance(4999);
    expect(h.launcher.ops()).toEqual(["start:db"]);
    h.clock.advance(1);
    expect(h.launcher.ops()).toEqual(["start:db", "interrupt:db"]);
    expect(h.state("db")).toBe("stopping");
    h.engine.exited("db", { code: null, signal: "INT" });
    expect(h.engine.status("db")?.reason).toBe("timed-out");
    expect(h.engine.status("web")?.reason).toBe("dep-failed");
    expect(h.engine.idle()).toBe(true);
  });

  test("start-timeout counts from the launch, not from waiting on dependencies", () => {
    const h = harness([svc("db", { type: "process", startTimeout: 0 }), svc("web", { type: "process", startTimeout: 5, depends: ["need:db"] })]);
    h.engine.start("web");
    h.clock.advance(60_000);
    h.engine.ready("db");
    h.clock.advance(4000);
    h.engine.ready("web");
    expect(h.state("web")).toBe("started");
    h.clock.advance(10_000);
    expect(h.launcher.count("interrupt", "web")).toBe(0);
  });

  test("start-timeout 0 means no timeout", () => {
    const h = harness([svc("db", { type: "process", startTimeout: 0 })]);
    h.engine.start("db");
    expect(h.clock.pending()).toBe(0);
  });

  test("stop-timeout kills a process that does not stop, and the stop keeps its reason", () => {
    const h = harness([svc("web", { type: "process", stopTimeout: 3 })]);
    h.engine.start("web");
    h.engine.ready("web");
    h.engine.stop("web");
    h.clock.advance(2999);
    expect(h.launcher.count("kill", "web")).toBe(0);
    h.clock.advance(1);
    expect(h.launcher.ops()).toEqual(["start:web", "stop:web", "kill:web"]);
    h.engine.exited("web", { code: null, signal: "KILL" });
    expect(h.engine.status("web")).toMatchObject({ state: "stopped", reason: "normal", exit: { code: null, signal: "KILL" } });
    expect(h.events.at(-1)?.note).toBe("stop-timeout 3s expired; killed");
  });

  test("stop-timeout 0 never kills", () => {
    const h = harness([svc("web", { type: "process", stopTimeout: 0 })]);
    h.engine.start("web");
    h.engine.ready("web");
    h.engine.stop("web");
    h.clock.advance(1_000_000);
    expect(h.launcher.count("kill", "web")).toBe(0);
  });

  test("a stop while a process is starting asks the launcher to stop it", () => {
    const h = harness([svc("web", { type: "process" })]);
    h.engine.start("web");
    h.engine.stop("web");
    expect(h.launcher.ops()).toEqual(["start:web", "stop:web"]);
    h.engine.exited("web", { code: null, signal: "TERM" });
    expect(h.engine.status("web")?.reason).toBe("normal");
  });

  test("a stop while a scripted start runs waits for the script unless start-interruptible", () => {
    const h = harness([svc("slow", { type: "scripted" }), svc("quick", { type: "scripted", options: ["start-interruptible"] })]);
    h.engine.start("slow");
    h.engine.stop("slow");
    expect(h.state("slow")).toBe("starting");
    h.engine.ready("slow");
    expect(h.launcher.ops()).toEqual(["start:slow", "stop:slow"]);
    h.engine.exited("slow", { code: 0, signal: null });
    expect(h.state("slow")).toBe("stopped");

    h.engine.start("quick");
    h.engine.stop("quick");
    expect(h.launcher.ops().slice(2)).toEqual(["start:quick", "interrupt:quick"]);
    h.engine.exited("quick", { code: null, signal: "INT" });
    expect(h.state("quick")).toBe("stopped");
  });
});

describe("maxStarting", () => {
  test("no more than maxStarting services are launched at once; the rest wait their turn", () => {
    const names = ["a", "b", "c", "d"];
    const h = harness([...names.map((n) => svc(n, { type: "process" })), svc("all", { depends: names.map((n) => `waits-for:${n}`) })], {
      maxStarting: 2,
    });
    h.engine.start("all");
    expect(h.launcher.ops()).toEqual(["start:a", "start:b"]);
    h.engine.ready("a");
    expect(h.launcher.ops()).toEqual(["start:a", "start:b", "start:c"]);
    h.engine.exited("b", { code: 1, signal: null }); // leaving starting by failing frees a slot too
    expect(h.launcher.ops().at(-1)).toBe("start:d");
  });

  test("a service starting for longer than startingGrace stops counting against the limit", () => {
    const h = harness([svc("a", { type: "process" }), svc("b", { type: "process" })], { maxStarting: 1, startingGrace: 2000 });
    h.engine.start("a");
    h.engine.start("b");
    expect(h.launcher.ops()).toEqual(["start:a"]);
    h.clock.advance(2000);
    expect(h.launcher.ops()).toEqual(["start:a", "start:b"]);
    h.engine.ready("a");
    h.engine.ready("b");
    expect(h.state("b")).toBe("started");
  });

  test("internal services do not count against the limit", () => {
    const h = harness([svc("a", { type: "process" }), svc("i1"), svc("i2")], { maxStarting: 1 });
    h.engine.start("a");
    h.engine.start("i1");
    h.engine.start("i2");
    expect(h.state("i1")).toBe("started");
    expect(h.state("i2")).toBe("started");
  });
});

describe("shutdown", () => {
  test("shutdown stops in reverse dependency order, services at the same depth in parallel", () => {
    const h = harness([
      svc("db", { type: "process" }),
      svc("cache", { type: "process" }),
      svc("web", { type: "process", depends: ["need:db", "waits-for:cache"] }),
      svc("worker", { type: "process", depends: ["need:db"] }),
      svc("boot", { depends: ["need:web", "need:worker"] }),
    ]);
    h.engine.start("boot");
    for (const n of ["db", "cache", "web", "worker"]) h.engine.ready(n);
    expect(h.state("boot")).toBe("started");
    h.launcher.calls = [];
    h.engine.shutdown();
    expect(h.engine.shuttingDown).toBe(true);
    expect(h.state("boot")).toBe("stopped");
    expect(h.launcher.ops().sort()).toEqual(["stop:web", "stop:worker"]);
    h.engine.exited("web", { code: 0, signal: null });
    expect(h.launcher.ops().sort()).toEqual(["stop:cache", "stop:web", "stop:worker"]);
    h.engine.exited("cache", { code: 0, signal: null });
    h.engine.exited("worker", { code: 0, signal: null });
    expect(h.launcher.ops().at(-1)).toBe("stop:db");
    h.engine.exited("db", { code: 0, signal: null });
    expect(h.engine.idle()).toBe(true);
  });

  test("in a shutdown a dependent stops for the shutdown, not for a dependency that began stopping first", () => {
    // app is loaded (and so evaluated) before boot, so app begins its stop in the same pass.
    const h = harness([svc("app", { type: "process" }), svc("boot", { depends: ["need:app"] })]);
    h.engine.start("boot");
    h.engine.ready("app");
    h.engine.shutdown();
    h.engine.exited("app", { code: 0, signal: null });
    const stops = h.events.filter((e) => e.to === "stopped");
    expect(stops.map((e) => [e.service, e.reason, e.note])).toEqual([
      ["boot", "normal", null],
      ["app", "normal", null],
    ]);
  });

  test("shutdown also orders by before/after", () => {
    const h = harness([svc("a", { type: "process" }), svc("b", { type: "process", after: ["a"] })]);
    h.engine.start("a");
    h.engine.start("b");
    h.engine.ready("a");
    h.engine.ready("b");
    h.engine.shutdown();
    expect(h.launcher.ops().slice(2)).toEqual(["stop:b"]);
    h.engine.exited("b", { code: 0, signal: null });
    expect(h.launcher.ops().slice(2)).toEqual(["stop:b", "stop:a"]);
  });

  test("waitingOn names the services being stopped and since when", () => {
    const h = harness([svc("db", { type: "process" }), svc("web", { type: "process", depends: ["need:db"] })]);
    h.engine.start("web");
    h.engine.ready("db");
    h.engine.ready("web");
    h.clock.advance(100);
    h.engine.shutdown();
    expect(h.engine.waitingOn()).toEqual([{ name: "web", state: "stopping", since: 100 }]);
    h.clock.advance(400);
    h.engine.exited("web", { code: 0, signal: null });
    expect(h.engine.waitingOn()).toEqual([{ name: "db", state: "stopping", since: 500 }]);
    h.engine.exited("db", { code: 0, signal: null });
    expect(h.engine.waitingOn()).toEqual([]);
  });

  test("no restarts and no starts after shutdown", () => {
    const h = harness([svc("web", { type: "process" }), svc("other")]);
    h.engine.start("web");
    h.engine.ready("web");
    h.engine.shutdown();
    h.engine.exited("web", { code: 1, signal: null });
    h.clock.advance(60_000);
    expect(h.launcher.count("start", "web")).toBe(1);
    const r = h.engine.start("other");
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.message).toContain("shutting down");
    expect(h.engine.restart("web")).toMatchObject({ ok: false, message: "cannot restart web: bosun is shutting down" });
    expect(h.engine.idle()).toBe(true);
  });

  test("shutdown overrides pins and cancels starts still waiting on dependencies", () => {
    const h = harness([svc("db", { type: "process" }), svc("web", { type: "process", depends: ["need:db"] }), svc("pinned")]);
    h.engine.start("pinned", { pin: true });
    h.engine.start("web");
    h.engine.shutdown();
    expect(h.state("pinned")).toBe("stopped");
    expect(h.state("web")).toBe("stopped");
    expect(h.launcher.ops()).toEqual(["start:db", "stop:db"]);
    h.engine.exited("db", { code: null, signal: "TERM" });
    expect(h.engine.idle()).toBe(true);
  });

  test("a process that exits by itself during shutdown ends its stop", () => {
    const h = harness([svc("db", { type: "process" }), svc("web", { type: "process", depends: ["need:db"] })]);
    h.engine.start("web");
    h.engine.ready("db");
    h.engine.ready("web");
    h.engine.shutdown();
    h.engine.exited("db", { code: 0, signal: null }); // db dies before web has stopped
    h.engine.exited("web", { code: 0, signal: null });
    expect(h.engine.list().map((s) => s.state)).toEqual(["stopped", "stopped"]);
    expect(h.launcher.count("stop", "db")).toBe(0);
    expect(h.engine.idle()).toBe(true);
  });
});
