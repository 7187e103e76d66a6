/**
 * @module bench/results
 * What a run measured: per (scenario, kind, size) the figures of each repetition, the failures,
 * and the sizes cut short after a timeout; and the results of bosun's own benchmarks.
 */
import { type Spread, spread } from "./stats.ts";

/** One repetition's figures, by name (numbers, or a word such as an exit status). */
export type Figures = Record<string, number | string>;

/** A figure of bosun's own benchmarks: every sample, in one unit. */
export interface OwnRow {
  label: string;
  unit: string;
  samples: number[];
  /** What it is compared with, or why it is what it is. */
  note?: string;
}

/** The outcome of one of bosun's own benchmarks: rows, or why it could not run. */
export interface OwnResult {
  /** The scenario's name (cli, logs, engine, floor). */
  name: string;
  title: string;
  /** One or two sentences: what was measured and how. */
  method: string;
  rows: OwnRow[];
  failure?: string;
}

/** The measurements of the peer scenarios, filled in as the run goes. */
export class PeerResults {
  private readonly figures = new Map<string, Figures[]>();
  private readonly failures = new Map<string, string[]>();
  /** (kind, size) pairs whose start or memory run timed out: their later repetitions are skipped. */
  readonly trimmed = new Map<string, string>();

  private static key(scenario: string, kind: string, n: number): string {
    return `${scenario}|${kind}|${n}`;
  }

  add(scenario: string, kind: string, n: number, f: Figures): void {
    const k = PeerResults.key(scenario, kind, n);
    this.figures.set(k, [...(this.figures.get(k) ?? []), f]);
  }

  fail(scenario: string, kind: string, n: number, message: string): void {
    const k = PeerResults.key(scenario, kind, n);
    this.failures.set(k, [...(this.failures.get(k) ?? []), message]);
  }

  /** Every repetition that succeeded. */
  runs(scenario: string, kind: string, n: number): Figures[] {
    return this.figures.get(PeerResults.key(scenario, kind, n)) ?? [];
  }

  /** Why repetitions failed (empty when none did). */
  errors(scenario: string, kind: string, n: number): string[] {
    return this.failures.get(PeerResults.key(scenario, kind, n)) ?? [];
  }

  /** Median and range of a numeric figure over the repetitions; undefined when none succeeded. */
  spread(scenario: string, kind: string, n: number, field: string): Spread | undefined {
    const values = this.runs(scenario, kind, n)
      .map((f) => f[field])
      .filter((x): x is number => typeof x === "number");
    return values.length > 0 ? spread(values) : undefined;
  }
}
