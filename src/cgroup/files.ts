/**
 * @module cgroup/files
 * Reading and writing cgroup interface files, with failures as errno names instead of throws:
 * a missing file is an answer here (a controller this kernel or hierarchy lacks), not a crash.
 * Writes never create: a file cgroupfs does not have must be reported as missing, and on a
 * plain directory (the fake used in tests) O_CREAT would invent it.
 */
import { closeSync, constants, mkdirSync, openSync, readdirSync, readFileSync, rmdirSync, writeSync } from "node:fs";
import { join } from "node:path";

/** The errno name of a failed fs call (`ENOENT`), or `EIO` for anything without one. */
export function errnoOf(e: unknown): string {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : "EIO";
}

/** A file's text, or null when it does not exist (or cannot be read). */
export function readText(path: string): string | null {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return null;
  }
}

/** Writes `value` to an existing file in one write; null on success, else the errno name. */
export function writeValue(path: string, value: string): string | null {
  let fd: number;
  try {
    // O_TRUNC as a shell's `>` does: no effect on cgroupfs, a whole-file write on a plain file
    fd = openSync(path, constants.O_WRONLY | constants.O_TRUNC);
  } catch (e) {
    return errnoOf(e);
  }
  try {
    writeSync(fd, value);
    return null;
  } catch (e) {
    return errnoOf(e);
  } finally {
    closeSync(fd);
  }
}

/** A `key value` line of a flat-keyed file (memory.events, cpu.stat, memory.oom_control), or null. */
export function readKey(path: string, key: string): number | null {
  const text = readText(path);
  const m = text === null ? null : new RegExp(`^${key} (\\d+)$`, "m").exec(text);
  return m ? Number(m[1]) : null;
}

/** A file holding one number, or null (missing, or not a number such as `max`). */
export function readNumber(path: string): number | null {
  const text = readText(path)?.trim();
  return text !== undefined && /^\d+$/.test(text) ? Number(text) : null;
}

/** Makes a directory; null on success, else the errno name (`EEXIST` included). */
export function makeDir(path: string): string | null {
  try {
    mkdirSync(path);
    return null;
  } catch (e) {
    return errnoOf(e);
  }
}

/** Sub-cgroups of `dir` (a service may make its own), deepest last. */
function subDirs(dir: string): string[] {
  try {
    return readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory()).flatMap((e) => {
      const sub = join(dir, e.name);
      return [sub, ...subDirs(sub)];
    });
  } catch {
    return [];
  }
}

/**
 * Removes a cgroup and any sub-cgroups under it (deepest first; cgroupfs has no recursive
 * rmdir). Null when it is gone (or never existed), else the errno name (`EBUSY`: processes left).
 */
export function removeDir(dir: string): string | null {
  for (const d of [...subDirs(dir).reverse(), dir]) {
    try {
      rmdirSync(d);
    } catch (e) {
      const errno = errnoOf(e);
      if (errno !== "ENOENT") return errno;
    }
  }
  return null;
}

/** The pids in `dir` and every sub-cgroup under it (cgroup.procs lists a cgroup's own only). */
export function pidsIn(dir: string): number[] {
  const pids: number[] = [];
  for (const d of [dir, ...subDirs(dir)]) {
    const text = readText(join(d, "cgroup.procs"));
    if (text) for (const p of text.split("\n")) if (p !== "") pids.push(Number(p));
  }
  return pids;
}
