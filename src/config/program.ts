/**
 * @module config/program
 * Finding the program a command names, as execvp does: a name with a `/` is a path (relative to
 * the working directory), any other name is looked up in PATH. `check` reports what it finds and
 * the launcher execs it, so both follow one rule and share one default PATH.
 */
import { accessSync, constants, statSync } from "node:fs";
import { delimiter, join, resolve } from "node:path";

/** The PATH a service gets when neither bosun's environment nor its own sets one. */
export const DEFAULT_PATH = "/usr/local/bin:/usr/bin:/bin";

/** Why a program cannot be run: ENOENT (nothing there) or EACCES (there, but not executable). */
export interface ProgramProblem {
  errno: "ENOENT" | "EACCES";
  /** What was looked for, for a launch failure: `/usr/bin/nginxx`, `nosuchprog in PATH`. */
  subject: string;
  /** A sentence for `check`, saying what to do. */
  message: string;
}

/** An executable regular file, a non-executable or a directory at `path`, or nothing. */
function inspect(path: string): "exec" | "not-exec" | "dir" | null {
  try {
    const st = statSync(path);
    if (st.isDirectory()) return "dir";
    if (!st.isFile()) return null;
  } catch {
    return null;
  }
  try {
    accessSync(path, constants.X_OK);
    return "exec";
  } catch {
    return "not-exec";
  }
}

/**
 * The absolute path of the program `command[0]` names, or why it cannot be run.
 *
 * @example
 * findProgram("sleep", "/", DEFAULT_PATH); // "/usr/bin/sleep"
 * findProgram("nosuchprog", "/", DEFAULT_PATH); // { errno: "ENOENT", subject: "nosuchprog in PATH", ... }
 */
export function findProgram(program: string, cwd: string, searchPath: string = DEFAULT_PATH): string | ProgramProblem {
  if (program.includes("/")) {
    const path = resolve(cwd, program);
    const kind = inspect(path);
    if (kind === "exec") return path;
    if (kind === "dir") return { errno: "EACCES", subject: `${path} is a directory`, message: `'${path}' is a directory, not a program` };
    if (kind === "not-exec") return { errno: "EACCES", subject: path, message: `'${path}' is not executable (chmod +x it)` };
    return { errno: "ENOENT", subject: path, message: `executable '${path}' does not exist` };
  }
  let notExecutable: string | null = null;
  for (const dir of searchPath.split(delimiter)) {
    if (dir === "") continue;
    const candidate = resolve(cwd, join(dir, program));
    const kind = inspect(candidate);
    if (kind === "exec") return candidate;
    if (kind === "not-exec") notExecutable ??= candidate;
  }
  // As execvp: a match that is not executable is EACCES (a shell's 126), none at all ENOENT (127).
  if (notExecutable !== null) return { errno: "EACCES", subject: notExecutable, message: `'${notExecutable}' is not executable (chmod +x it)` };
  return { errno: "ENOENT", subject: `${program} in PATH`, message: `executable '${program}' is not in PATH (${searchPath})` };
}
