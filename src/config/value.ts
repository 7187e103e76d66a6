/**
 * @module config/value
 * Reads a raw setting value into its parts, by dinit's rules: unquoted whitespace separates
 * parts (and collapses), `"..."` protects whitespace and `#`, a backslash takes the next
 * character literally (inside quotes too), a `#` after whitespace starts a comment, and a `#`
 * glued to a value is an error (dinit refuses it to catch accidental comments). Single quotes
 * are ordinary characters. Variable substitution (config/substitute) runs on the parts after
 * this, so `$` is untouched here.
 */

/** A value split into parts; `text` is the parts joined by single spaces (for one-word settings). */
export interface Value {
  parts: string[];
  text: string;
}

/** A value that cannot be read; the caller adds the file, line and service. */
export class ValueError extends Error {}

/** dinit's whitespace (C's isspace in the "C" locale), shared by the lexer, the value reader and substitution. */
export const isSpace = (c: string | undefined) => c === " " || c === "\t" || c === "\n" || c === "\r" || c === "\f" || c === "\v";

/**
 * Splits a raw value into parts.
 *
 * @example
 * readValue(`/bin/sh -c "echo a  b" # comment`) // { parts: ["/bin/sh", "-c", "echo a  b"], text: "/bin/sh -c echo a  b" }
 */
export function readValue(raw: string): Value {
  const parts: string[] = [];
  let part: string | null = null;
  let i = 0;
  while (i < raw.length) {
    const c = raw[i]!;
    if (c === '"') {
      part ??= "";
      i++;
      while (i < raw.length && raw[i] !== '"') {
        if (raw[i] === "\\") i++;
        if (i < raw.length) part += raw[i];
        i++;
      }
      if (i >= raw.length) throw new ValueError("unterminated quoted string: add the closing '\"'");
      i++;
    } else if (c === "\\") {
      if (i + 1 >= raw.length) throw new ValueError("a backslash at the end of a value escapes nothing");
      part = (part ?? "") + raw[i + 1];
      i += 2;
    } else if (isSpace(c)) {
      if (part !== null) parts.push(part);
      part = null;
      // dinit's rule: after whitespace, a '#' comments out the rest of that physical line only,
      // so a continued value can carry comments between its lines.
      while (i < raw.length) {
        if (raw[i] === "#") {
          while (i < raw.length && raw[i] !== "\n") i++;
        } else if (isSpace(raw[i])) i++;
        else break;
      }
    } else if (c === "#") {
      throw new ValueError("a '#' comment must be separated from the value by whitespace (quote or escape '#' to use it in a value)");
    } else {
      part = (part ?? "") + c;
      i++;
    }
  }
  if (part !== null) parts.push(part);
  return { parts, text: parts.join(" ") };
}
