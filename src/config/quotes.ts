/**
 * @module config/quotes
 * Single quotes in a command line. In a service file only double quotes group words, so
 * `command = /bin/sh -c 'echo hi; sleep 1'` hands sh the words `'echo`, `hi;`, `sleep` and
 * `1'`, and sh fails at run time. This spots spans quoted the shell's way (a `'` opening a word,
 * the next `'` ending one, outside double quotes) and gives the same line with each such span
 * in double quotes: everything else in it (`$`, backslashes) reads as before.
 */
import type { SettingOp } from "./lexer.ts";
import { isSpace, readValue } from "./value.ts";

/**
 * The warning for a command line with shell-style single quotes, or null when it has none.
 *
 * @example
 * singleQuoteHint("command", "=", "/bin/sh -c 'echo hi'")
 * // "single quotes are ordinary characters in a service file (...), so the program gets 'echo hi' as 2 words,
 * //  quotes included; write: command = /bin/sh -c \"echo hi\""
 */
export function singleQuoteHint(setting: string, op: SettingOp, raw: string): string | null {
  const spans: string[] = [];
  let fixed = "";
  let inDouble = false;
  let i = 0;
  while (i < raw.length) {
    const c = raw[i]!;
    if (c === "\\") {
      fixed += raw.slice(i, i + 2);
      i += 2;
      continue;
    }
    if (c === '"') inDouble = !inDouble;
    const close = c === "'" && !inDouble ? closingQuote(raw, i) : -1;
    if (close < 0) {
      fixed += c;
      i++;
      continue;
    }
    const inner = raw.slice(i + 1, close);
    spans.push(raw.slice(i, close + 1));
    fixed += `"${inner.replaceAll('"', '\\"')}"`;
    i = close + 1;
  }
  if (spans.length === 0) return null;
  const words = (span: string) => {
    const n = readValue(span.replaceAll('"', "")).parts.length;
    return `${span} as ${n} word${n === 1 ? "" : "s"}`;
  };
  const written = op === ":" ? `${setting}:` : `${setting} ${op}`;
  return (
    `single quotes are ordinary characters in a service file (only double quotes group words), so the program gets ` +
    `${spans.map(words).join(" and ")}, quotes included; write: ${written} ${fixed.replace(/\s*\n\s*/g, " ")}`
  );
}

/** Where the span a `'` at `at` opens ends, as a shell reads it; -1 when it opens none. */
function closingQuote(raw: string, at: number): number {
  const before = raw[at - 1];
  if (at > 0 && !isSpace(before) && before !== "=") return -1;
  const close = raw.indexOf("'", at + 1);
  if (close < 0 || raw.slice(at, close).includes("\n")) return -1;
  const after = raw[close + 1];
  return after === undefined || isSpace(after) ? close : -1;
}
