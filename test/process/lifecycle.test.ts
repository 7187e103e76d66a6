/**
 * @module test/process/lifecycle
 * Each service type's handling, driven directly with a recording RunOps: what the end of the
 * spawned command means for the service and how it stops. Nothing is spawned; signals are
 * recorded instead of sent (the launcher tests send real ones).
 */
import { afterAll, describe as group, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, type ServiceDescriptionInput } from "../../src/config/schema.ts";
import { describeExit } from "../../src/engine/outcome.ts";
import type { ExitStatus } from "../../src/engine/types.ts";
import { byType, type RunOps } from "../../src/process/lifecycle.ts";
import { Run } from "../../src/process/run.ts";
import { removeTempDirs, tempDir } from "../support/files.ts";

const dir = tempDir();
afterAll(removeTempDirs);

const CLEAN: ExitStatus = { code: 0, signal: null };
/** A pid no process can have (above the kernel's pid_max ceiling). */
const NO_SUCH_PID = 2 ** 23;

/** A run of a service of `input`, whose handling is recorded as lines in `calls`. */
function harness(input: Partial<ServiceDescriptionInput>) {
  const run = new Run(describe({ name: "svc", type: "process", command: ["x"], workingDir: dir, ...input }));
  const calls: string[] = [];
  run.signal = (signal, pid = run.pid) => void calls.push(`signal ${signal} to ${pid}`);
  let stopDone: ((status: ExitStatus) => void) | null = null;
  const ops: RunOps = {
    launched: (r, pid) => {
      r.pid = pid;
      calls.push(`launched ${pid}`);
    },
    ready: () => void calls.push("ready"),
    exited: (_r, status) => void calls.push(`exited: ${describeExit(status)}`),
    failed: (_r, failure) => void calls.push(`failed: ${failure.message}`),
    supervise: (_r, pid) => void calls.push(`supervise ${pid}`),
    stopCommand: (_r, command, then) => {
      calls.push(`stop-command ${command.join(" ")}`);
      stopDone = then;
    },
    warn: (_r, message) => void calls.push(`warn: ${message}`),
  };
  const behaviour = byType[run.desc.type];
  return {
    run,
    calls,
    exit: (status: ExitStatus, spawned = 100) => behaviour.onExit(run, status, spawned, ops),
    /** The engine's stop, with the description as it holds it now (a reload may have changed it). */
    stop: (now: Partial<ServiceDescriptionInput> = {}) => {
      run.stopping = true;
      behaviour.stop(run, Object.keys(now).length === 0 ? run.desc : describe({ ...run.desc, ...now }), ops);
    },
    /** The stop-command started by `stop` ends with `status`. */
    stopCommandEnds: (status: ExitStatus) => stopDone!(status),
  };
}

group("process", () => {
  test("is ready once exec'd only when it has no readiness protocol", () => {
    expect(byType.process.readyOnExec(describe({ name: "a", type: "process", command: ["x"] }))).toBe(true);
    expect(byType.process.readyOnExec(describe({ name: "b", type: "process", command: ["x"], readiness: { kind: "notify" } }))).toBe(false);
    for (const type of ["bgprocess", "scripted", "internal", "triggered"] as const) {
      expect(byType[type].readyOnExec(describe({ name: "c", type, command: ["x"] }))).toBe(false);
    }
  });

  test("the end of its process is the service's exit", () => {
    const h = harness({});
    h.run.pid = 100;
    h.exit({ code: 3, signal: null });
    expect(h.calls).toEqual(["exited: exited with 3"]);
  });

  test("after MAINPID= named a live process, the spawned process's exit hands supervision to it; a gone one ends the service", () => {
    const live = harness({ readiness: { kind: "notify" } });
    live.run.pid = process.pid;
    live.exit(CLEAN, 100);
    expect(live.calls).toEqual([`supervise ${process.pid}`]);
    const gone = harness({ readiness: { kind: "notify" } });
    gone.run.pid = NO_SUCH_PID;
    gone.exit({ code: 1, signal: null }, 100);
    expect(gone.calls).toEqual(["exited: exited with 1"]);
  });

  test("stops by term-signal to its pid, or by stop-command when set, whose failure is only a warning", () => {
    const signalled = harness({ termSignal: "HUP" });
    signalled.run.pid = 100;
    signalled.stop();
    expect(signalled.calls).toEqual(["signal HUP to 100"]);
    const commanded = harness({ stopCommand: ["halt"] });
    commanded.stop();
    commanded.stopCommandEnds({ code: 2, signal: null });
    expect(commanded.calls).toEqual(["stop-command halt", "warn: stop-command exited with 2"]);
  });

  test("term-signal and stop-command are read from the description as it is at stop time (a reload applies them at once)", () => {
    const signalled = harness({ termSignal: "TERM" });
    signalled.run.pid = 100;
    signalled.stop({ termSignal: "INT" });
    expect(signalled.calls).toEqual(["signal INT to 100"]);
    const commanded = harness({ stopCommand: ["old"] });
    commanded.stop({ stopCommand: ["new", "--now"] });
    expect(commanded.calls).toEqual(["stop-command new --now"]);
    const added = harness({ type: "scripted" });
    added.stop({ stopCommand: ["down"] });
    expect(added.calls).toEqual(["stop-command down"]);
  });
});

group("bgprocess", () => {
  test("a launcher exiting 0 hands over to the daemon its pid file names (relative to the working dir)", () => {
    writeFileSync(join(dir, "d.pid"), "4242\n");
    const h = harness({ type: "bgprocess", pidFile: "d.pid" });
    h.exit(CLEAN);
    expect(h.calls).toEqual(["launched 4242", "ready", "supervise 4242"]);
    expect(h.run.pid).toBe(4242);
  });

  test("a pid file that is missing or holds no pid fails at stage pid-file; a failing launcher is the exit", () => {
    const missing = harness({ type: "bgprocess", pidFile: join(dir, "never.pid") });
    missing.exit(CLEAN);
    expect(missing.calls).toEqual([`failed: pid-file: ENOENT (no such file: ${join(dir, "never.pid")})`]);
    writeFileSync(join(dir, "bad.pid"), "1");
    const bad = harness({ type: "bgprocess", pidFile: join(dir, "bad.pid") });
    bad.exit(CLEAN);
    expect(bad.calls).toEqual([`failed: pid-file: no valid pid in ${join(dir, "bad.pid")}: '1'`]);
    const failing = harness({ type: "bgprocess", pidFile: join(dir, "d.pid") });
    failing.exit({ code: null, signal: "TERM" });
    expect(failing.calls).toEqual(["exited: killed by TERM"]);
  });
});

group("scripted", () => {
  test("a start script exiting 0 makes the service ready with no process of its own; any other end is the exit", () => {
    const up = harness({ type: "scripted" });
    up.run.pid = 100;
    up.exit(CLEAN);
    expect(up.calls).toEqual(["ready"]);
    expect(up.run.pid).toBeNull();
    const failed = harness({ type: "scripted" });
    failed.exit({ code: 2, signal: null });
    expect(failed.calls).toEqual(["exited: exited with 2"]);
  });

  test("stopped while its start script runs: the script gets term-signal, and its end is the exit, not ready", () => {
    const h = harness({ type: "scripted", stopCommand: ["down"] });
    h.run.pid = 100;
    h.run.proc = {} as never; // the start script still runs
    h.stop();
    h.run.proc = null;
    h.exit(CLEAN);
    expect(h.calls).toEqual(["signal TERM to 100", "exited: exited with 0"]);
  });

  test("stops by stop-command, whose status is the exit; without one it stops at once", () => {
    const h = harness({ type: "scripted", stopCommand: ["down"] });
    h.stop();
    h.stopCommandEnds({ code: 4, signal: null });
    expect(h.calls).toEqual(["stop-command down", "exited: exited with 4"]);
    const bare = harness({ type: "scripted" });
    bare.stop();
    expect(bare.calls).toEqual(["exited: exited with 0"]);
  });
});

test("internal and triggered stop at once, cleanly", () => {
  for (const type of ["internal", "triggered"] as const) {
    const h = harness({ type, command: null });
    h.stop();
    expect(h.calls).toEqual(["exited: exited with 0"]);
  }
});
