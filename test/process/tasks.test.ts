/**
 * @module test/process/tasks
 * The process layer's part in tasks and run-once, with real processes: a scheduled service's
 * start is a run (its exit reported, never ready, its output in the service's log, stopped by
 * its term-signal and never by a stop-command), the run-once marker written after success and
 * honoured by the next start, and the real clock's report of wall-clock jumps.
 */
import { describe as group, expect, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, type ServiceDescriptionInput } from "../../src/config/schema.ts";
import { JUMP_TOLERANCE_MS, realClock } from "../../src/process/clock.ts";
import type { ProcessLauncher } from "../../src/process/launcher.ts";
import { removeMarker } from "../../src/process/marker.ts";
import { waitFor } from "../support/wait.ts";
import { processSetup, type Launched } from "./support.ts";

const setup = processSetup(new Map([["PATH", process.env.PATH ?? "/usr/bin:/bin"]]));
const dir = setup.dir;
let launcher: ProcessLauncher;
let rec: Launched["rec"];
let out: Launched["out"];
let serial = 0;

function fresh() {
  ({ launcher, rec, out } = setup.fresh());
}

const svc = (input: Partial<ServiceDescriptionInput>) => describe({ name: `t${++serial}`, type: "scripted", workingDir: dir, ...input });
const sh = (script: string) => ["/bin/sh", "-c", script];

group("a scheduled service's run", () => {
  test("is never ready: its exit 0 is reported as the run's end, and its output goes to the service's log", async () => {
    fresh();
    const d = svc({ schedule: "@hourly", command: sh("echo backing up; exit 0") });
    launcher.start(d);
    expect((await rec.next("exited", d.name)).status).toEqual({ code: 0, signal: null });
    expect(rec.kinds(d.name)).toEqual(["launched", "exited"]);
    await waitFor("the run's output line", () => out.lines(d.name).includes("backing up"));
  });

  test("a process service's run is one too: not ready once exec'd", async () => {
    fresh();
    const d = svc({ type: "process", schedule: "@hourly", command: sh("exit 4") });
    launcher.start(d);
    expect((await rec.next("exited", d.name)).status).toEqual({ code: 4, signal: null });
    expect(rec.kinds(d.name)).toEqual(["launched", "exited"]);
  });

  test("stops by its term-signal, never by the stop-command (which would stop a process service)", async () => {
    fresh();
    const ran = join(dir, "stop-command-ran");
    const d = svc({
      type: "process",
      schedule: "@hourly",
      termSignal: "USR1",
      command: sh("trap 'echo got USR1; exit 7' USR1; echo waiting; while :; do sleep 0.05; done"),
      stopCommand: sh(`touch ${ran}`),
    });
    launcher.start(d);
    await waitFor("the run to set its trap", () => out.lines(d.name).includes("waiting"));
    launcher.stop(d);
    expect((await rec.next("exited", d.name)).status).toEqual({ code: 7, signal: null });
    expect(existsSync(ran)).toBe(false);
  });

  test("kill ends a run that ignores its term-signal", async () => {
    fresh();
    const d = svc({ schedule: "@hourly", command: sh("trap '' TERM; echo waiting; while :; do sleep 0.05; done") });
    launcher.start(d);
    await waitFor("the run to ignore TERM", () => out.lines(d.name).includes("waiting"));
    launcher.stop(d);
    launcher.kill(d);
    expect((await rec.next("exited", d.name)).status).toEqual({ code: null, signal: "KILL" });
  });
});

group("run-once-marker", () => {
  test("is written after the start command succeeded; while it exists a start skips the command", async () => {
    fresh();
    const marker = join(dir, "migrated");
    const count = join(dir, "migrations");
    const d = svc({ options: ["run-once"], runOnceMarker: marker, command: sh(`echo run >> ${count}`) });
    launcher.start(d);
    await rec.next("ready", d.name);
    expect(readFileSync(marker, "utf8")).toContain(`the start of ${d.name} is done`);
    fresh();
    launcher.start(d);
    await rec.next("ready", d.name);
    expect(rec.kinds(d.name)).toEqual(["ready"]);
    expect(readFileSync(count, "utf8")).toBe("run\n");
    expect(out.system).toContainEqual({ level: "info", message: `run-once-marker ${marker} exists: start command skipped`, service: d.name });
    expect(removeMarker(d)).toBeNull();
    expect(existsSync(marker)).toBe(false);
    expect(removeMarker(d)).toBeNull();
  });

  test("is not written when the start command fails", async () => {
    fresh();
    const marker = join(dir, "never");
    const d = svc({ options: ["run-once"], runOnceMarker: marker, command: sh("exit 2") });
    launcher.start(d);
    await rec.next("exited", d.name);
    expect(existsSync(marker)).toBe(false);
  });

  test("a marker that cannot be written is a warning naming the file; the service is still started", async () => {
    fresh();
    const marker = join(dir, "no-such-dir", "done");
    const d = svc({ options: ["run-once"], runOnceMarker: marker, command: sh("exit 0") });
    launcher.start(d);
    await rec.next("ready", d.name);
    expect(out.system.find((l) => l.service === d.name)?.message).toBe(
      `cannot write run-once-marker ${marker}: ENOENT (its directory does not exist); the start command runs again at the next boot`,
    );
  });

  test("is ignored without options = run-once", async () => {
    fresh();
    const marker = join(dir, "plain");
    const d = svc({ runOnceMarker: marker, command: sh("exit 0") });
    launcher.start(d);
    await rec.next("ready", d.name);
    expect(existsSync(marker)).toBe(false);
  });
});

group("the real clock's jumps", () => {
  /** Time sources a test moves by hand; the check runs every few ms. */
  function sources() {
    const t = { wall: 1_000_000, monotonic: 0, reads: 0 };
    return {
      t,
      clock: realClock({ wall: () => t.wall, monotonic: () => (t.reads++, t.monotonic) }, 5),
    };
  }

  test("a wall clock set forward or back beyond the tolerance is reported while watched", async () => {
    const { t, clock } = sources();
    let jumps = 0;
    const unwatch = clock.watchJumps!(() => jumps++);
    t.wall += 3_600_000;
    await waitFor("the forward jump to be reported", () => jumps === 1);
    t.wall -= 7_200_000;
    await waitFor("the backward jump to be reported", () => jumps === 2);
    unwatch();
  });

  test("time passing alike on both clocks, or a drift within the tolerance, is no jump", async () => {
    const { t, clock } = sources();
    let jumps = 0;
    const unwatch = clock.watchJumps!(() => jumps++);
    t.wall += 60_000;
    t.monotonic += 60_000;
    const reads = t.reads;
    await waitFor("a comparison", () => t.reads > reads);
    t.wall += JUMP_TOLERANCE_MS;
    const later = t.reads;
    await waitFor("another comparison", () => t.reads > later);
    expect(jumps).toBe(0);
    unwatch();
  });

  test("the clock compares nothing while nothing watches", async () => {
    const { t, clock } = sources();
    const first = clock.watchJumps!(() => {});
    const second = clock.watchJumps!(() => {});
    first();
    const reads = t.reads;
    await waitFor("a comparison while one watcher is left", () => t.reads > reads);
    second();
    const after = t.reads;
    await Bun.sleep(50); // an absence has no event to wait for: ten check periods
    expect(t.reads).toBe(after);
  });
});
