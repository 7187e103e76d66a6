/**
 * @module log/file
 * `log-type = file`. Two ways: `openDirect` gives the child the file's fd (no copy through
 * bosun: the fast path for plain appends), and `FileLog` writes output that passes through
 * bosun (JSON lines, size rotation, `log-file-after`), keeping lines whole across rotations.
 * Errors (unwritable path, full disk) are values: reported once, retried later.
 */
import { closeSync, constants, fchmodSync, fchownSync, fstatSync, openSync } from "node:fs";
import { open, rename, type FileHandle } from "node:fs/promises";
import type { ServiceDescription } from "../config/schema.ts";
import { groupId, userId } from "../config/users.ts";
import { joinBytes } from "./lines.ts";

/** The file settings of a service, resolved. */
export interface FileSettings {
  path: string;
  mode: number;
  uid: number | null;
  gid: number | null;
  /** Bytes after which the file is rotated; 0 = never. */
  maxSize: number;
  /** Rotated files kept besides the current one (`.1` newest ... `.N` oldest). */
  maxFiles: number;
}

/** Resolves a description's file settings; throws a message naming the setting at fault. */
export function fileSettings(desc: ServiceDescription): FileSettings {
  if (!desc.logfile) throw new Error("log-type = file needs a logfile setting");
  return {
    path: desc.logfile,
    mode: desc.logfilePermissions,
    uid: desc.logfileUid === null ? null : idOf(desc.logfileUid, "user", "logfile-uid"),
    gid: desc.logfileGid === null ? null : idOf(desc.logfileGid, "group", "logfile-gid"),
    maxSize: desc.logMaxSize,
    maxFiles: desc.logMaxFiles,
  };
}

function idOf(value: string, kind: "user" | "group", setting: string): number {
  const id = kind === "user" ? userId(value) : groupId(value);
  if (id !== null) return id;
  const file = kind === "user" ? "/etc/passwd" : "/etc/group";
  throw new Error(`${setting}: unknown ${kind} '${value}' (not in ${file}); use a number or an existing name`);
}

/** True when two settings write the same file the same way (a reload changed nothing here). */
export function sameSettings(a: FileSettings, b: FileSettings): boolean {
  return a.path === b.path && a.mode === b.mode && a.uid === b.uid && a.gid === b.gid && a.maxSize === b.maxSize && a.maxFiles === b.maxFiles;
}

/**
 * The problem shown in `status` and logged once: what failed, on which file, and what happens.
 *
 * @example
 * fileProblem("/data/web.log", enoentError, 5000)
 * // "logfile /data/web.log: ENOENT (no such file or directory); output goes to the console, retrying every 5s"
 */
export function fileProblem(path: string, error: unknown, retryMs: number): string {
  const e = error as NodeJS.ErrnoException;
  const why = e.code ? `${e.code} (${(e.message ?? "").replace(/^\w+: /, "").split(",")[0]})` : String(error);
  return `logfile ${path}: ${why}; output goes to the console, retrying every ${retryMs / 1000}s`;
}

/**
 * Opens the log file for appending with its mode (applied to an existing file too, as dinit
 * does) and owner, and returns the fd to give the child. Throws on failure.
 *
 * @example
 * const fd = openDirect({ path: "/var/log/web.log", mode: 0o600, uid: null, gid: null, maxSize: 0, maxFiles: 5 });
 */
export function openDirect(settings: FileSettings): number {
  const fd = openSync(settings.path, constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT, settings.mode);
  try {
    // `logfile = /dev/stdout` and the like: a terminal or pipe is not ours to chmod or chown.
    if (!fstatSync(fd).isFile()) return fd;
    fchmodSync(fd, settings.mode);
    if (settings.uid !== null || settings.gid !== null) fchownSync(fd, settings.uid ?? -1, settings.gid ?? -1);
  } catch (error) {
    closeSync(fd);
    throw error;
  }
  return fd;
}

const NEWLINE = 10;

/**
 * A log file written by bosun. Writes are queued in call order; each resolves to true when the
 * data reached the file, false when the file is unusable (the caller then shows the output
 * elsewhere). After a failure nothing is tried until `retryMs` has passed, then the file is
 * reopened on the next write.
 *
 * @example
 * const log = new FileLog(settings, { retryMs: 5000, onProblem: (p) => report(p) });
 * await log.write([new TextEncoder().encode("one\ntwo\n")]);
 */
export class FileLog {
  private handle: FileHandle | null = null;
  private size = 0;
  private regular = true;
  private queue: Promise<unknown> = Promise.resolve();
  private retryAt = 0;
  private failure: string | null = null;

  constructor(
    readonly settings: FileSettings,
    private readonly opts: { retryMs: number; onProblem: (problem: string | null) => void },
  ) {}

  /**
   * Appends the parts, one after another, as whole lines (rotating between lines when the size
   * limit is reached).
   */
  write(parts: Uint8Array[]): Promise<boolean> {
    const result = this.queue.then(() => this.append(parts));
    this.queue = result;
    return result;
  }

  /** Closes the file so the next write opens the path anew (after an external logrotate). */
  reopen(): Promise<void> {
    const done = this.queue.then(() => {
      this.retryAt = 0;
      return this.closeHandle();
    });
    this.queue = done;
    return done;
  }

  /** Waits for queued writes and closes the file. */
  close(): Promise<void> {
    return this.reopen();
  }

  private async append(parts: Uint8Array[]): Promise<boolean> {
    if (this.failure && Date.now() < this.retryAt) return false;
    try {
      await this.appendWhole(parts);
    } catch (error) {
      await this.closeHandle();
      this.retryAt = Date.now() + this.opts.retryMs;
      const problem = fileProblem(this.settings.path, error, this.opts.retryMs);
      if (problem !== this.failure) this.opts.onProblem(problem);
      this.failure = problem;
      return false;
    }
    if (this.failure) {
      this.failure = null;
      this.opts.onProblem(null);
    }
    return true;
  }

  private async appendWhole(parts: Uint8Array[]): Promise<void> {
    const { maxSize } = this.settings;
    let total = 0;
    for (const part of parts) total += part.length;
    /** Set once a rotation falls in this batch (once per file): then it is cut as one run of bytes. */
    let rest: Uint8Array | null = null;
    for (;;) {
      const handle = this.handle ?? (await this.openHandle());
      if (maxSize === 0 || !this.regular || this.size + (rest?.length ?? total) <= maxSize) return this.writeAll(handle, rest ? [rest] : parts);
      rest ??= joinBytes(parts);
      // Cut after the last newline that still fits; a full file is rotated before the next piece.
      const room = maxSize - this.size;
      let cut = room > 0 ? rest.lastIndexOf(NEWLINE, room - 1) + 1 : 0;
      if (cut === 0 && this.size === 0) {
        // One line longer than the limit: it goes whole into a file of its own.
        cut = rest.indexOf(NEWLINE) + 1 || rest.length;
      }
      if (cut > 0) {
        await this.writeAll(handle, [rest.subarray(0, cut)]);
        rest = rest.subarray(cut);
      }
      if (rest.length === 0) return;
      await this.rotate();
    }
  }

  /** Writes all the parts with as few calls as the kernel allows (one, unless it takes less). */
  private async writeAll(handle: FileHandle, parts: Uint8Array[]): Promise<void> {
    let rest = parts.filter((part) => part.length > 0);
    while (rest.length > 0) {
      let { bytesWritten } = await handle.writev(rest);
      this.size += bytesWritten;
      while (rest.length > 0 && bytesWritten >= (rest[0] as Uint8Array).length) bytesWritten -= (rest.shift() as Uint8Array).length;
      if (bytesWritten > 0) rest[0] = (rest[0] as Uint8Array).subarray(bytesWritten);
    }
  }

  private async openHandle(): Promise<FileHandle> {
    const { path, mode, uid, gid } = this.settings;
    const handle = await open(path, "a", mode);
    try {
      const st = await handle.stat();
      // A device or pipe (`/dev/stdout`) is neither chmod'ed nor rotated.
      this.regular = st.isFile();
      if (this.regular) {
        await handle.chmod(mode);
        if (uid !== null || gid !== null) await handle.chown(uid ?? -1, gid ?? -1);
      }
      this.size = st.size;
    } catch (error) {
      await handle.close();
      throw error;
    }
    this.handle = handle;
    return handle;
  }

  private async closeHandle(): Promise<void> {
    const handle = this.handle;
    this.handle = null;
    await handle?.close().catch(() => {});
  }

  /** `.N-1` -> `.N` ... `.1` -> `.2`, current -> `.1` (the oldest is overwritten), then a fresh file. */
  private async rotate(): Promise<void> {
    await this.closeHandle();
    const { path, maxFiles } = this.settings;
    for (let i = maxFiles - 1; i >= 1; i--) {
      await rename(`${path}.${i}`, `${path}.${i + 1}`).catch((e: NodeJS.ErrnoException) => {
        if (e.code !== "ENOENT") throw e;
      });
    }
    await rename(path, `${path}.1`);
  }
}
