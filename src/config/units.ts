/**
 * @module config/units
 * Parsers for the scalar kinds of setting values: booleans, dinit's numbers (decimal, 0x hex,
 * 0 octal), durations in seconds, octal modes, byte sizes, rlimits and CPU quotas. Each returns
 * the value or throws a ValueError saying what is accepted. `formatSize` writes a size back in
 * the units `parseSize` reads.
 */
import type { Rlimit } from "./schema.ts";
import { ValueError } from "./value.ts";

/**
 * `yes`/`true` or `no`/`false`, as dinit spells booleans.
 *
 * @example
 * parseBool("true") // true
 */
export function parseBool(text: string): boolean {
  if (text === "yes" || text === "true") return true;
  if (text === "no" || text === "false") return false;
  throw new ValueError(`'${text}' is not a boolean: use yes, true, no or false`);
}

/**
 * An integer as C's strtoll base 0 reads it (dinit's rule): `10`, `0x1f`, `017` (octal).
 *
 * @example
 * parseInteger("0x10") // 16
 */
export function parseInteger(text: string): number {
  const m = /^([+-]?)(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)$/.exec(text);
  if (!m) throw new ValueError(`'${text}' is not a whole number`);
  const digits = m[2]!;
  const n = /^0[xX]/.test(digits) ? parseInt(digits.slice(2), 16) : digits.length > 1 && digits[0] === "0" ? parseInt(digits, 8) : parseInt(digits, 10);
  if (!Number.isSafeInteger(n)) throw new ValueError(`'${text}' is too large`);
  return m[1] === "-" ? -n : n;
}

/** A non-negative integer (dinit's unsigned settings). */
export function parseUnsigned(text: string): number {
  const n = parseInteger(text);
  if (n < 0 || text.startsWith("-")) throw new ValueError(`'${text}' must not be negative`);
  return n;
}

const DURATION_UNITS: Record<string, number> = { "": 1, ms: 0.001, s: 1, m: 60, min: 60, h: 3600 };

/**
 * Seconds, as dinit writes them (`10`, `0.5`, `1,5`); bosun also takes a unit suffix
 * (`500ms`, `30s`, `5m`, `1h`).
 *
 * @example
 * parseSeconds("1,5") // 1.5
 * parseSeconds("500ms") // 0.5
 */
export function parseSeconds(text: string): number {
  const m = /^(\d+(?:[.,]\d*)?|[.,]\d+)(ms|s|min|m|h)?$/.exec(text);
  if (!m) throw new ValueError(`'${text}' is not a duration: write seconds like 10 or 0.5 (or with a unit: 500ms, 30s, 5m, 1h)`);
  return Number(m[1]!.replace(",", ".")) * DURATION_UNITS[m[2] ?? ""]!;
}

/**
 * An octal file mode such as `0600` or `666`.
 *
 * @example
 * parseMode("0640") // 0o640
 */
export function parseMode(text: string): number {
  if (!/^[0-7]+$/.test(text)) throw new ValueError(`'${text}' is not an octal mode like 0600`);
  return parseInt(text, 8);
}

const SIZE_UNITS: Record<string, number> = { "": 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3, T: 1024 ** 4 };

/**
 * A size in bytes with an optional binary unit: `4096`, `512K`, `512M`, `1G`, `1.5GiB`.
 *
 * @example
 * parseSize("512M") // 536870912
 */
export function parseSize(text: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([KMGT]?)(?:i?B)?$/i.exec(text);
  if (!m) throw new ValueError(`'${text}' is not a size: write bytes like 4096 or with a unit: 512K, 64M, 1G`);
  const n = Math.floor(Number(m[1]) * SIZE_UNITS[m[2]!.toUpperCase()]!);
  if (!Number.isSafeInteger(n)) throw new ValueError(`'${text}' is too large`);
  return n;
}

/**
 * A size for people, in the units `parseSize` reads: whole units when exact, else one decimal.
 *
 * @example
 * formatSize(536870912) // "512M"
 * formatSize(43200000) // "41.2M"
 */
export function formatSize(bytes: number): string {
  for (const unit of ["T", "G", "M", "K"]) {
    const n = bytes / SIZE_UNITS[unit]!;
    if (n >= 1) return `${Number.isInteger(n) ? n : n.toFixed(1).replace(/\.0$/, "")}${unit}`;
  }
  return `${bytes}B`;
}

/** The kernel's bounds for a CPU bandwidth period and the smallest quota, in microseconds. */
const CPU_PERIOD_MIN = 1000;
const CPU_PERIOD_MAX = 1_000_000;
const CPU_QUOTA_MIN = 1000;

/**
 * `cpu-max`: a share of one CPU (`50%`, `150%` for one and a half) or cgroup v2's
 * `QUOTA PERIOD` in microseconds; `max` (or `max PERIOD`) is no limit (null). The result is
 * `QUOTA PERIOD` as cgroup v2's cpu.max reads it. Bounds are the kernel's: a period of 1 ms
 * to 1 s, a quota of at least 1 ms, so the kernel never refuses the value at start.
 *
 * @example
 * parseCpuMax("50%") // "50000 100000"
 * parseCpuMax("20000 50000") // "20000 50000"
 * parseCpuMax("max") // null
 */
export function parseCpuMax(text: string): string | null {
  if (text === "max") return null;
  const pct = /^(\d+(?:\.\d+)?)%$/.exec(text);
  if (pct) {
    const quota = Math.round(Number(pct[1]) * 1000);
    if (quota < CPU_QUOTA_MIN) throw new ValueError(`cpu-max ${text} is below 1% of one CPU`);
    return `${quota} 100000`;
  }
  const pair = /^(max|\d+)\s+(\d+)$/.exec(text);
  if (!pair) throw new ValueError(`'${text}' is not a CPU limit: write a share of one CPU like 50% or 200%, or 'QUOTA PERIOD' in microseconds like '50000 100000', or max`);
  const period = Number(pair[2]);
  if (period < CPU_PERIOD_MIN || period > CPU_PERIOD_MAX) throw new ValueError(`cpu-max period ${pair[2]} is outside 1000 to 1000000 microseconds (1 ms to 1 s)`);
  if (pair[1] === "max") return null;
  const quota = Number(pair[1]);
  if (!Number.isSafeInteger(quota)) throw new ValueError(`cpu-max quota ${pair[1]} is too large`);
  if (quota < CPU_QUOTA_MIN) throw new ValueError(`cpu-max quota ${pair[1]} is below the kernel's minimum of 1000 microseconds (1 ms)`);
  return `${quota} ${period}`;
}

function rlimitSide(text: string): number | "unlimited" {
  if (text === "-" || text === "unlimited" || text === "infinity") return "unlimited";
  return parseUnsigned(text);
}

/**
 * dinit's rlimit syntax: `soft:hard`, one value for both, `-` for unlimited, an empty side
 * left unchanged (null).
 *
 * @example
 * parseRlimit("1024:-") // { soft: 1024, hard: "unlimited" }
 * parseRlimit("512:") // { soft: 512, hard: null }
 */
export function parseRlimit(text: string): Rlimit {
  if (text === "") throw new ValueError("an rlimit needs a value: 'soft:hard', one number for both, '-' for unlimited");
  const colon = text.indexOf(":");
  if (colon < 0) {
    const both = rlimitSide(text);
    return { soft: both, hard: both };
  }
  const soft = text.slice(0, colon);
  const hard = text.slice(colon + 1);
  return { soft: soft === "" ? null : rlimitSide(soft), hard: hard === "" ? null : rlimitSide(hard) };
}
