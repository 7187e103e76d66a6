/**
 * @module config/program
 * Finding the program a command names, as execvp does: a name with a `/` is a path (relative to
 * the working directory), any other name is looked up in PATH. `check` reports what it finds and
 * the launcher execs it, so both follow one rule and share one default PATH. For a service with
 * `chroot`, paths are looked up inside the new root, following its symbolic links as the
 * service will see them (an absolute link points into the new root, not out of it).
 */
import { accessSync, constants, lstatSync, readlinkSync, statSync } from "node:fs";
import { delimiter, join, resolve } from "node:path";

/** The PATH a service gets when neither bosun's environment nor its own sets one. */
export const DEFAULT_PATH = "/usr/local/bin:/usr/bin:/bin";

/** Where bosun looks for its helper programs (prlimit, unshare, setpriv, ip ...), whatever a service's PATH. */
export const HELPER_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/**
 * The path on bosun's machine of `path` as a process chrooted into `root` sees it: each
 * symbolic link on the way is followed inside `root` (too many links, or a missing component,
 * leave the rest unresolved, which then does not exist).
 *
 * @example
 * inRoot("/srv/jail", "/bin/sh") // "/srv/jail/bin/busybox" when /srv/jail/bin/sh -> /bin/busybox
 */
export function inRoot(root: string, path: string): string {
  let rest = resolve("/", path).split("/").filter((p) => p !== "");
  let inside = "/";
  for (let links = 0; rest.length > 0; ) {
    const name = rest.shift()!;
    const next = resolve(inside, name); // resolve() keeps ".." from climbing above "/"
    let target: string | null = null;
    try {
      if (lstatSync(join(root, next)).isSymbolicLink()) target = readlinkSync(join(root, next));
    } catch {
      return join(root, next, ...rest);
    }
    if (target === null) {
      inside = next;
      continue;
    }
    if (++links > 40) return join(root, next, ...rest);
    rest = [...target.split("/").filter((p) => p !== ""), ...rest];
    if (target.startsWith("/")) inside = "/";
  }
  return join(root, inside);
}

/** Why a program cannot be run: ENOENT (nothing there) or EACCES (there, but not executable). */
export interface ProgramProblem {
  errno: "ENOENT" | "EACCES";
  /** What was looked for, for a launch failure: `/usr/bin/nginxx`, `nosuchprog in PATH`. */
  subject: string;
  /** A sentence for `check`, saying what to do. */
  message: string;
}

/** An executable regular file, a non-executable or a directory at `path` (inside `root`), or nothing. */
function inspect(inside: string, root: string | null): "exec" | "not-exec" | "dir" | null {
  const path = root === null ? inside : inRoot(root, inside);
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
 * The absolute path of the program `command[0]` names, or why it cannot be run. With `root`,
 * `cwd` and the result are paths inside that new root.
 *
 * @example
 * findProgram("sleep", "/", DEFAULT_PATH); // "/usr/bin/sleep"
 * findProgram("nosuchprog", "/", DEFAULT_PATH); // { errno: "ENOENT", subject: "nosuchprog in PATH", ... }
 * findProgram("sh", "/", DEFAULT_PATH, "/srv/jail"); // "/bin/sh" when /srv/jail/bin/sh runs
 */
export function findProgram(program: string, cwd: string, searchPath: string = DEFAULT_PATH, root: string | null = null): string | ProgramProblem {
  const where = root === null ? "" : ` inside ${root}`;
  if (program.includes("/")) {
    const path = resolve(cwd, program);
    const kind = inspect(path, root);
    if (kind === "exec") return path;
    if (kind === "dir") return { errno: "EACCES", subject: `${path}${where} is a directory`, message: `'${path}'${where} is a directory, not a program` };
    if (kind === "not-exec") return { errno: "EACCES", subject: `${path}${where}`, message: `'${path}'${where} is not executable (chmod +x it)` };
    return { errno: "ENOENT", subject: `${path}${where}`, message: `executable '${path}'${where} does not exist` };
  }
  let notExecutable: string | null = null;
  for (const dir of searchPath.split(delimiter)) {
    if (dir === "") continue;
    const candidate = resolve(cwd, join(dir, program));
    const kind = inspect(candidate, root);
    if (kind === "exec") return candidate;
    if (kind === "not-exec") notExecutable ??= candidate;
  }
  // As execvp: a match that is not executable is EACCES (a shell's 126), none at all ENOENT (127).
  if (notExecutable !== null) return { errno: "EACCES", subject: `${notExecutable}${where}`, message: `'${notExecutable}'${where} is not executable (chmod +x it)` };
  return { errno: "ENOENT", subject: `${program} in PATH${where}`, message: `executable '${program}' is not in PATH (${searchPath})${where}` };
}
