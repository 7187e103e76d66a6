/**
 * @module config/lexer
 * Splits the text of one service description file into statements: settings
 * (`name = value`, `name: value`, `name += value`) and meta-commands (`@include`,
 * `@include-opt`, `@meta`), each with the line it starts on. Joins backslash-continued lines
 * the way dinit does (the next line must begin with whitespace). Values stay raw here;
 * config/value splits them into parts.
 */
import { error, type Problem } from "./problems.ts";
import { isSpace } from "./value.ts";

/** An assignment operator: `:` and `=` mean the same to bosun; `+=` appends. */
export type SettingOp = "=" | ":" | "+=";

/** One logical line of a service file. `value` is raw (quotes and escapes still in it). */
export type Statement =
  | { kind: "setting"; name: string; op: SettingOp; value: string; line: number }
  | { kind: "include"; optional: boolean; value: string; line: number }
  | { kind: "meta"; value: string; line: number };

/** A physical line longer than this is refused: no real service file comes near it. */
const MAX_LINE_LENGTH = 64 * 1024;

const NAME_START = /[A-Za-z_\u0080-\uFFFF]/;
const NAME_CHAR = /[A-Za-z0-9_.\-\u0080-\uFFFF]/;

/** Reads a setting or meta-command name at `i` (dinit's rule: no leading digit, '-' or '.'). */
function readName(text: string, i: number): number {
  if (i >= text.length || !NAME_START.test(text[i]!)) return i;
  let j = i + 1;
  while (j < text.length && NAME_CHAR.test(text[j]!)) j++;
  return j;
}

function skipSpace(text: string, i: number): number {
  while (i < text.length && isSpace(text[i])) i++;
  return i;
}

/** Counts the backslashes ending `line`: an odd count means the last one continues the line. */
function endsWithContinuation(line: string): boolean {
  let n = 0;
  for (let k = line.length - 1; k >= 0 && line[k] === "\\"; k--) n++;
  return n % 2 === 1;
}

/**
 * Lexes a file's text into statements. Bad lines become problems (with `file` and line) and
 * are skipped, so one run reports every bad line.
 *
 * @example
 * lex("type = process\ncommand = /bin/sleep 10\n", "/s/x").statements
 * // [{ kind: "setting", name: "type", op: "=", value: "process", line: 1 }, { ..., name: "command", ... }]
 */
export function lex(text: string, file: string): { statements: Statement[]; problems: Problem[] } {
  const statements: Statement[] = [];
  const problems: Problem[] = [];
  const lines = text.split("\n");
  if (lines.length > 0 && lines[lines.length - 1] === "") lines.pop();
  const bad = (line: number, message: string) => problems.push(error(file, line, null, message));

  for (let n = 0; n < lines.length; n++) {
    const start = n + 1;
    let line = lines[n]!;
    if (line.endsWith("\r")) line = line.slice(0, -1);
    if (line.length > MAX_LINE_LENGTH) {
      bad(start, `line is ${line.length} characters long (the limit is ${MAX_LINE_LENGTH}); split it with backslash continuations`);
      continue;
    }
    if (line.includes("\0")) {
      bad(start, "line contains a NUL byte: this does not look like a service description (a binary file?)");
      continue;
    }
    let broken = false;
    while (endsWithContinuation(line)) {
      const next = lines[n + 1];
      if (next === undefined) {
        bad(n + 1, "the file ends right after a line-continuation backslash ('\\'); remove it or add the continued line");
        broken = true;
        break;
      }
      n++;
      if (!isSpace(next[0])) {
        bad(n + 1, "a line continued with a backslash ('\\') must be followed by a line that begins with whitespace");
        broken = true;
        break;
      }
      if (next.length > MAX_LINE_LENGTH || next.includes("\0")) {
        bad(n + 1, "continued line is too long or contains a NUL byte");
        broken = true;
        break;
      }
      line = line.slice(0, -1) + "\n" + next.replace(/\r$/, "");
    }
    if (broken) continue;

    let i = skipSpace(line, 0);
    if (i >= line.length || line[i] === "#") continue;

    if (line[i] === "@") {
      const end = readName(line, i + 1);
      const command = line.slice(i + 1, end);
      const value = line.slice(skipSpace(line, end));
      if (command === "include" || command === "include-opt") {
        statements.push({ kind: "include", optional: command === "include-opt", value, line: start });
      } else if (command === "meta") {
        statements.push({ kind: "meta", value, line: start });
      } else {
        bad(start, `unknown meta-command '@${command}': bosun knows @include, @include-opt and @meta`);
      }
      continue;
    }

    const end = readName(line, i);
    const name = line.slice(i, end);
    i = skipSpace(line, end);
    let op: SettingOp | null = null;
    if (name !== "") {
      if (line[i] === "=" || line[i] === ":") op = line[i] as SettingOp;
      else if (line[i] === "+" && line[i + 1] === "=") op = "+=";
    }
    if (op === null) {
      const shown = line.trim().slice(0, 60);
      bad(start, `badly formed line '${shown}': expected 'setting = value', 'setting: value' or a '#' comment`);
      continue;
    }
    i = skipSpace(line, i + op.length);
    statements.push({ kind: "setting", name, op, value: line.slice(i), line: start });
  }
  return { statements, problems };
}
