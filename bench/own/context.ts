/**
 * @module bench/own/context
 * What bosun's own benchmarks get from the run, and how each one also runs alone
 * (`bun bench/own/cli.ts [--quick]`).
 */
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { join } from "node:path";
import { COMPILED } from "../kinds/bosun.ts";
import type { OwnResult } from "../results.ts";
import { num, spread } from "../stats.ts";

export interface OwnContext {
  /** Smaller sizes and fewer samples: a smoke run. */
  quick: boolean;
  /** Repetitions of measurements that are repeated (each one's samples are shown with their spread). */
  reps: number;
  /** Seconds a process is left to settle before its memory is read. */
  settleS: number;
  /** The longest any wait may take. */
  timeoutMs: number;
  /** The compiled bosun, or null when it could not be built. */
  compiled: string | null;
  /** The Bun to run sources with. */
  bun: string;
}

/** A benchmark of bosun's own: measures and returns its rows. */
export type OwnBench = (ctx: OwnContext) => Promise<OwnResult>;

/** A fresh directory under `parent`, removed when disposed. */
export function scratch(parent: string, prefix: string): { dir: string; [Symbol.dispose](): void } {
  const dir = mkdtempSync(join(parent, prefix));
  return { dir, [Symbol.dispose]: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Runs one benchmark by itself (its module's main) and prints its rows. */
export async function runAlone(bench: OwnBench): Promise<void> {
  const quick = process.argv.includes("--quick");
  const r = await bench({ quick, reps: quick ? 1 : 3, settleS: quick ? 0.5 : 3, timeoutMs: 120_000, compiled: existsSync(COMPILED) ? COMPILED : null, bun: process.execPath });
  console.log(r.title);
  if (r.failure) console.log(`not measured: ${r.failure}`);
  for (const row of r.rows) {
    const s = row.samples.length ? spread(row.samples) : null;
    console.log(`  ${row.label.padEnd(56)} ${s ? `${num(s.median)} (${num(s.min)}–${num(s.max)})` : "–"} ${row.unit}${row.note ? `  ${row.note}` : ""}`);
  }
}
