/**
 * @module test/engine/lifecycle
 * One service's life through each service type: launch, ready, exit, launch failure, and what
 * the engine reports (events, status, idle) on the way.
 */
import { describe, expect, test } from "bun:test";
import { harness, svc } from "./fakes.ts";

describe("service types", () => {
  test("an internal service starts at once without asking the launcher", () => {
    const h = harness([svc("group")]);
    expect(h.engine.start("group")).toEqual({ ok: true });
    expect(h.state("group")).toBe("started");
    expect(h.launcher.calls).toEqual([]);
    expect(h.transitions()).toEqual(["group:stopped>starting", "group:starting>started"]);
  });

  test("an internal service with kill-all-on-stop stops through the launcher, which reports when everything is signalled", () => {
    const h = harness([svc("cleanup", { options: ["kill-all-on-stop"] })]);
    h.engine.start("cleanup");
    expect(h.launcher.calls).toEqual([]);
    h.engine.stop("cleanup");
    expect(h.state("cleanup")).toBe("stopping");
    expect(h.launcher.ops()).toEqual(["stop:cleanup"]);
    h.engine.exited("cleanup", { code: 0, signal: null });
    expect(h.state("cleanup")).toBe("stopped");
  });

  test("a process service is starting until the launcher says ready", () => {
    const h = harness([svc("web", { type: "process" })]);
    h.engine.start("web");
    expect(h.state("web")).toBe("starting");
    expect(h.launcher.ops()).toEqual(["start:web"]);
    h.engine.launched("web", 42);
    expect(h.engine.status("web")?.pid).toBe(42);
    h.clock.advance(1500);
    h.engine.ready("web");
    expect(h.state("web")).toBe("started");
    expect(h.engine.status("web")?.since).toBe(1500);
  });

  test("a process service stops through the launcher and reports the exit", () => {
    const h = harness([svc("web", { type: "process" })]);
    h.engine.start("web");
    h.engine.ready("web");
    h.engine.stop("web");
    expect(h.state("web")).toBe("stopping");
    expect(h.launcher.ops()).toEqual(["start:web", "stop:web"]);
    h.engine.exited("web", { code: null, signal: "TERM" });
    const st = h.engine.status("web")!;
    expect(st.state).toBe("stopped");
    expect(st.reason).toBe("normal");
    expect(st.exit).toEqual({ code: null, signal: "TERM" });
    expect(st.pid).toBeNull();
    expect(h.engine.idle()).toBe(true);
  });

  test("a bgprocess service behaves like a process service toward the engine", () => {
    const h = harness([svc("daemon", { type: "bgprocess", pidFile: "/run/d.pid" })]);
    h.engine.start("daemon");
    h.engine.ready("daemon");
    expect(h.state("daemon")).toBe("started");
    h.engine.exited("daemon", { code: 0, signal: null });
    expect(h.launcher.count("start", "daemon")).toBe(1);
    expect(h.engine.status("daemon")).toMatchObject({ state: "stopped", reason: "terminated" });
    h.clock.advance(200); // restart-delay: restart = yes applies to a daemon as to a process
    expect(h.launcher.count("start", "daemon")).toBe(2);
  });

  test("a scripted service is started when its start command exits 0 and stopped when its stop command exits", () => {
    const h = harness([svc("mount", { type: "scripted", stopCommand: ["/bin/umount"] })]);
    h.engine.start("mount");
    expect(h.launcher.ops()).toEqual(["start:mount"]);
    h.engine.launched("mount", 4242);
    expect(h.engine.status("mount")?.pid).toBe(4242);
    h.engine.ready("mount");
    expect(h.state("mount")).toBe("started");
    expect(h.engine.status("mount")?.pid).toBe(null); // the start script is gone
    h.engine.stop("mount");
    expect(h.launcher.ops()).toEqual(["start:mount", "stop:mount"]);
    expect(h.state("mount")).toBe("stopping");
    h.engine.exited("mount", { code: 0, signal: null });
    expect(h.state("mount")).toBe("stopped");
    expect(h.engine.status("mount")?.reason).toBe("normal");
  });

  test("a scripted start command that exits non-zero fails the start", () => {
    const h = harness([svc("mount", { type: "scripted" })]);
    h.engine.start("mount");
    h.engine.exited("mount", { code: 32, signal: null });
    const st = h.engine.status("mount")!;
    expect(st.state).toBe("stopped");
    expect(st.reason).toBe("failed");
    expect(st.exit).toEqual({ code: 32, signal: null });
    expect(st.activated).toBe(false);
    expect(h.engine.idle()).toBe(true);
  });

  test("a skippable scripted start interrupted by SIGINT counts as started; without skippable it fails", () => {
    const h = harness([
      svc("fsck", { type: "scripted", options: ["skippable"] }),
      svc("strict", { type: "scripted" }),
    ]);
    h.engine.start("fsck");
    h.engine.start("strict");
    h.engine.exited("fsck", { code: null, signal: "INT" });
    h.engine.exited("strict", { code: null, signal: "INT" });
    expect(h.state("fsck")).toBe("started");
    expect(h.events.find((e) => e.service === "fsck" && e.to === "started")?.note).toContain("skipped");
    expect(h.engine.status("strict")).toMatchObject({ state: "stopped", reason: "failed" });
  });

  test("a skippable start interrupted by bosun's own start-timeout is stopped, not skipped", () => {
    const h = harness([svc("fsck", { type: "scripted", options: ["skippable", "start-interruptible"], startTimeout: 1 })]);
    h.engine.start("fsck");
    h.clock.advance(1000);
    expect(h.launcher.ops()).toEqual(["start:fsck", "interrupt:fsck"]);
    h.engine.exited("fsck", { code: null, signal: "INT" });
    expect(h.engine.status("fsck")).toMatchObject({ state: "stopped", reason: "timed-out" });
  });

  test("a triggered service reaches started only once triggered", () => {
    const h = harness([svc("net", { type: "triggered" })]);
    h.engine.start("net");
    expect(h.state("net")).toBe("starting");
    expect(h.engine.idle()).toBe(false);
    h.engine.trigger("net");
    expect(h.state("net")).toBe("started");
    expect(h.engine.status("net")?.triggered).toBe(true);
    h.engine.stop("net");
    h.engine.untrigger("net");
    h.engine.start("net");
    expect(h.state("net")).toBe("starting");
  });

  test("trigger is refused for a service that is not triggered", () => {
    const h = harness([svc("web", { type: "process" })]);
    const r = h.engine.trigger("web");
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.code).toBe("invalid");
  });
});

describe("process outcomes", () => {
  test("an exit while starting fails the start with reason failed", () => {
    const h = harness([svc("web", { type: "process" })]);
    h.engine.start("web");
    h.engine.exited("web", { code: 1, signal: null });
    expect(h.engine.status("web")?.reason).toBe("failed");
    expect(h.engine.status("web")?.restarts).toBe(0);
    expect(h.launcher.count("start", "web")).toBe(1);
  });

  test("a launch failure stops the service with reason exec-failed and the failure", () => {
    const h = harness([svc("web", { type: "process" })]);
    h.engine.start("web");
    const failure = { stage: "exec", errno: "ENOENT", message: "exec: ENOENT (no such file: /bin/web)" };
    h.engine.launchFailed("web", failure);
    const st = h.engine.status("web")!;
    expect(st.reason).toBe("exec-failed");
    expect(st.failure).toEqual(failure);
    const last = h.events.at(-1)!;
    expect(last.to).toBe("stopped");
    expect(last.failure).toEqual(failure);
  });

  test("a launcher that fails synchronously inside start is handled in order", () => {
    const h = harness([svc("web", { type: "process" }), svc("app", { type: "process", depends: ["need:web"] })]);
    h.launcher.onCall = (call) => {
      if (call.op === "start") h.engine.launchFailed(call.service, { stage: "exec", errno: "ENOENT", message: "no such file" });
    };
    h.engine.start("app");
    expect(h.engine.status("web")?.reason).toBe("exec-failed");
    expect(h.engine.status("app")?.reason).toBe("dep-failed");
    expect(h.transitions()).toEqual([
      "app:stopped>starting",
      "web:stopped>starting",
      "web:starting>stopped",
      "app:starting>stopped",
    ]);
    expect(h.engine.idle()).toBe(true);
  });

  test("a launcher that throws from start counts as a launch failure", () => {
    const h = harness([svc("web", { type: "process" })]);
    h.launcher.onCall = () => {
      throw new Error("spawn blew up");
    };
    h.engine.start("web");
    expect(h.engine.status("web")).toMatchObject({
      state: "stopped",
      reason: "exec-failed",
      failure: { stage: "launch", errno: null, message: "launcher: spawn blew up" },
    });
  });

  test("a launcher that reports ready synchronously starts the service", () => {
    const h = harness([svc("web", { type: "process" })]);
    h.launcher.onCall = (call) => {
      if (call.op === "start") h.engine.ready(call.service);
    };
    h.engine.start("web");
    expect(h.state("web")).toBe("started");
  });

  test("stale process events for a stopped service are ignored", () => {
    const h = harness([svc("web", { type: "process" })]);
    h.engine.ready("web");
    h.engine.exited("web", { code: 1, signal: null });
    h.engine.launchFailed("web", { stage: "exec", errno: null, message: "x" });
    expect(h.events).toEqual([]);
    expect(h.engine.ready("nope")).toBeUndefined();
  });

  test("signal goes to the launcher only while a process runs", () => {
    const h = harness([svc("web", { type: "process" })]);
    expect(h.engine.signal("web", "HUP").ok).toBe(false);
    h.engine.start("web");
    h.engine.ready("web");
    expect(h.engine.signal("web", "HUP")).toEqual({ ok: true });
    expect(h.launcher.calls.at(-1)).toEqual({ op: "signal", service: "web", signal: "HUP" });
  });
});

describe("events and status", () => {
  test("events carry increasing sequence numbers, clock time, target and reason", () => {
    const h = harness([svc("web", { type: "process" })]);
    h.clock.advance(10);
    h.engine.start("web");
    h.engine.ready("web");
    h.clock.advance(5);
    h.engine.stop("web");
    h.engine.exited("web", { code: 0, signal: null });
    expect(h.events.map((e) => e.seq)).toEqual([1, 2, 3, 4]);
    expect(h.events.map((e) => e.time)).toEqual([10, 10, 15, 15]);
    expect(h.events[2]).toMatchObject({ from: "started", to: "stopping", target: "stopped", reason: "normal" });
    expect(h.events[3]).toMatchObject({ to: "stopped", reason: "normal", exit: { code: 0, signal: null } });
  });

  test("a subscriber that throws does not stop the others or the engine", () => {
    const h = harness([svc("group")]);
    h.engine.subscribe(() => {
      throw new Error("bad subscriber");
    });
    const seen: string[] = [];
    h.engine.subscribe((e) => seen.push(e.to));
    expect(h.engine.start("group")).toEqual({ ok: true });
    expect(seen).toEqual(["starting", "started"]);
    expect(h.events).toHaveLength(2);
  });

  test("a subscriber may call back into the engine and events stay in order", () => {
    const h = harness([svc("a"), svc("b")]);
    h.engine.subscribe((e) => {
      if (e.service === "a" && e.to === "started") h.engine.start("b");
    });
    h.engine.start("a");
    expect(h.transitions()).toEqual(["a:stopped>starting", "a:starting>started", "b:stopped>starting", "b:starting>started"]);
    expect(h.events.map((e) => e.seq)).toEqual([1, 2, 3, 4]);
  });

  test("unsubscribe stops the deliveries", () => {
    const h = harness([svc("a")]);
    const seen: string[] = [];
    const off = h.engine.subscribe((e) => seen.push(e.to));
    off();
    h.engine.start("a");
    expect(seen).toEqual([]);
  });

  test("status and list describe links both ways", () => {
    const h = harness([svc("db"), svc("web", { depends: ["need:db"] })]);
    expect(h.engine.status("web")?.depends).toEqual([{ kind: "need", name: "db" }]);
    expect(h.engine.status("db")?.dependents).toEqual([{ kind: "need", name: "web" }]);
    expect(h.engine.list().map((s) => s.name)).toEqual(["db", "web"]);
    expect(h.engine.status("nope")).toBeNull();
    expect(h.engine.description("web")?.name).toBe("web");
  });

  test("commands on unknown services answer not-found", () => {
    const h = harness();
    for (const r of [h.engine.start("x"), h.engine.stop("x"), h.engine.release("x"), h.engine.unload("x")]) {
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.code).toBe("not-found");
    }
  });

  test("idle is false while anything is wanted, starting, running or stopping", () => {
    const h = harness([svc("web", { type: "process" })]);
    expect(h.engine.idle()).toBe(true);
    h.engine.start("web");
    expect(h.engine.idle()).toBe(false);
    h.engine.ready("web");
    h.engine.stop("web");
    expect(h.engine.idle()).toBe(false);
    h.engine.exited("web", { code: 0, signal: null });
    expect(h.engine.idle()).toBe(true);
  });
});

test("a cause the process layer knows (oom-killed) rides with the exit into the event and the status, and clears at the next start", () => {
  const h = harness([svc("web", { type: "process", restart: "no" })]);
  h.engine.start("web");
  h.engine.launched("web", 10);
  h.engine.ready("web");
  h.engine.exited("web", { code: null, signal: "KILL" }, "oom-killed");
  const stopped = h.events.find((e) => e.service === "web" && e.to === "stopped")!;
  expect(stopped).toMatchObject({ reason: "failed", exit: { code: null, signal: "KILL" }, cause: "oom-killed" });
  expect(h.engine.status("web")?.cause).toBe("oom-killed");
  h.engine.start("web");
  expect(h.engine.status("web")?.cause).toBeNull();
});
