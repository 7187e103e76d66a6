/**
 * @module test/engine/unhealthy
 * A health check's verdict as an engine input: an unhealthy started service is restarted under
 * its restart policy (its exit a failure whatever the signal, counted against the limits, with
 * cause `unhealthy`), `restart = no` leaves it running, a stop that is ignored is killed at
 * stop-timeout, and an unhealthy service still starting fails its start.
 */
import { describe, expect, test } from "bun:test";
import { harness, svc, type Harness } from "./fakes.ts";

const TERM = { code: null, signal: "TERM" };

/** Starts a process service and makes it ready. */
function up(h: Harness, name: string): void {
  h.engine.start(name);
  h.engine.ready(name);
}

describe("a started service found unhealthy", () => {
  test("restart = on-failure: its process is stopped, and dying of that SIGTERM counts as a failure: it restarts", () => {
    const h = harness([svc("web", { type: "process", restart: "on-failure", restartDelay: 0 })]);
    up(h, "web");
    h.engine.unhealthy("web");
    expect(h.launcher.ops()).toEqual(["start:web", "stop:web"]);
    expect(h.state("web")).toBe("started"); // until its process is gone
    h.engine.exited("web", TERM);
    const stopped = h.events.find((e) => e.to === "stopped")!;
    expect(stopped).toMatchObject({ reason: "failed", cause: "unhealthy", exit: TERM });
    expect(stopped.note).toContain("restarting (1/3)");
    h.clock.advance(0);
    expect(h.launcher.count("start", "web")).toBe(2);
    expect(h.engine.status("web")).toMatchObject({ state: "starting", restarts: 1, cause: null });
  });

  test("the same exit without the health check's word is a polite stop: on-failure does not restart", () => {
    const h = harness([svc("web", { type: "process", restart: "on-failure", restartDelay: 0 })]);
    up(h, "web");
    h.engine.exited("web", TERM);
    h.clock.advance(0);
    expect(h.launcher.count("start", "web")).toBe(1);
    expect(h.engine.status("web")).toMatchObject({ state: "stopped", reason: "terminated", cause: null });
  });

  test("restarts for unhealth count against restart-limit-count: past it the service stops for good, failed", () => {
    const h = harness([svc("web", { type: "process", restartDelay: 0, restartLimitCount: 2, restartLimitInterval: 60 })]);
    up(h, "web");
    for (let i = 0; i < 2; i++) {
      h.engine.unhealthy("web");
      h.engine.exited("web", TERM);
      h.clock.advance(0);
      h.engine.ready("web");
    }
    expect(h.engine.status("web")?.restarts).toBe(2);
    h.engine.unhealthy("web");
    h.engine.exited("web", TERM);
    h.clock.advance(0);
    expect(h.launcher.count("start", "web")).toBe(3);
    expect(h.engine.status("web")).toMatchObject({ state: "stopped", target: "stopped", reason: "failed", cause: "unhealthy" });
    expect(h.events.at(-1)?.note).toBe("restarting too quickly");
  });

  test("restart = no leaves it running and unhealthy: nothing is stopped", () => {
    const h = harness([svc("web", { type: "process", restart: "no" })]);
    up(h, "web");
    h.engine.unhealthy("web");
    expect(h.launcher.ops()).toEqual(["start:web"]);
    expect(h.state("web")).toBe("started");
  });

  test("a process that ignores the stop is killed at stop-timeout, and its death still counts as the failure", () => {
    const h = harness([svc("web", { type: "process", stopTimeout: 5, restartDelay: 0 })]);
    up(h, "web");
    h.engine.unhealthy("web");
    h.engine.unhealthy("web"); // a second report while it stops changes nothing
    h.clock.advance(4999);
    expect(h.launcher.ops()).toEqual(["start:web", "stop:web"]);
    h.clock.advance(1);
    expect(h.launcher.ops()).toEqual(["start:web", "stop:web", "kill:web"]);
    h.engine.exited("web", { code: null, signal: "KILL" });
    expect(h.events.find((e) => e.to === "stopped")).toMatchObject({ reason: "failed", cause: "unhealthy" });
  });

  test("an exit before stop-timeout cancels the kill: the restarted process is not killed", () => {
    const h = harness([svc("web", { type: "process", stopTimeout: 5, restartDelay: 0 })]);
    up(h, "web");
    h.engine.unhealthy("web");
    h.engine.exited("web", TERM);
    h.clock.advance(0);
    h.engine.ready("web");
    h.clock.advance(10_000);
    expect(h.launcher.count("kill", "web")).toBe(0);
    expect(h.state("web")).toBe("started");
  });

  test("smooth recovery relaunches in place, counted as a restart with cause unhealthy", () => {
    const h = harness([svc("web", { type: "process", smoothRecovery: true, restartDelay: 0 })]);
    up(h, "web");
    h.engine.unhealthy("web");
    h.engine.exited("web", TERM);
    h.clock.advance(0);
    expect(h.launcher.count("start", "web")).toBe(2);
    expect(h.events.at(-1)).toMatchObject({ from: "started", to: "started", cause: "unhealthy" });
    expect(h.engine.status("web")?.restarts).toBe(1);
  });

  test("hard dependents go down and come back with it, as after a crash", () => {
    const h = harness([svc("db", { type: "process", restartDelay: 0 }), svc("web", { type: "process", depends: ["need:db"] })]);
    h.engine.start("web");
    h.engine.ready("db");
    h.engine.ready("web");
    h.engine.unhealthy("db");
    h.engine.exited("db", TERM);
    expect(h.launcher.ops()).toContain("stop:web");
    h.engine.exited("web", TERM);
    expect(h.events.find((e) => e.service === "web" && e.to === "stopped")?.reason).toBe("dep-restart");
    h.clock.advance(0);
    expect(h.launcher.count("start", "db")).toBe(2);
    h.engine.ready("db");
    expect(h.launcher.count("start", "web")).toBe(2);
  });

  test("during shutdown the verdict is ignored: the shutdown's own stop goes on", () => {
    const h = harness([svc("web", { type: "process" })]);
    up(h, "web");
    h.engine.shutdown();
    h.engine.unhealthy("web");
    expect(h.launcher.count("stop", "web")).toBe(1);
    h.engine.exited("web", TERM);
    expect(h.engine.status("web")).toMatchObject({ state: "stopped", reason: "normal", cause: null });
  });
});

describe("a service found unhealthy while starting", () => {
  test("its start fails with reason failed and cause unhealthy, and it is not restarted", () => {
    const h = harness([svc("web", { type: "process", restartDelay: 0 })]);
    h.engine.start("web");
    h.engine.unhealthy("web");
    expect(h.launcher.ops()).toEqual(["start:web", "stop:web"]);
    expect(h.state("web")).toBe("stopping");
    h.engine.exited("web", TERM);
    h.clock.advance(0);
    expect(h.engine.status("web")).toMatchObject({ state: "stopped", target: "stopped", reason: "failed", cause: "unhealthy" });
    expect(h.launcher.count("start", "web")).toBe(1);
  });

  test("a scheduled service's run ignores the verdict: runs are judged by their exit", () => {
    const h = harness([svc("backup", { type: "process", schedule: "@every 10s" })]);
    h.engine.start("backup");
    h.clock.advance(10_000);
    h.engine.launched("backup", 4242);
    h.engine.unhealthy("backup");
    expect(h.launcher.ops()).toEqual(["start:backup"]);
    h.engine.exited("backup", TERM);
    expect(h.engine.status("backup")).toMatchObject({ state: "started", cause: null });
  });

  test("a service without a process, or one stopped, ignores the verdict", () => {
    const h = harness([svc("group", { type: "internal" }), svc("web", { type: "process" })]);
    h.engine.start("group");
    h.engine.unhealthy("group");
    h.engine.unhealthy("web");
    h.engine.unhealthy("nosuch");
    expect(h.launcher.calls).toEqual([]);
    expect(h.state("group")).toBe("started");
  });
});
