/**
 * @module log/tail
 * Reading a log file back for `bosun logs`: the last lines (read from the end, never the whole
 * file) and following lines appended later (a directory watch, so a file created, rotated or
 * replaced later is still followed).
 */
import { closeSync, fstatSync, openSync, readSync, statSync, watch } from "node:fs";
import { open } from "node:fs/promises";
import { basename, dirname } from "node:path";

const BLOCK = 65536;
/** While following, how often the file is checked besides the watcher's events. */
const RECHECK_MS = 250;
/** `bosun logs` on a file reads at most this much from its end. */
const MAX_TAIL_BYTES = 4 * 1024 * 1024;

/**
 * The last `count` lines of a file, or null when it does not exist or cannot be read.
 *
 * @example
 * tailFile("/var/log/web.log", 20)
 */
export function tailFile(path: string, count: number): string[] | null {
  let fd: number;
  try {
    fd = openSync(path, "r");
  } catch {
    return null;
  }
  try {
    const size = fstatSync(fd).size;
    const blocks: Uint8Array[] = [];
    let start = size;
    let newlines = 0;
    // One newline more than asked for: the line before it is cut and dropped.
    while (start > 0 && newlines <= count && size - start < MAX_TAIL_BYTES) {
      const length = Math.min(BLOCK, start);
      start -= length;
      const block = new Uint8Array(length);
      readSync(fd, block, 0, length, start);
      for (const byte of block) if (byte === 10) newlines++;
      blocks.unshift(block);
    }
    const text = Buffer.concat(blocks).toString("utf8");
    if (start === 0) return lastLines(text, count);
    // Read from mid-file: the first line is cut, so it is dropped (all of it when no newline ends it).
    const cut = text.indexOf("\n");
    return cut < 0 ? [] : lastLines(text.slice(cut + 1), count);
  } catch {
    return null;
  } finally {
    closeSync(fd);
  }
}

/**
 * The last `count` lines of `text` (all when omitted); a final newline ends the last line
 * rather than starting an empty one.
 *
 * @example
 * lastLines("a\nb\nc\n", 2) // ["b", "c"]
 */
export function lastLines(text: string, count?: number): string[] {
  if (text === "") return [];
  const lines = (text.endsWith("\n") ? text.slice(0, -1) : text).split("\n");
  return count === undefined ? lines : lines.slice(Math.max(0, lines.length - count));
}

/** A file being followed. */
export interface FileFollow {
  /** Stops following; nothing more is handed over. */
  stop(): void;
  /**
   * Hands over what was appended up to now, an unfinished last line included, then stops
   * (bosun exits: nothing more will be written through it).
   */
  finish(): Promise<void>;
}

/**
 * Calls `onLine` for each line appended to `path` from now on, until stopped. A file that is
 * replaced or truncated (rotation) is read again from its start. Throws when the file's
 * directory cannot be watched.
 *
 * @example
 * const follow = followFile("/var/log/web.log", (line) => console.log(line));
 * follow.stop();
 */
export function followFile(path: string, onLine: (line: string) => void): FileFollow {
  const name = basename(path);
  let identity = fileIdentity(path);
  let offset = identity?.size ?? 0;
  let partial = "";
  /** The reading in progress, which goes round again while `again` is set. */
  let reading: Promise<void> | null = null;
  let again = false;
  let stopped = false;

  /** Reads what was appended since the last read (at most MAX_TAIL_BYTES; `again` when more is left). */
  async function readOnce(): Promise<void> {
    const now = fileIdentity(path);
    if (!now) return;
    if (!identity || now.ino !== identity.ino || now.size < offset) {
      offset = 0;
      partial = "";
    }
    identity = now;
    if (now.size <= offset) return;
    const handle = await open(path, "r");
    try {
      const buffer = new Uint8Array(Math.min(now.size - offset, MAX_TAIL_BYTES));
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, offset);
      offset += bytesRead;
      const text = partial + Buffer.from(buffer.subarray(0, bytesRead)).toString("utf8");
      const lines = text.split("\n");
      partial = lines.pop() ?? "";
      for (const line of lines) if (!stopped) onLine(line);
      if (offset < now.size) again = true;
    } finally {
      await handle.close();
    }
  }

  /** Resolves once the file has been read up to at least where it was when called. */
  function readNew(): Promise<void> {
    again = true;
    // Every pass awaits, so `reading` is set before the loop can end and clear it.
    reading ??= (async () => {
      try {
        while (again && !stopped) {
          again = false;
          await readOnce();
        }
      } catch {
        // The file vanished between stat and read (rotation): the next event reads the new one.
      } finally {
        reading = null;
      }
    })();
    return reading;
  }

  const watcher = watch(dirname(path), (_event, file) => {
    if (!stopped && (file === null || file === name)) void readNew();
  });
  // The directory went away: nothing more can be followed, and an unhandled error would be fatal.
  watcher.on("error", () => watcher.close());
  // Bun 1.4's watcher drops events (measured: 3 appends in a row, one event, seen before the
  // last two); a slow check while someone follows picks up what it missed.
  const check = setInterval(() => void readNew(), RECHECK_MS);
  const stop = () => {
    stopped = true;
    clearInterval(check);
    watcher.close();
  };
  return {
    stop,
    async finish() {
      if (stopped) return;
      clearInterval(check);
      watcher.close();
      await readNew();
      if (!stopped && partial !== "") onLine(partial);
      stop();
    },
  };
}

function fileIdentity(path: string): { ino: number; size: number } | null {
  try {
    const st = statSync(path);
    return { ino: st.ino, size: st.size };
  } catch {
    return null;
  }
}
