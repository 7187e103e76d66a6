/**
 * @module bench/scenarios
 * The four scenarios every kind runs, each one trial returning its figures:
 * - start: launch -> all N `sleep` services running, and -> the kind's status tool agrees;
 * - memory: the supervisor's own processes' Pss (and VmRSS) with N services, after a settle;
 * - shutdown: the supervisor as PID 1 of a new pid namespace with services that need 2 s to
 *   stop; SIGTERM from outside -> its exit; which services got TERM and could finish;
 * - restart: one service that ends at once, restarted as fast as the kind allows; the interval
 *   between consecutive starts.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Kind, Service } from "./kinds/index.ts";
import { writeFile } from "./kinds/types.ts";
import { childrenOf, memoryOf, Workload } from "./proc.ts";
import { quantile } from "./stats.ts";
import { TimedOut, Trial, type TrialSettings, within } from "./trial.ts";

/** Settings of the scenarios beyond the trial's own. */
export interface ScenarioSettings extends TrialSettings {
  /** Seconds between "all running" and the memory reading. */
  settleS: number;
  /** Restart intervals wanted per trial, and the most time spent collecting them. */
  restarts: number;
  restartTimeS: number;
}

/** How long each shutdown service takes to stop after its signal. */
export const STOP_SECONDS = 2;

function tool(name: string): string {
  const path = Bun.which(name);
  if (!path) throw new Error(`'${name}' is not on PATH`);
  return path;
}

/** N services that sleep (absolute path: every kind looks programs up differently). */
function sleepers(n: number): Service[] {
  const sleep = tool("sleep");
  return Array.from({ length: n }, (_, i) => ({ name: `s${i}`, argv: [sleep, "1000"] }));
}

/** Launch -> all running (ms), and -> the status tool reports all up (ms). */
export async function start(kind: Kind, n: number, s: ScenarioSettings): Promise<{ running: number; ctl?: number }> {
  const services = sleepers(n);
  await using t = new Trial(kind, services, s);
  const t0 = t.launch();
  const sleeps = new Workload(t.proc!.pid, "sleep");
  const running = await t.until(`${n} running sleeps`, () => sleeps.count() >= n);
  const countUp = kind.countUp;
  if (!countUp) return { running: running - t0 };
  const names = services.map((x) => x.name);
  let lastPoll = 0;
  const ctl = await t.until(`${kind.statusTool} reporting ${n} up`, () => {
    // the tools take a while themselves: ask at most every 20 ms
    if (performance.now() - lastPoll < 20) return false;
    lastPoll = performance.now();
    return countUp(t.dir, names) >= n;
  });
  return { running: running - t0, ctl: ctl - t0 };
}

/** Summed Pss and VmRSS (MiB) of the supervisor's own processes (not the sleeps) with N running, and how many there are. */
export async function memory(kind: Kind, n: number, s: ScenarioSettings): Promise<{ pss: number; rss: number; processes: number }> {
  await using t = new Trial(kind, sleepers(n), s);
  t.launch();
  const sleeps = new Workload(t.proc!.pid, "sleep");
  await t.until(`${n} running sleeps`, () => sleeps.count() >= n);
  await Bun.sleep(s.settleS * 1000);
  if (t.proc!.exitCode !== null) throw new Error(`${kind.name} exited (${t.proc!.exitCode}) while settling: ${t.lastLine()}`);
  let pss = 0;
  let rss = 0;
  const own = sleeps.supervisors();
  for (const pid of own) {
    const m = memoryOf(pid);
    pss += m.pss;
    rss += m.rss;
  }
  return { pss: pss / 1024, rss: rss / 1024, processes: own.length };
}

/** A service that logs when it is up and which signal it got, then takes STOP_SECONDS to stop. */
const STOPPER = `#!/bin/sh
# $1: this service's name; $2: the log all of them append to
name=$1 log=$2
note() { echo "$1 $name" >> "$log"; }
graceful() { note "$1"; sleep ${STOP_SECONDS}; note DONE; exit 0; }
trap 'graceful TERM' TERM
trap 'graceful INT' INT
note UP
sleep 1000 &
wait
`;

/** Lines of the shutdown log that start with `word`. */
function countWord(path: string, word: string): number {
  try {
    return readFileSync(path, "utf8").split("\n").filter((line) => line.startsWith(`${word} `)).length;
  } catch {
    return 0;
  }
}

/** PID 1 shutdown: SIGTERM -> exit (s), services that got TERM / INT / finished, exit status. */
export async function shutdown(
  kind: Kind,
  n: number,
  s: ScenarioSettings,
): Promise<{ exit: number; term: number; int: number; done: number; status: string }> {
  const sh = tool("sh");
  let log = "";
  let script = "";
  const services: Service[] = [];
  await using t = new Trial(kind, services, s, (dir) => {
    log = join(dir, "events.log");
    script = join(dir, "stopper.sh");
    writeFile(script, STOPPER, 0o755);
    for (let i = 0; i < n; i++) services.push({ name: `s${i}`, argv: [sh, script, `s${i}`, log] });
  });
  t.launch(true);
  await t.until(`${n} services up`, () => countWord(log, "UP") >= n);
  await Bun.sleep(1000); // every kind marks them up by now
  const init = childrenOf(t.proc!.pid)[0];
  if (init === undefined) throw new Error("no PID 1 found below unshare");
  const t0 = performance.now();
  process.kill(init, "SIGTERM");
  if ((await within(t.proc!.exited, s.timeoutMs)) === undefined) throw new Error(`${kind.name} still running ${s.timeoutMs / 1000} s after SIGTERM`);
  const exit = (performance.now() - t0) / 1000;
  const p = t.proc!;
  const status = p.signalCode ? `signal ${p.signalCode}` : String(p.exitCode);
  return { exit, term: countWord(log, "TERM"), int: countWord(log, "INT"), done: countWord(log, "DONE"), status };
}

/** A service that appends its start time (seconds since the epoch, ns precision) and ends at once. */
const STAMPER = `#!/bin/sh
exec date +%s.%N >> "$1"
`;

/** The start times a stamper wrote, in seconds. */
function stampsIn(path: string): number[] {
  try {
    return readFileSync(path, "utf8")
      .split("\n")
      .filter((line) => /^\d+\.\d+$/.test(line))
      .map(Number);
  } catch {
    return [];
  }
}

/** Restart: median and p90 (ms) of the intervals between consecutive starts, and how many intervals. */
export async function restart(kind: Kind, s: ScenarioSettings): Promise<{ median: number; p90: number; count: number }> {
  const sh = tool("sh");
  let stamps = "";
  const services: Service[] = [];
  await using t = new Trial(kind, services, s, (dir) => {
    stamps = join(dir, "stamps");
    const script = join(dir, "stamper.sh");
    writeFile(script, STAMPER, 0o755);
    services.push({ name: "r", argv: [sh, script, stamps], fastRestart: true });
  });
  const t0 = performance.now();
  t.launch();
  let seen = 0;
  let lastNew = t0;
  // enough intervals; or the time budget spent once there are 3; or no new start for 5 s (a
  // kind that gave up restarting)
  await t.until(
    `${s.restarts} restarts`,
    () => {
      const count = stampsIn(stamps).length;
      const now = performance.now();
      if (count !== seen) (seen = count), (lastNew = now);
      return count > s.restarts || (count > 3 && now - t0 > s.restartTimeS * 1000) || now - lastNew > 5000;
    },
    s.restartTimeS * 1000 + s.timeoutMs,
  );
  const starts = stampsIn(stamps).slice(0, s.restarts + 1);
  const gaps = starts.slice(1).map((at, i) => (at - starts[i]!) * 1000);
  if (gaps.length < 3) throw new Error(`only ${starts.length} start(s) seen in ${((performance.now() - t0) / 1000).toFixed(0)} s: ${t.lastLine()}`);
  return { median: quantile(gaps, 0.5), p90: quantile(gaps, 0.9), count: gaps.length };
}

export { TimedOut };
