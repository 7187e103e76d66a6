/**
 * @module test/engine/run-once
 * `options = run-once` in the engine: once its start command succeeded, a scripted service
 * stays started through its dependencies' restarts and its dependents' stops, and its command
 * is not run again; a stop by hand stops it (its stop command runs) and a later start runs it
 * again; shutdown stops it as usual.
 */
import { describe, expect, test } from "bun:test";
import { harness, svc } from "./fakes.ts";

const OK = { code: 0, signal: null };

/** db (a process) <- migrate (run-once, needs db) <- app (needs migrate). */
function stack(runOnce = true) {
  const h = harness([
    svc("db", { type: "process" }),
    svc("migrate", { type: "scripted", options: runOnce ? ["run-once"] : [], depends: ["need:db"] }),
    svc("app", { type: "process", depends: ["need:migrate"] }),
  ]);
  h.engine.start("app");
  h.engine.ready("db");
  h.engine.ready("migrate"); // the start command exited 0
  h.engine.ready("app");
  expect(h.state("app")).toBe("started");
  return h;
}

describe("run-once", () => {
  test("a restart of its dependency does not stop it or run its command again", () => {
    const h = stack();
    expect(h.engine.restart("db")).toEqual({ ok: true });
    expect(h.state("migrate")).toBe("started");
    // app needs migrate, not db: it stays up too, and db does not wait on either
    expect(h.launcher.ops()).toEqual(["start:db", "start:migrate", "start:app", "stop:db"]);
    h.engine.exited("db", { code: null, signal: "TERM" });
    h.engine.ready("db");
    expect(h.state("db")).toBe("started");
    expect(h.launcher.count("start", "migrate")).toBe(1);
    expect(h.launcher.count("stop", "migrate")).toBe(0);
    expect(h.transitions().filter((t) => t.startsWith("migrate:"))).toEqual(["migrate:stopped>starting", "migrate:starting>started"]);
  });

  test("without run-once the same restart stops it and runs its command again", () => {
    const h = stack(false);
    h.engine.restart("db");
    h.engine.exited("app", { code: null, signal: "TERM" });
    h.engine.exited("migrate", OK); // its (empty) stop
    h.engine.exited("db", { code: null, signal: "TERM" });
    h.engine.ready("db");
    expect(h.launcher.count("start", "migrate")).toBe(2);
  });

  test("a crash and restart of its dependency leaves it started too", () => {
    const h = harness([svc("db", { type: "process", restart: "yes", restartDelay: 1 }), svc("migrate", { type: "scripted", options: ["run-once"], depends: ["need:db"] })]);
    h.engine.start("migrate");
    h.engine.ready("db");
    h.engine.ready("migrate");
    h.engine.exited("db", { code: 1, signal: null });
    h.clock.advance(1_000);
    h.engine.ready("db");
    expect(h.state("migrate")).toBe("started");
    expect(h.launcher.count("start", "migrate")).toBe(1);
  });

  test("its dependents' stops no longer stop it, though it was only started for them", () => {
    const h = stack();
    h.engine.stop("app");
    h.engine.exited("app", { code: null, signal: "TERM" });
    expect(h.state("app")).toBe("stopped");
    expect(h.engine.status("migrate")).toMatchObject({ state: "started", activated: false, target: "started" });
    expect(h.state("db")).toBe("started");
    h.engine.start("app");
    expect(h.launcher.count("start", "migrate")).toBe(1);
  });

  test("a stop by hand stops it (its stop command runs), and a later start runs it again", () => {
    const h = stack();
    h.engine.stop("app");
    h.engine.exited("app", { code: null, signal: "TERM" });
    expect(h.engine.stop("migrate")).toEqual({ ok: true });
    expect(h.launcher.ops().at(-1)).toBe("stop:migrate");
    h.engine.exited("migrate", OK);
    expect(h.state("migrate")).toBe("stopped");
    h.engine.exited("db", { code: null, signal: "TERM" }); // nothing needs it any more
    h.engine.start("migrate");
    h.engine.ready("db");
    expect(h.launcher.count("start", "migrate")).toBe(2);
    h.engine.ready("migrate");
    expect(h.state("migrate")).toBe("started");
  });

  test("a stop by hand is refused while a started dependent needs it, as for any service", () => {
    const h = stack();
    expect(h.engine.stop("migrate")).toMatchObject({ ok: false, code: "refused", dependents: ["app"] });
  });

  test("shutdown stops it, after its dependents and before its dependency", () => {
    const h = stack();
    h.engine.shutdown();
    h.engine.exited("app", { code: null, signal: "TERM" });
    expect(h.launcher.ops().at(-1)).toBe("stop:migrate");
    h.engine.exited("migrate", OK);
    expect(h.launcher.ops().at(-1)).toBe("stop:db");
    h.engine.exited("db", { code: null, signal: "TERM" });
    expect(h.engine.idle()).toBe(true);
  });

  test("a dependency that stops for good takes it down", () => {
    const h = stack();
    h.engine.stop("db", { force: true });
    h.engine.exited("app", { code: null, signal: "TERM" });
    expect(h.launcher.ops().at(-1)).toBe("stop:migrate");
    h.engine.exited("migrate", OK);
    h.engine.exited("db", { code: null, signal: "TERM" });
    expect(h.engine.status("migrate")).toMatchObject({ state: "stopped", target: "stopped" });
    h.engine.start("db");
    h.engine.ready("db");
    expect(h.state("migrate")).toBe("stopped");
  });

  test("a start command that fails leaves nothing settled: the next start runs it again", () => {
    const h = harness([svc("migrate", { type: "scripted", options: ["run-once"] })]);
    h.engine.start("migrate");
    h.engine.exited("migrate", { code: 1, signal: null });
    expect(h.engine.status("migrate")).toMatchObject({ state: "stopped", reason: "failed", target: "stopped" });
    h.engine.start("migrate");
    expect(h.launcher.count("start", "migrate")).toBe(2);
  });
});
