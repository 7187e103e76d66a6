/**
 * @module bench/stats
 * Summaries of repeated measurements and the number formats of the tables.
 */

/** The q-quantile of values (sorted here), interpolated between neighbours. */
export function quantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (sorted.length - 1) * q;
  const lo = Math.floor(at);
  return sorted[lo]! + (sorted[Math.ceil(at)]! - sorted[lo]!) * (at - lo);
}

/** Median and range of a non-empty list. */
export interface Spread {
  median: number;
  min: number;
  max: number;
}

/** Median, min and max of values. */
export function spread(values: number[]): Spread {
  return { median: quantile(values, 0.5), min: Math.min(...values), max: Math.max(...values) };
}

/** Three significant digits at most, no exponent: 1783, 166, 45.6, 2.91, 0.007. */
export function num(x: number): string {
  if (!Number.isFinite(x)) return "–";
  const a = Math.abs(x);
  if (a >= 100) return x.toFixed(0);
  if (a >= 10) return x.toFixed(1);
  if (a >= 1 || a === 0) return x.toFixed(2);
  return x.toPrecision(2);
}

/** A count: whole numbers as they are, a median between two counts with one decimal. */
export function count(x: number): string {
  return Number.isInteger(x) ? String(x) : x.toFixed(1);
}

/** "median (min–max)" in one unit; just the median when there was one value. */
export function showSpread(s: Spread, unit = ""): string {
  const u = unit ? ` ${unit}` : "";
  return s.min === s.max ? `${num(s.median)}${u}` : `${num(s.median)}${u} (${num(s.min)}–${num(s.max)})`;
}

/** A ratio such as 1.63×, or – when either side is missing. */
export function showRatio(value: number | undefined, base: number | undefined): string {
  if (value === undefined || base === undefined || base === 0) return "–";
  const r = value / base;
  return `${r >= 0.1 ? r.toFixed(2) : r.toPrecision(2)}×`;
}
