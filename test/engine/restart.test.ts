/**
 * @module test/engine/restart
 * The restart policy (yes / on-failure / no), restart-delay, the limit over a moving window,
 * bosun's exponential backoff, smooth recovery, and chain-to.
 */
import { describe, expect, test } from "bun:test";
import { harness, svc, type Harness } from "./fakes.ts";

/** Starts a process service and makes it ready. */
function up(h: Harness, name: string): void {
  h.engine.start(name);
  h.engine.ready(name);
}

describe("restart policy", () => {
  test("restart=yes restarts a process that exits after starting, after restart-delay", () => {
    const h = harness([svc("web", { type: "process", restartDelay: 2 })]);
    up(h, "web");
    h.engine.exited("web", { code: 0, signal: null });
    expect(h.state("web")).toBe("stopped");
    expect(h.engine.status("web")?.reason).toBe("terminated");
    expect(h.engine.status("web")?.target).toBe("started");
    expect(h.engine.idle()).toBe(false);
    h.clock.advance(1999);
    expect(h.launcher.count("start", "web")).toBe(1);
    h.clock.advance(1);
    expect(h.launcher.count("start", "web")).toBe(2);
    expect(h.state("web")).toBe("starting");
    expect(h.engine.status("web")?.restarts).toBe(1);
    expect(h.events.find((e) => e.to === "stopped")?.note).toContain("restarting (1/3)");
  });

  test("restart=on-failure restarts after a failure but not after a clean exit or a polite signal", () => {
    const h = harness([svc("web", { type: "process", restart: "on-failure", restartDelay: 0 })]);
    up(h, "web");
    h.engine.exited("web", { code: null, signal: "SEGV" });
    h.clock.advance(0);
    expect(h.launcher.count("start", "web")).toBe(2);
    h.engine.ready("web");
    h.engine.exited("web", { code: null, signal: "TERM" });
    h.clock.advance(0);
    expect(h.launcher.count("start", "web")).toBe(2);
    expect(h.engine.status("web")).toMatchObject({ state: "stopped", reason: "terminated", target: "stopped" });
  });

  test("restart=no stops a failed process for good with reason failed", () => {
    const h = harness([svc("web", { type: "process", restart: "no" })]);
    up(h, "web");
    h.engine.exited("web", { code: 7, signal: null });
    expect(h.engine.status("web")).toMatchObject({ state: "stopped", reason: "failed", activated: false, exit: { code: 7, signal: null } });
    expect(h.engine.idle()).toBe(true);
  });

  test("a manual stop inhibits restart", () => {
    const h = harness([svc("web", { type: "process" })]);
    up(h, "web");
    h.engine.stop("web");
    h.engine.exited("web", { code: 1, signal: null });
    h.clock.advance(10_000);
    expect(h.launcher.count("start", "web")).toBe(1);
    expect(h.engine.status("web")?.reason).toBe("normal");
  });

  test("a stop during the restart delay cancels the restart", () => {
    const h = harness([svc("web", { type: "process", restartDelay: 5 })]);
    up(h, "web");
    h.engine.exited("web", { code: 1, signal: null });
    h.engine.stop("web");
    h.clock.advance(10_000);
    expect(h.launcher.count("start", "web")).toBe(1);
    expect(h.engine.idle()).toBe(true);
  });

  test("restarting too quickly stops the service for good with reason failed", () => {
    const h = harness([svc("web", { type: "process", restartDelay: 0, restartLimitCount: 2, restartLimitInterval: 10 })]);
    up(h, "web");
    for (let i = 0; i < 2; i++) {
      h.engine.exited("web", { code: 1, signal: null });
      h.clock.advance(0);
      h.engine.ready("web");
    }
    h.engine.exited("web", { code: 1, signal: null });
    h.clock.advance(0);
    expect(h.launcher.count("start", "web")).toBe(3);
    const st = h.engine.status("web")!;
    expect(st).toMatchObject({ state: "stopped", reason: "failed", target: "stopped", restarts: 2 });
    expect(h.events.at(-1)?.note).toBe("restarting too quickly");
  });

  test("the restart limit counts only restarts within the moving window", () => {
    const h = harness([svc("web", { type: "process", restartDelay: 0, restartLimitCount: 2, restartLimitInterval: 10 })]);
    up(h, "web");
    // Restarts at t=0, 6, 12, 18: never two within any 10 s, so it keeps restarting.
    for (let i = 0; i < 4; i++) {
      h.engine.exited("web", { code: 1, signal: null });
      h.clock.advance(0);
      h.engine.ready("web");
      h.clock.advance(6000);
    }
    expect(h.state("web")).toBe("started");
    expect(h.engine.status("web")?.restarts).toBe(4);
    // Two more at t=24 and t=25 fit (the window then holds 18 and 24); the third does not.
    h.engine.exited("web", { code: 1, signal: null });
    h.clock.advance(0);
    h.engine.ready("web");
    h.clock.advance(1000);
    h.engine.exited("web", { code: 1, signal: null });
    h.clock.advance(0);
    expect(h.engine.status("web")).toMatchObject({ state: "stopped", reason: "failed", restarts: 5 });
  });

  test("restart-limit-count 0 means unlimited", () => {
    const h = harness([svc("web", { type: "process", restartDelay: 0, restartLimitCount: 0 })]);
    up(h, "web");
    for (let i = 0; i < 20; i++) {
      h.engine.exited("web", { code: 1, signal: null });
      h.clock.advance(0);
      h.engine.ready("web");
    }
    expect(h.engine.status("web")).toMatchObject({ state: "started", restarts: 20 });
  });

  test("a start by hand after restarting too quickly begins a fresh window", () => {
    const h = harness([svc("web", { type: "process", restartDelay: 0, restartLimitCount: 1 })]);
    up(h, "web");
    h.engine.exited("web", { code: 1, signal: null });
    h.clock.advance(0);
    h.engine.ready("web");
    h.engine.exited("web", { code: 1, signal: null });
    expect(h.engine.status("web")?.target).toBe("stopped");
    up(h, "web");
    h.engine.exited("web", { code: 1, signal: null });
    h.clock.advance(0);
    expect(h.state("web")).toBe("starting");
  });

  test("restart-delay-max doubles the delay per consecutive restart up to the cap", () => {
    const h = harness([svc("web", { type: "process", restartDelay: 1, restartDelayMax: 5, restartLimitCount: 0, restartLimitInterval: 60 })]);
    up(h, "web");
    const delays: number[] = [];
    for (let i = 0; i < 5; i++) {
      h.engine.exited("web", { code: 1, signal: null });
      const before = h.clock.now();
      const starts = h.launcher.count("start", "web");
      while (h.launcher.count("start", "web") === starts) h.clock.advance(250);
      delays.push(h.clock.now() - before);
      h.engine.ready("web");
    }
    expect(delays).toEqual([1000, 2000, 4000, 5000, 5000]);
  });

  test("the backoff starts afresh after the process stayed up longer than restart-limit-interval", () => {
    const h = harness([svc("web", { type: "process", restartDelay: 1, restartDelayMax: 8, restartLimitInterval: 10 })]);
    up(h, "web");
    h.engine.exited("web", { code: 1, signal: null });
    h.clock.advance(1000);
    h.engine.ready("web");
    h.engine.exited("web", { code: 1, signal: null });
    h.clock.advance(1999);
    expect(h.launcher.count("start", "web")).toBe(2); // second delay is 2 s
    h.clock.advance(1);
    h.engine.ready("web");
    h.clock.advance(11_000);
    h.engine.exited("web", { code: 1, signal: null });
    h.clock.advance(1000);
    expect(h.launcher.count("start", "web")).toBe(4); // back to 1 s
  });

  test("dependents of a restarting service stop with dep-restart and come back", () => {
    const h = harness([svc("db", { type: "process", restartDelay: 0 }), svc("web", { type: "process", depends: ["need:db"] })]);
    h.engine.start("web");
    h.engine.ready("db");
    h.engine.ready("web");
    h.engine.exited("db", { code: 1, signal: null });
    expect(h.launcher.ops().at(-1)).toBe("stop:web");
    h.engine.exited("web", { code: null, signal: "TERM" });
    h.clock.advance(0);
    expect(h.launcher.ops().at(-1)).toBe("start:db");
    h.engine.ready("db");
    h.engine.ready("web");
    expect(h.state("web")).toBe("started");
    expect(h.engine.status("web")?.restarts).toBe(0);
    expect(h.engine.status("db")?.restarts).toBe(1);
    const webStop = h.events.find((e) => e.service === "web" && e.to === "stopped");
    expect(webStop?.reason).toBe("dep-restart");
  });

  test("smooth recovery restarts only the process: state stays started and dependents keep running", () => {
    const h = harness([
      svc("db", { type: "process", smoothRecovery: true, restartDelay: 1 }),
      svc("web", { type: "process", depends: ["need:db"] }),
    ]);
    h.engine.start("web");
    h.engine.ready("db");
    h.engine.ready("web");
    const before = h.events.length;
    h.engine.exited("db", { code: 1, signal: null });
    expect(h.state("db")).toBe("started");
    expect(h.state("web")).toBe("started");
    h.clock.advance(1000);
    expect(h.launcher.ops()).toEqual(["start:db", "start:web", "start:db"]);
    h.engine.launched("db", 99);
    h.engine.ready("db");
    expect(h.engine.status("db")).toMatchObject({ state: "started", pid: 99, restarts: 1 });
    expect(h.events.slice(before).map((e) => `${e.service}:${e.from}>${e.to}`)).toEqual(["db:started>started"]);
    expect(h.events.at(-1)?.note).toContain("smooth recovery");
    expect(h.launcher.count("stop", "web")).toBe(0);
  });

  test("a stop during a smooth-recovery delay stops without relaunching", () => {
    const h = harness([svc("db", { type: "process", smoothRecovery: true, restartDelay: 1 })]);
    up(h, "db");
    h.engine.exited("db", { code: 1, signal: null });
    h.engine.stop("db");
    expect(h.state("db")).toBe("stopped");
    h.clock.advance(5000);
    expect(h.launcher.count("start", "db")).toBe(1);
    expect(h.launcher.count("stop", "db")).toBe(0); // nothing was running to stop
  });
});

describe("chain-to", () => {
  test("a clean self-initiated exit starts the chain-to service", () => {
    const h = harness([svc("next"), svc("job", { type: "process", restart: "no", chainTo: "next" })]);
    up(h, "job");
    h.engine.exited("job", { code: 0, signal: null });
    expect(h.state("next")).toBe("started");
    expect(h.engine.status("next")?.activated).toBe(true);
    expect(h.events.find((e) => e.service === "job" && e.to === "stopped")?.note).toContain("chain-to next");
  });

  test("a failed exit or a manual stop does not chain, unless always-chain", () => {
    const h = harness([
      svc("next"),
      svc("job", { type: "process", restart: "no", chainTo: "next" }),
      svc("always", { type: "process", restart: "no", chainTo: "next", options: ["always-chain"] }),
    ]);
    up(h, "job");
    h.engine.exited("job", { code: 1, signal: null });
    up(h, "job");
    h.engine.stop("job");
    h.engine.exited("job", { code: 0, signal: null });
    expect(h.state("next")).toBe("stopped");
    up(h, "always");
    h.engine.exited("always", { code: 1, signal: null });
    expect(h.state("next")).toBe("started");
  });

  test("a start that fails does not chain, even with always-chain", () => {
    const h = harness([
      svc("a", { type: "process", chainTo: "b", options: ["always-chain"] }),
      svc("b", { type: "process", chainTo: "a", options: ["always-chain"] }),
    ]);
    h.engine.start("a");
    h.engine.exited("a", { code: 1, signal: null });
    expect(h.state("b")).toBe("stopped");
    expect(h.engine.idle()).toBe(true);
  });

  test("chain-to loads the target lazily and reports a target that cannot load", () => {
    const h = harness([svc("job", { type: "process", restart: "no", chainTo: "missing" })], {
      load: (name) => {
        throw new Error(`no service file for ${name}`);
      },
    });
    up(h, "job");
    h.engine.exited("job", { code: 0, signal: null });
    expect(h.events.at(-1)?.note).toBe("chain-to missing failed: no service file for missing");
  });

  test("chain-to never fires during shutdown, so a circular chain cannot keep bosun alive", () => {
    const h = harness([
      svc("a", { type: "process", restart: "no", chainTo: "b" }),
      svc("b", { type: "process", restart: "no", chainTo: "a" }),
    ]);
    up(h, "a");
    h.engine.exited("a", { code: 0, signal: null });
    expect(h.launcher.ops()).toEqual(["start:a", "start:b"]);
    h.engine.ready("b");
    h.engine.shutdown();
    h.engine.exited("b", { code: 0, signal: null });
    expect(h.launcher.ops()).toEqual(["start:a", "start:b", "stop:b"]);
    expect(h.engine.idle()).toBe(true);
  });
});
