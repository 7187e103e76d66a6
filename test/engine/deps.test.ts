/**
 * @module test/engine/deps
 * The dependency kinds and the activation model: what a start pulls in, what a stop takes down,
 * releases, wakes, pins, and the kinds in combination.
 */
import { describe, expect, test } from "bun:test";
import { harness, svc } from "./fakes.ts";

describe("need (depends-on)", () => {
  test("starting a service starts its need dependency first", () => {
    const h = harness([svc("db", { type: "process" }), svc("web", { type: "process", depends: ["need:db"] })]);
    h.engine.start("web");
    expect(h.launcher.ops()).toEqual(["start:db"]);
    expect(h.state("web")).toBe("starting");
    h.engine.ready("db");
    expect(h.launcher.ops()).toEqual(["start:db", "start:web"]);
    h.engine.ready("web");
    expect(h.state("web")).toBe("started");
    expect(h.engine.status("db")?.activated).toBe(false);
    expect(h.engine.status("web")?.activated).toBe(true);
  });

  test("a failed need dependency fails its dependents with dep-failed", () => {
    const h = harness([svc("db", { type: "process" }), svc("web", { type: "process", depends: ["need:db"] }), svc("top", { depends: ["need:web"] })]);
    h.engine.start("top");
    h.engine.exited("db", { code: 1, signal: null });
    expect(h.engine.status("db")?.reason).toBe("failed");
    expect(h.engine.status("web")?.reason).toBe("dep-failed");
    expect(h.engine.status("top")?.reason).toBe("dep-failed");
    expect(h.launcher.count("start", "web")).toBe(0);
    expect(h.engine.idle()).toBe(true);
  });

  test("a dependency stopped by a failure takes its started dependents down for good", () => {
    const h = harness([svc("db", { type: "process", restart: "no" }), svc("web", { type: "process", depends: ["need:db"] })]);
    h.engine.start("web");
    h.engine.ready("db");
    h.engine.ready("web");
    h.engine.exited("db", { code: 3, signal: null });
    expect(h.state("db")).toBe("stopping"); // waits for web to stop first
    expect(h.launcher.ops()).toEqual(["start:db", "start:web", "stop:web"]);
    h.engine.exited("web", { code: null, signal: "TERM" });
    expect(h.state("db")).toBe("stopped");
    expect(h.engine.status("db")?.reason).toBe("failed");
    expect(h.engine.status("web")?.reason).toBe("dep-failed");
    expect(h.engine.status("web")?.activated).toBe(false);
    expect(h.engine.idle()).toBe(true);
  });

  test("a service that nothing needs and nobody activated stops when released", () => {
    const h = harness([svc("db"), svc("web", { depends: ["need:db"] })]);
    h.engine.start("web");
    expect(h.state("db")).toBe("started");
    h.engine.release("web");
    expect(h.state("web")).toBe("stopped");
    expect(h.state("db")).toBe("stopped");
    expect(h.engine.idle()).toBe(true);
  });

  test("a dependency that was also started by hand stays after its dependent is released", () => {
    const h = harness([svc("db"), svc("web", { depends: ["need:db"] })]);
    h.engine.start("db");
    h.engine.start("web");
    h.engine.release("web");
    expect(h.state("db")).toBe("started");
  });

  test("releasing a dependency that a started service needs keeps it running", () => {
    const h = harness([svc("db"), svc("web", { depends: ["need:db"] })]);
    h.engine.start("db");
    h.engine.start("web");
    h.engine.release("db");
    expect(h.state("db")).toBe("started");
    expect(h.engine.status("db")?.activated).toBe(false);
    h.engine.release("web");
    expect(h.state("db")).toBe("stopped");
  });
});

describe("stop", () => {
  test("stop refuses while a hard dependent is started unless forced", () => {
    const h = harness([svc("db"), svc("web", { depends: ["need:db"] }), svc("api", { depends: ["need:web"] })]);
    h.engine.start("api");
    const r = h.engine.stop("db");
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.code).toBe("refused");
      expect(r.dependents).toEqual(["web", "api"]);
      expect(r.message).toContain("--force");
    }
    expect(h.state("db")).toBe("started");
  });

  test("a forced stop stops the dependents first, in reverse order", () => {
    const h = harness([
      svc("db", { type: "process" }),
      svc("web", { type: "process", depends: ["need:db"] }),
      svc("api", { type: "process", depends: ["need:web"] }),
    ]);
    h.engine.start("api");
    for (const n of ["db", "web", "api"]) h.engine.ready(n);
    expect(h.engine.stop("db", { force: true })).toEqual({ ok: true });
    expect(h.launcher.ops().slice(3)).toEqual(["stop:api"]);
    h.engine.exited("api", { code: 0, signal: null });
    expect(h.launcher.ops().slice(3)).toEqual(["stop:api", "stop:web"]);
    h.engine.exited("web", { code: 0, signal: null });
    expect(h.launcher.ops().slice(3)).toEqual(["stop:api", "stop:web", "stop:db"]);
    h.engine.exited("db", { code: 0, signal: null });
    expect(h.engine.list().map((s) => [s.name, s.state, s.activated])).toEqual([
      ["api", "stopped", false],
      ["db", "stopped", false],
      ["web", "stopped", false],
    ]);
    expect(h.engine.idle()).toBe(true);
  });

  test("a manual stop of a waits-for dependency breaks the link and leaves the dependent running", () => {
    const h = harness([svc("cache"), svc("web", { depends: ["waits-for:cache"] })]);
    h.engine.start("web");
    expect(h.engine.stop("cache")).toEqual({ ok: true });
    expect(h.state("cache")).toBe("stopped");
    expect(h.state("web")).toBe("started");
  });

  test("wake starts a dependency again for its active dependents without activating it", () => {
    const h = harness([svc("cache"), svc("web", { depends: ["waits-for:cache"] })]);
    h.engine.start("web");
    h.engine.stop("cache");
    expect(h.engine.wake("cache")).toEqual({ ok: true });
    expect(h.state("cache")).toBe("started");
    expect(h.engine.status("cache")?.activated).toBe(false);
    h.engine.release("web");
    expect(h.state("cache")).toBe("stopped");
  });

  test("wake is refused when nothing active depends on the service", () => {
    const h = harness([svc("cache")]);
    const r = h.engine.wake("cache");
    expect(r.ok).toBe(false);
    expect(h.state("cache")).toBe("stopped");
  });

  test("restart brings the service down and up with its hard dependents (dep-restart)", () => {
    const h = harness([svc("db", { type: "process" }), svc("web", { type: "process", depends: ["need:db"] })]);
    h.engine.start("web");
    h.engine.ready("db");
    h.engine.ready("web");
    expect(h.engine.restart("db")).toEqual({ ok: true });
    expect(h.launcher.ops().at(-1)).toBe("stop:web");
    h.engine.exited("web", { code: null, signal: "TERM" });
    expect(h.events.find((e) => e.service === "web" && e.to === "stopped")?.reason).toBe("dep-restart");
    expect(h.state("web")).toBe("starting"); // straight back, waiting for db
    expect(h.launcher.ops().at(-1)).toBe("stop:db");
    h.engine.exited("db", { code: null, signal: "TERM" });
    expect(h.state("db")).toBe("starting");
    h.engine.ready("db");
    h.engine.ready("web");
    expect(h.state("web")).toBe("started");
    expect(h.engine.status("db")?.restarts).toBe(0); // a restart by hand is not automatic
  });

  test("restart is refused for a service that is not started", () => {
    const h = harness([svc("db", { type: "process" })]);
    expect(h.engine.restart("db").ok).toBe(false);
  });
});

describe("pins", () => {
  test("a service pinned started refuses to stop until unpinned", () => {
    const h = harness([svc("db")]);
    h.engine.start("db", { pin: true });
    expect(h.engine.stop("db").ok).toBe(false);
    h.engine.release("db");
    expect(h.state("db")).toBe("started");
    h.engine.unpin("db");
    expect(h.state("db")).toBe("stopped");
  });

  test("a forced stop is refused when a dependent is pinned started", () => {
    const h = harness([svc("db"), svc("web", { depends: ["need:db"] })]);
    h.engine.start("web", { pin: true });
    const r = h.engine.stop("db", { force: true });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.dependents).toEqual(["web"]);
    expect(h.state("db")).toBe("started");
    h.engine.unpin("web");
    expect(h.engine.stop("db", { force: true })).toEqual({ ok: true });
    expect(h.state("web")).toBe("stopped");
  });

  test("a restart is refused while a hard dependent is pinned started", () => {
    const h = harness([svc("db"), svc("web", { depends: ["need:db"] })]);
    h.engine.start("web", { pin: true });
    const r = h.engine.restart("db");
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.dependents).toEqual(["web"]);
    expect(h.transitions()).toEqual(["web:stopped>starting", "db:stopped>starting", "db:starting>started", "web:starting>started"]);
  });

  test("a service pinned stopped refuses to start and fails dependents that need it", () => {
    const h = harness([svc("db"), svc("web", { depends: ["need:db"] }), svc("side", { depends: ["waits-for:db"] })]);
    h.engine.stop("db", { pin: true });
    expect(h.engine.start("db").ok).toBe(false);
    h.engine.start("web");
    expect(h.engine.status("web")?.reason).toBe("dep-failed");
    h.engine.start("side");
    expect(h.state("side")).toBe("started");
    h.engine.unpin("db");
    h.engine.start("web");
    expect(h.state("web")).toBe("started");
  });
});

describe("milestone, waits-for, prepared-by, ordering", () => {
  test("a milestone must start first but its later stop does not matter", () => {
    const h = harness([svc("setup", { type: "process" }), svc("web", { depends: ["milestone:setup"] })]);
    h.engine.start("web");
    expect(h.state("web")).toBe("starting");
    h.engine.ready("setup");
    expect(h.state("web")).toBe("started");
    h.engine.stop("setup");
    h.engine.exited("setup", { code: 0, signal: null });
    expect(h.state("setup")).toBe("stopped");
    expect(h.state("web")).toBe("started");
  });

  test("a milestone under a need: a failed milestone fails the chain above it", () => {
    const h = harness([
      svc("setup", { type: "process" }),
      svc("db", { type: "process", depends: ["milestone:setup"] }),
      svc("web", { depends: ["need:db"] }),
    ]);
    h.engine.start("web");
    h.engine.exited("setup", { code: 2, signal: null });
    expect(h.engine.status("db")?.reason).toBe("dep-failed");
    expect(h.engine.status("web")?.reason).toBe("dep-failed");
    expect(h.launcher.count("start", "db")).toBe(0);
  });

  test("a waits-for dependency that fails does not block its dependent", () => {
    const h = harness([svc("cache", { type: "process" }), svc("web", { type: "process", depends: ["waits-for:cache"] })]);
    h.engine.start("web");
    expect(h.launcher.ops()).toEqual(["start:cache"]); // waits for it
    h.engine.exited("cache", { code: 1, signal: null });
    expect(h.launcher.ops()).toEqual(["start:cache", "start:web"]);
    h.engine.ready("web");
    expect(h.state("web")).toBe("started");
    expect(h.engine.status("cache")?.reason).toBe("failed");
  });

  test("a prepared-by dependency restarts when its dependent restarts", () => {
    const h = harness([svc("prep", { type: "scripted" }), svc("app", { type: "process", depends: ["prepared-by:prep"] })]);
    h.engine.start("app");
    h.engine.ready("prep");
    h.engine.ready("app");
    h.engine.restart("app");
    h.engine.exited("app", { code: null, signal: "TERM" });
    expect(h.launcher.ops()).toEqual(["start:prep", "start:app", "stop:app", "stop:prep"]);
    h.engine.exited("prep", { code: 0, signal: null });
    expect(h.launcher.ops().at(-1)).toBe("start:prep");
    h.engine.ready("prep");
    h.engine.ready("app");
    expect(h.state("app")).toBe("started");
    expect(h.state("prep")).toBe("started");
  });

  test("a prepared-by dependency restarts when its dependent restarts automatically", () => {
    const h = harness([svc("prep", { type: "scripted" }), svc("app", { type: "process", depends: ["prepared-by:prep"], restartDelay: 0 })]);
    h.engine.start("app");
    h.engine.ready("prep");
    h.engine.ready("app");
    h.engine.exited("app", { code: 1, signal: null });
    expect(h.launcher.ops()).toEqual(["start:prep", "start:app", "stop:prep"]);
    h.engine.exited("prep", { code: 0, signal: null });
    h.clock.advance(0);
    expect(h.launcher.ops().slice(3)).toEqual(["start:prep"]);
    h.engine.ready("prep");
    expect(h.launcher.ops().slice(3)).toEqual(["start:prep", "start:app"]);
    expect(h.engine.status("app")?.restarts).toBe(1);
  });

  test("after orders two services only when both are starting", () => {
    const h = harness([svc("a", { type: "process" }), svc("b", { type: "process", after: ["a"] })]);
    h.engine.start("a");
    h.engine.start("b");
    expect(h.launcher.ops()).toEqual(["start:a"]);
    h.engine.ready("a");
    expect(h.launcher.ops()).toEqual(["start:a", "start:b"]);
    h.engine.stop("a");
    h.engine.exited("a", { code: 0, signal: null });
    h.engine.stop("b");
    h.engine.exited("b", { code: 0, signal: null });
    h.engine.start("b"); // a is not starting: b does not wait for it, and a stays stopped
    expect(h.launcher.ops().at(-1)).toBe("start:b");
    expect(h.state("a")).toBe("stopped");
  });

  test("before orders the named service after this one, even when started separately", () => {
    const h = harness([svc("b", { type: "process" }), svc("a", { type: "process", before: ["b"] })]);
    h.engine.start("a");
    h.engine.start("b");
    expect(h.launcher.ops()).toEqual(["start:a"]);
    h.engine.exited("a", { code: 1, signal: null }); // a failing still releases the order
    expect(h.launcher.ops()).toEqual(["start:a", "start:b"]);
  });

  test("a before/after target that is not loaded orders nothing", () => {
    const h = harness([svc("a", { type: "process", after: ["ghost"] })]);
    h.engine.start("a");
    expect(h.launcher.ops()).toEqual(["start:a"]);
  });
});

test("a consumer starts before its producer and, at shutdown, stops after it, so the producer's last lines are read", () => {
  const h = harness([
    svc("web", { type: "process", logType: "pipe" }),
    svc("web-log", { type: "process", consumerOf: "web" }),
    svc("boot", { depends: ["need:web", "need:web-log"] }),
  ]);
  h.engine.start("boot");
  expect(h.launcher.ops()).toEqual(["start:web-log"]);
  h.engine.ready("web-log");
  expect(h.launcher.ops()).toEqual(["start:web-log", "start:web"]);
  h.engine.ready("web");
  h.engine.shutdown();
  expect(h.launcher.ops().slice(2)).toEqual(["stop:web"]);
  h.engine.exited("web", { code: 0, signal: null });
  expect(h.launcher.ops().slice(2)).toEqual(["stop:web", "stop:web-log"]);
});
