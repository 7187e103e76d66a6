/**
 * @module cli/tasks
 * What the control commands show of scheduled services, and `bosun run`: the status lines
 * (schedule, next run, the run going, the last run, counts), the list's cell (the run going or
 * the next due time), and a run asked for now, followed on the event stream to its end. Due
 * times are shown in the schedule's timezone with their UTC offset (config/due.ts: the cron
 * library is not needed to show them). cli/control loads this module only when a task is on
 * screen or run.
 */
import type { ConsolaInstance } from "consola";
import { formatDue } from "../config/due.ts";
import { describeExit } from "../engine/outcome.ts";
import type { Client } from "../control/client.ts";
import { ActionResult, type ServiceJson, type TaskJson } from "../control/answers.ts";

/** `1h 2m 3s` for a span in ms (`0s` for none). */
function span(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  const parts = [Math.floor(s / 86400) && `${Math.floor(s / 86400)}d`, Math.floor((s % 86400) / 3600) && `${Math.floor((s % 86400) / 3600)}h`, Math.floor((s % 3600) / 60) && `${Math.floor((s % 3600) / 60)}m`, `${s % 60}s`];
  return parts.filter(Boolean).join(" ");
}

/** A run's result with its exit or launch failure: `failed (exited with 1)`. */
function outcome(run: NonNullable<TaskJson["last"]>): string {
  const why = run.failure?.message ?? (run.exit ? describeExit(run.exit) : null);
  return why ? `${run.result} (${why})` : run.result;
}

/**
 * The status lines of a scheduled service, in the layout of `bosun status`.
 *
 * @example
 * taskLines(task, Date.now()) // ["  schedule:   @hourly (UTC)", "  next run:   2025-05-14 11:00:00 +00:00 (in 40m 0s)", ...]
 */
export function taskLines(task: TaskJson, now: number): string[] {
  const at = (ms: number) => formatDue(ms, task.timezone);
  const lines = [`  schedule:   ${task.schedule}${task.timezone ? ` (${task.timezone})` : ""}`];
  lines.push(`  next run:   ${task.next === null ? "none (the task is not started)" : `${at(task.next)} (in ${span(task.next - now)})`}`);
  if (task.running) lines.push(`  running:    run ${task.running.number} since ${at(task.running.start)} (${span(now - task.running.start)}${task.running.byHand ? ", bosun run" : ""})${task.queued ? "; another waits" : ""}`);
  if (task.last) {
    const last = task.last;
    lines.push(`  last run:   run ${last.number} at ${at(last.start)}, ${span(last.end - last.start)}: ${outcome(last)}${last.byHand ? " (bosun run)" : ""}`);
  }
  lines.push(`  runs:       ${task.runs} (${task.failures} failed, ${task.skipped} skipped)`);
  return lines;
}

/**
 * The list's cell for a scheduled service: the run going, else when the next one is due.
 *
 * @example
 * taskCell(service) // "next 2025-05-14 11:00:00 +00:00"
 */
export function taskCell(s: ServiceJson & { task: TaskJson }): string {
  if (s.pid !== null && s.task.running) return `pid ${s.pid} (run ${s.task.running.number})`;
  if (s.task.running) return `run ${s.task.running.number}`;
  return s.task.next === null ? "" : `next ${formatDue(s.task.next, s.task.timezone)}`;
}

/**
 * `bosun run NAME`: asks for a run now and, unless `wait` is false, follows the event stream
 * until that run ends: 0 when it succeeded, 1 when it failed, timed out, could not start, or
 * the task stopped first.
 */
export async function runTask(c: Client, name: string, wait: boolean, say: () => Promise<ConsolaInstance>): Promise<number> {
  const events = wait ? await c.events() : null;
  const result = await c.post(`/v1/services/${encodeURIComponent(name)}/run`, {}, ActionResult).catch(async (e: unknown) => {
    await events?.return(undefined);
    throw e;
  });
  const { number, queued } = result.run!;
  const asked = queued ? `run ${number} queued: it starts when the run going ends` : `run ${number} started`;
  if (!events) {
    (await say()).success(`${name}: ${asked}`);
    return 0;
  }
  (await say()).info(`${name}: ${asked}`);
  let started = !queued;
  try {
    for await (const e of events) {
      if (e.service !== name) continue;
      if (e.run?.number === number && e.run.phase === "started") started = true;
      if (e.run?.number === number && e.run.phase === "ended") {
        if (e.run.result === "ok") (await say()).success(`${name}: ${e.note}`);
        else (await say()).fail(`${name}: ${e.note}`);
        return e.run.result === "ok" ? 0 : 1;
      }
      if (!started && e.run === null && e.state !== "started") {
        (await say()).fail(`${name} is ${e.state}: run ${number} will not start`);
        return 1;
      }
    }
  } finally {
    await events.return(undefined);
  }
  (await say()).fail(`bosun closed the event stream before run ${number} of ${name} ended`);
  return 1;
}
