/**
 * @module config/units
 * Parsers for the scalar kinds of setting values: booleans, dinit's numbers (decimal, 0x hex,
 * 0 octal), durations in seconds, octal modes, byte sizes and rlimits. Each returns the value
 * or throws a ValueError saying what is accepted.
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
