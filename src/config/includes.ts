/**
 * @module config/includes
 * Reads a service file with its `@include`/`@include-opt` fragments into one list of
 * statements, each tagged with the file it came from. Include paths get pre-load
 * substitution (bosun's environment and `$1`) and resolve against the including file's
 * directory; a cycle or a nesting deeper than MAX_INCLUDE_DEPTH is an error.
 */
import { dirname, relative, resolve } from "node:path";
import { realpathSync } from "node:fs";
import { readTextFile, FileProblem } from "./files.ts";
import { lex, type Statement } from "./lexer.ts";
import { error, type Problem } from "./problems.ts";
import { substituteText, type Resolver } from "./substitute.ts";
import { readValue, ValueError } from "./value.ts";

const MAX_INCLUDE_DEPTH = 8;

/** A statement with the file it was written in. */
export type Located = Statement & { file: string };

/** The real path, for cycle detection; one that cannot be resolved stays as written (reading it says why). */
function realpath(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}

/**
 * Reads `file` and everything it includes. Problems carry file and line (not the service).
 *
 * @example
 * readWithIncludes("/s/web", { lookup: () => undefined, arg: null })
 * // { statements: [{ kind: "setting", name: "type", ..., file: "/s/web" }, ...], problems: [] }
 */
export function readWithIncludes(file: string, preload: Resolver): { statements: Located[]; problems: Problem[] } {
  const statements: Located[] = [];
  const problems: Problem[] = [];

  const visit = (path: string, chain: string[], from: { file: string; line: number } | null, optional: boolean) => {
    let text: string;
    try {
      text = readTextFile(path);
    } catch (e) {
      if (!(e instanceof FileProblem)) throw e;
      if (optional && e.code === "ENOENT") return;
      const prefix = from ? "cannot include: " : "";
      problems.push(error(from?.file ?? path, from?.line ?? null, null, `${prefix}${e.message}`));
      return;
    }
    const lexed = lex(text, path);
    problems.push(...lexed.problems);
    for (const s of lexed.statements) {
      if (s.kind !== "include") {
        statements.push({ ...s, file: path });
        continue;
      }
      const directive = s.optional ? "@include-opt" : "@include";
      let target: string;
      try {
        const value = readValue(s.value);
        if (value.parts.length !== 1) throw new ValueError(`${directive} takes exactly one path`);
        target = resolve(dirname(path), substituteText(value.parts[0]!, preload));
      } catch (e) {
        if (!(e instanceof ValueError)) throw e;
        problems.push(error(path, s.line, null, `${directive}: ${e.message}`));
        continue;
      }
      // real paths only once there is an include: a service file without one (nearly all) costs none
      const reals = chain.map(realpath);
      const real = realpath(target);
      if (reals.includes(real)) {
        problems.push(error(path, s.line, null, `${directive} ${target}: include cycle (${[...reals, real].map((p) => relative(dirname(reals[0]!), p)).join(" -> ")}); remove one of the includes`));
      } else if (chain.length > MAX_INCLUDE_DEPTH) {
        problems.push(error(path, s.line, null, `${directive} ${target}: includes nest deeper than ${MAX_INCLUDE_DEPTH} levels`));
      } else {
        visit(target, [...chain, target], { file: path, line: s.line }, s.optional);
      }
    }
  };
  visit(file, [file], null, false);
  return { statements, problems };
}
