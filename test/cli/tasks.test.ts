/**
 * @module test/cli/tasks
 * Scheduled services and run-once services end to end: a real bosun, real scripts that record
 * what they did, the CLI and the event stream. A task on `@every 1s` whose runs outlast the
 * interval never overlaps and counts the due times it skips, or runs the queued one right
 * after; a stop and a shutdown wait for the run; schedule-timeout ends a hanging run; `bosun
 * run` starts one now; status, list, logs, events and /metrics report runs. A run-once
 * service is not run again when its dependency restarts, is run again after a stop and start
 * by hand, and its marker carries the start across a bosun restart.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import * as v from "valibot";
import { client } from "../../src/control/client.ts";
import { ServiceList, StatusJson, type EventJson } from "../../src/control/schemas.ts";
import { cli } from "../support/cli.ts";
import { boot, type Daemon } from "../support/daemon.ts";
import { removeTempDirs, tempDir, writeFiles } from "../support/files.ts";
import { waitFor } from "../support/wait.ts";

// Runs are real seconds (@every 1s), and each CLI call a real round trip on 2 busy cores.
setDefaultTimeout(60000);
afterAll(removeTempDirs);

/**
 * Records each run in `$1.log` (`start`, `end`, and `overlap` if another run of the same task
 * was still going), and lasts `$2` seconds, or until the file `$1.gate` exists when `$2` is `gate`.
 */
const RUN_SH = `d=$1
[ -e "$d.lock" ] && echo overlap >> "$d.log"
touch "$d.lock"
echo start >> "$d.log"
echo "run output of $(basename "$d")"
if [ "$2" = gate ]; then while [ ! -e "$d.gate" ]; do sleep 0.05; done; else sleep "$2"; fi
rm -f "$d.lock"
echo end >> "$d.log"
`;

/** Reads events until `done` holds for what was seen (bounded, naming what it waited for). */
async function until(events: AsyncGenerator<EventJson>, what: string, done: (seen: EventJson[]) => boolean, seen: EventJson[] = [], ms = 30000): Promise<EventJson[]> {
  const deadline = Date.now() + ms;
  while (!done(seen)) {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const expired = new Promise<"expired">((resolve) => (timer = setTimeout(() => resolve("expired"), Math.max(0, deadline - Date.now()))));
    const next = await Promise.race([events.next(), expired]);
    clearTimeout(timer);
    if (next === "expired") throw new Error(`timed out after ${ms} ms waiting for ${what}; saw: ${seen.map(show).join(" | ")}`);
    if (next.done) throw new Error(`the event stream ended while waiting for ${what}`);
    seen.push(next.value);
  }
  return seen;
}

/** `phase N result` for a run event, `from>to` for a state change. */
function shown(e: EventJson): string {
  return e.run ? `${e.run.phase} ${e.run.number}${e.run.result ? ` ${e.run.result}` : ""}${e.run.fromQueue ? " (from queue)" : ""}` : `${e.from}>${e.state}`;
}
const show = (e: EventJson) => `${e.service}: ${shown(e)}`;

const runsOf = (seen: EventJson[], service: string) => seen.filter((e) => e.service === service && e.run).map(shown);

describe("scheduled services", () => {
  let dir: string;
  let d: Daemon;
  const run = (command: string, ...args: string[]) => cli(d.socket, command, ...args);
  const status = async (name: string) => v.parse(StatusJson, JSON.parse((await run("status", "--json", name)).stdout));
  const log = (name: string) => (existsSync(join(dir, `${name}.log`)) ? readFileSync(join(dir, `${name}.log`), "utf8").trim().split("\n") : []);

  beforeAll(async () => {
    dir = tempDir();
    const s = join(dir, "services");
    const task = (name: string, schedule: string, length: string, extra = "") =>
      `type = scripted\nschedule = ${schedule}\ncommand = /bin/sh ${s}/run.sh ${dir}/${name} ${length}\nlog-type = buffer\n${extra}`;
    writeFiles(s, {
      "run.sh": RUN_SH,
      boot: "type = internal\n",
      tick: task("tick", "@every 1s", "1.5"),
      queued: task("queued", "@every 1s", "1.5", "schedule-overlap = queue\n"),
      now: task("now", "@yearly", "0"),
      gated: task("gated", "@yearly", "gate", "stop-timeout = 30\n"),
      slow: "type = process\nschedule = @yearly\nschedule-timeout = 0.5\ncommand = /bin/sleep 1000\n",
      stubborn: `type = scripted\nschedule = @yearly\nschedule-timeout = 0.5\nstop-timeout = 0.5\ncommand = /bin/sh -c "trap '' TERM; exec sleep 1000"\n`,
      failing: "type = scripted\nschedule = @yearly\nrestart = yes\ncommand = /bin/sh -c \"exit 3\"\n",
      plain: "type = internal\n",
    });
    d = await boot(dir, { healthListen: true }).answering();
  });

  afterAll(async () => {
    await d?.stop();
  });

  test("runs longer than the interval never overlap, and the due times they cover are skipped and counted", async () => {
    const events = await client(d.socket).events();
    try {
      expect((await run("start", "tick")).code).toBe(0);
      const seen = await until(events, "tick to skip a due time and end two runs", (seen) => {
        const runs = runsOf(seen, "tick");
        return runs.some((r) => r.startsWith("skipped")) && runs.filter((r) => r.startsWith("ended")).length >= 2;
      });
      expect((await run("stop", "tick")).code).toBe(0);
      const runs = runsOf(seen, "tick");
      // each run ends before the next starts, as the runs' own records say too
      const order = runs.filter((r) => !r.startsWith("skipped")).map((r) => r.split(" ")[0]);
      expect(order.slice(0, 4)).toEqual(["started", "ended", "started", "ended"]);
      expect(log("tick")).not.toContain("overlap");
      const lines = log("tick");
      expect(lines.filter((l, i) => l === lines[i - 1])).toEqual([]);
      const t = (await status("tick")).task!;
      expect(t.skipped).toBeGreaterThanOrEqual(1);
      expect(t.results.ok).toBe(t.runs);
    } finally {
      await events.return(undefined);
    }
  });

  test("schedule-overlap = queue runs the due time that came during a run right after it", async () => {
    const events = await client(d.socket).events();
    try {
      expect((await run("start", "queued")).code).toBe(0);
      const seen = await until(events, "a queued run of queued to start", (seen) => runsOf(seen, "queued").some((r) => r.endsWith("(from queue)")));
      expect((await run("stop", "queued")).code).toBe(0);
      // a loaded machine may make a run cover two due times: the second is skipped, not queued
      const runs = runsOf(seen, "queued").filter((r) => !r.startsWith("skipped"));
      const fromQueue = runs.findIndex((r) => r.endsWith("(from queue)"));
      expect(runs.slice(fromQueue - 2, fromQueue + 1)).toEqual(["queued 2", "ended 1 ok", "started 2 (from queue)"]);
      expect(log("queued")).not.toContain("overlap");
    } finally {
      await events.return(undefined);
    }
  });

  test("bosun run starts a run now and reports its end; its output is in bosun logs", async () => {
    expect((await run("start", "now")).code).toBe(0);
    expect(log("now")).toEqual([]);
    const r = await run("run", "now");
    expect(r.code).toBe(0);
    expect(r.stderr).toContain("now: run 1 done: exited with 0");
    expect(log("now")).toEqual(["start", "end"]);
    const t = (await status("now")).task!;
    expect(t).toMatchObject({ runs: 1, failures: 0, running: null, last: { number: 1, byHand: true, result: "ok", exit: { code: 0, signal: null } } });
    // @yearly in bosun's local time: the next 1 January, 00:00
    const next = new Date(t.next!);
    expect([next.getMonth(), next.getDate(), next.getHours(), next.getMinutes()]).toEqual([0, 1, 0, 0]);
    expect(t.next!).toBeGreaterThan(Date.now());
    expect((await run("logs", "now")).stdout).toContain("run output of now");
  });

  test("status, list and /metrics show the schedule, the next due time, the last run and the counts", async () => {
    await run("start", "now");
    await run("start", "plain");
    await run("run", "now");
    const human = (await run("status", "now")).stdout;
    expect(human).toContain("  schedule:   @yearly\n");
    expect(human).toMatch(/ {2}next run: {3}\d{4}-01-01 00:00:00 [+-]\d\d:\d\d \(in /);
    expect(human).toMatch(/ {2}last run: {3}run \d+ at .*: ok \(exited with 0\) \(bosun run\)/);
    expect(human).toMatch(/ {2}runs: {7}\d+ \(0 failed, 0 skipped\)/);
    const list = v.parse(ServiceList, JSON.parse((await run("list", "--json")).stdout));
    expect(list.find((s) => s.name === "now")?.task?.next).toBeNumber();
    expect(list.find((s) => s.name === "plain")?.task).toBeNull();
    expect((await run("list")).stdout).toMatch(/^now +started +activated +next \d{4}-01-01 00:00:00/m);
    const metrics = await (await fetch(`http://127.0.0.1:${d.port}/metrics`)).text();
    const runs = (await status("now")).task!.runs;
    expect(metrics).toContain(`bosun_task_runs_total{service="now",result="ok"} ${runs}\n`);
    expect(metrics).toContain(`bosun_task_runs_total{service="now",result="failed"} 0\n`);
    expect(metrics).toMatch(/bosun_task_next_run_timestamp_seconds\{service="now"\} \d+\n/);
    expect(metrics).toContain(`bosun_task_skipped_total{service="now"} 0\n`);
  });

  test("a failed run is counted and shown; the task stays started and restart does not apply", async () => {
    await run("start", "failing");
    const r = await run("run", "failing");
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("failing: run 1 failed: exited with 3");
    const s = await status("failing");
    expect(s).toMatchObject({ state: "started", restarts: 0, task: { failures: 1, last: { result: "failed", exit: { code: 3, signal: null } } } });
    expect(d.output()).toContain("run 1 failed: exited with 3");
  });

  test("schedule-timeout stops a hanging run with the stop signal, or SIGKILL when it ignores that", async () => {
    await run("start", "slow");
    const slow = await run("run", "slow");
    expect(slow.code).toBe(1);
    expect(slow.stderr).toContain("slow: run 1 timed out: schedule-timeout 0.5s expired; killed by TERM");
    await run("start", "stubborn");
    const stubborn = await run("run", "stubborn");
    expect(stubborn.code).toBe(1);
    expect(stubborn.stderr).toContain("stubborn: run 1 timed out: schedule-timeout 0.5s expired; killed by KILL");
    expect((await status("stubborn")).task).toMatchObject({ failures: 1, results: { "timed-out": 1 } });
  });

  test("a stop sends nothing to the run going: it waits for its end, then the task is stopped", async () => {
    await run("start", "gated");
    const events = await client(d.socket).events();
    try {
      expect((await run("run", "--no-wait", "gated")).code).toBe(0);
      await waitFor("the run of gated to start", () => log("gated").includes("start"));
      expect((await run("stop", "--no-wait", "gated")).code).toBe(0);
      await until(events, "gated to be stopping", (seen) => seen.some((e) => e.service === "gated" && e.state === "stopping"));
      expect((await status("gated")).state).toBe("stopping");
      writeFileSync(join(dir, "gated.gate"), "");
      await until(events, "gated to stop", (seen) => seen.some((e) => e.service === "gated" && e.state === "stopped"));
      expect(log("gated")).toEqual(["start", "end"]);
      expect((await status("gated")).task).toMatchObject({ next: null, last: { result: "ok", exit: { code: 0, signal: null } } });
    } finally {
      await events.return(undefined);
    }
  });

  test("bosun run is refused for a task that is not started and for a service without a schedule", async () => {
    await run("stop", "now");
    const stopped = await run("run", "now");
    expect(stopped.code).toBe(1);
    expect(stopped.stderr).toContain("now is stopped: runs go only while the task is started; start it first");
    const plain = await run("run", "plain");
    expect(plain.code).toBe(1);
    expect(plain.stderr).toContain("plain is not a scheduled service");
  });
});

describe("shutdown", () => {
  test("waits for a run going before bosun ends", async () => {
    const dir = tempDir();
    const s = join(dir, "services");
    writeFiles(s, {
      "run.sh": RUN_SH,
      boot: "type = internal\nwaits-for = job\n",
      job: `type = scripted\nschedule = @yearly\ncommand = /bin/sh ${s}/run.sh ${dir}/job gate\nstop-timeout = 30\n`,
    });
    const d = await boot(dir, { healthListen: true }).answering();
    try {
      await waitFor("job to start", async () => (await cli(d.socket, "is-started", "job")).code === 0);
      expect((await cli(d.socket, "run", "--no-wait", "job")).code).toBe(0);
      await waitFor("the run of job to start", () => existsSync(join(dir, "job.log")));
      d.proc.kill("SIGTERM");
      await waitFor("bosun to begin its shutdown", () => d.output().includes("shutting down"));
      expect(d.proc.exitCode).toBeNull();
      writeFileSync(join(dir, "job.gate"), "");
      expect(await d.proc.exited).toBe(0);
      expect(readFileSync(join(dir, "job.log"), "utf8")).toBe("start\nend\n");
    } finally {
      await d.stop();
    }
  });
});

describe("run-once", () => {
  /** db <- migrate (run-once, counting its starts and stops) <- app. */
  function services(dir: string, marker = ""): void {
    const count = join(dir, "count");
    writeFiles(join(dir, "services"), {
      boot: "type = internal\nwaits-for = app\n",
      app: "type = process\ncommand = /bin/sleep 1000\ndepends-on = migrate\nrestart = no\n",
      migrate: `type = scripted\noptions = run-once\ncommand = /bin/sh -c "echo start >> ${count}"\nstop-command = /bin/sh -c "echo stop >> ${count}"\ndepends-on = db\n${marker}`,
      db: "type = process\ncommand = /bin/sleep 1000\nrestart = no\n",
    });
  }
  const count = (dir: string) => readFileSync(join(dir, "count"), "utf8").trim().split("\n");

  test("a restart of its dependency does not run it again; a stop and start by hand does", async () => {
    const dir = tempDir();
    services(dir);
    const d = await boot(dir, { healthListen: true }).answering();
    try {
      await waitFor("app to start", async () => (await cli(d.socket, "is-started", "app")).code === 0);
      expect(count(dir)).toEqual(["start"]);
      expect((await cli(d.socket, "restart", "db")).code).toBe(0);
      expect((await cli(d.socket, "is-started", "migrate")).code).toBe(0);
      expect((await cli(d.socket, "is-started", "app")).code).toBe(0);
      expect(count(dir)).toEqual(["start"]);
      expect((await cli(d.socket, "stop", "app")).code).toBe(0);
      expect((await cli(d.socket, "is-started", "migrate")).code).toBe(0);
      expect((await cli(d.socket, "stop", "migrate")).code).toBe(0);
      expect(count(dir)).toEqual(["start", "stop"]);
      expect((await cli(d.socket, "start", "migrate")).code).toBe(0);
      expect(count(dir)).toEqual(["start", "stop", "start"]);
    } finally {
      await d.stop();
    }
  });

  test("its marker survives a bosun restart, so the start is not run again; a stop by hand removes it", async () => {
    const dir = tempDir();
    const marker = join(dir, "migrated");
    services(dir, `run-once-marker = ${marker}\n`);
    const first = await boot(dir, { healthListen: true }).answering();
    try {
      await waitFor("app to start", async () => (await cli(first.socket, "is-started", "app")).code === 0);
      expect(existsSync(marker)).toBe(true);
    } finally {
      expect(await first.stop()).toBe(0);
    }
    // the shutdown ran the stop-command, and kept the marker
    expect(count(dir)).toEqual(["start", "stop"]);
    expect(existsSync(marker)).toBe(true);
    const second = await boot(dir, { healthListen: true }).answering();
    try {
      await waitFor("app to start again", async () => (await cli(second.socket, "is-started", "app")).code === 0);
      expect(count(dir)).toEqual(["start", "stop"]);
      expect(second.output()).toContain(`run-once-marker ${marker} exists: start command skipped`);
      expect((await cli(second.socket, "stop", "--force", "migrate")).code).toBe(0);
      expect(existsSync(marker)).toBe(false);
      expect((await cli(second.socket, "start", "migrate")).code).toBe(0);
      expect(count(dir)).toEqual(["start", "stop", "stop", "start"]);
      expect(existsSync(marker)).toBe(true);
    } finally {
      await second.stop();
    }
  });
});
