/**
 * @module config/substitute
 * dinit's variable substitution, applied to value parts after quotes and escapes are gone:
 * `$NAME`, `${NAME}`, `${NAME:-word}`, `${NAME-word}`, `${NAME:+word}`, `${NAME+word}`,
 * `$/NAME` (the value is split into words at whitespace), `$$` (a literal `$`) and `$1` (the
 * argument of a template instance `base@arg`). A `$` followed by anything else is an error, as
 * in dinit, so a stray `$` in a shell snippet is caught at load time instead of vanishing.
 */
import { isSpace, ValueError } from "./value.ts";

/** Where variable values come from: an environment lookup and the template argument. */
export interface Resolver {
  lookup(name: string): string | undefined;
  /** The `arg` of `base@arg`; null for a service that is not a template instance. */
  arg: string | null;
}

// dinit's variable names: no '-' or '.', '_' and letters/digits (and bytes >= 0x80) only.
const VAR_START = /[A-Za-z_\u0080-\uFFFF]/;
const VAR_CHAR = /[A-Za-z0-9_\u0080-\uFFFF]/;

interface Reference {
  split: boolean;
  value: string;
  end: number;
}

/** Parses the reference starting at `part[at] === "$"` (not `$$`) and resolves it. */
function reference(part: string, at: number, r: Resolver): Reference {
  let i = at + 1;
  const split = part[i] === "/";
  if (split) i++;
  const brace = part[i] === "{";
  if (brace) i++;
  const nameStart = i;
  let isArg = false;
  if (/[0-9]/.test(part[i] ?? "")) {
    while (/[0-9]/.test(part[i] ?? "")) i++;
    isArg = true;
  } else if (VAR_START.test(part[i] ?? "")) {
    while (i < part.length && VAR_CHAR.test(part[i]!)) i++;
  }
  const name = part.slice(nameStart, i);
  if (name === "") {
    throw new ValueError(
      `'$' must be followed by a variable name, '{NAME}' or '/NAME'; write '$$' for a literal '$'`,
    );
  }
  if (isArg && name !== "1") throw new ValueError(`'$${name}': a service has one argument only, '$1'`);
  let mode: "" | "-" | "+" = "";
  let colon = false;
  let alt = "";
  if (brace) {
    if (part[i] === ":") {
      colon = true;
      i++;
      if (part[i] !== "-" && part[i] !== "+") throw new ValueError(`invalid substitution '\${${name}:...}': ':' must be followed by '-' or '+'`);
    }
    if (part[i] === "-" || part[i] === "+") {
      mode = part[i] as "-" | "+";
      const close = part.indexOf("}", i + 1);
      alt = part.slice(i + 1, close < 0 ? part.length : close);
      i = close < 0 ? part.length : close;
    }
    if (part[i] !== "}") throw new ValueError(`unmatched '{' in '\${${name}...': add the closing '}'`);
    i++;
  }
  const found = isArg ? (r.arg ?? undefined) : r.lookup(name);
  let value = found ?? "";
  if (mode === "-") {
    if (found === undefined || (colon && found === "")) value = alt;
  } else if (mode === "+") {
    value = found !== undefined && (!colon || found !== "") ? alt : "";
  } else if (isArg && found === undefined) {
    throw new ValueError("'$1' is used but this service is not a template instance (name@arg); write '$$1' for a literal '$1'");
  }
  return { split, value, end: i };
}

/** Substitutes one part; `$/NAME` may turn it into several words (or none). */
function substitutePart(part: string, r: Resolver, words: string[]): void {
  let cur = "";
  // dinit's rule for empty results: `$X` that is empty still makes an (empty) argument,
  // `$/X` that is empty makes none.
  let inhibitCollapse = false;
  let collapse = false;
  let i = 0;
  while (i < part.length) {
    const dollar = part.indexOf("$", i);
    if (dollar < 0) {
      cur += part.slice(i);
      break;
    }
    cur += part.slice(i, dollar);
    if (part[dollar + 1] === "$") {
      cur += "$";
      i = dollar + 2;
      continue;
    }
    const ref = reference(part, dollar, r);
    i = ref.end;
    if (!ref.split) {
      cur += ref.value;
      inhibitCollapse = true;
      collapse = false;
      continue;
    }
    let k = 0;
    const v = ref.value;
    for (;;) {
      let ws = k;
      while (ws < v.length && !isSpace(v[ws])) ws++;
      if (ws >= v.length) break;
      cur += v.slice(k, ws);
      if (cur !== "" || inhibitCollapse) {
        words.push(cur);
        cur = "";
      }
      k = ws;
      while (k < v.length && isSpace(v[k])) k++;
      inhibitCollapse = false;
    }
    cur += v.slice(k);
    collapse = !inhibitCollapse;
  }
  if (!(collapse && cur === "")) words.push(cur);
}

/**
 * Substitutes every part of a command-like value, returning the final argv words.
 *
 * @example
 * substituteWords(["echo", "$/OPTS", "${NAME:-none}"], { lookup: (n) => ({ OPTS: "-a  -b" })[n], arg: null })
 * // ["echo", "-a", "-b", "none"]
 */
export function substituteWords(parts: string[], r: Resolver): string[] {
  const words: string[] = [];
  for (const part of parts) substitutePart(part, r, words);
  return words;
}

/**
 * Substitutes a one-word value (a path, a service name): the whole text is one unit.
 *
 * @example
 * substituteText("logger@$1", { lookup: () => undefined, arg: "web" }) // "logger@web"
 */
export function substituteText(text: string, r: Resolver): string {
  return substituteWords([text], r).join(" ");
}

/**
 * The variables a value refers to, by name (`$1` is not one: the instance's name fixes it),
 * e.g. to tell a path written in full from one that depends on bosun's environment.
 *
 * @example
 * variablesIn(["${HOME}/run/$1", "$$LITERAL"]) // ["HOME"]
 */
export function variablesIn(parts: string[]): string[] {
  const names: string[] = [];
  substituteWords(parts, {
    lookup: (name) => {
      names.push(name);
      return undefined;
    },
    arg: "",
  });
  return names;
}
