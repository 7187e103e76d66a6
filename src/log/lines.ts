/**
 * @module log/lines
 * Cuts one output stream of a child into lines. A line ends at a newline; a line longer than
 * the limit is cut (at a UTF-8 character boundary) rather than held; a partial line is handed
 * on after a short quiet time so a prompt or a progress dot is not held back indefinitely.
 * Lines stay in the bytes they were read in: a read of a thousand lines is handed on as one
 * run of bytes, not a thousand objects (the sinks that need single lines find the newlines).
 */
import type { Stream } from "./types.ts";

/**
 * A run of one stream's output. `complete`: `bytes` holds one or more whole lines, each ending
 * in its newline. Otherwise `bytes` is one piece of a line, without a newline: cut at the
 * length limit, flushed after the quiet time, or left unfinished at the stream's end.
 */
export interface LogChunk {
  stream: Stream;
  bytes: Uint8Array;
  complete: boolean;
}

/** Settings every `LineSplitter` shares. */
export interface SplitterSettings {
  /** Longest line handed on whole; longer ones are cut into pieces of at most this many bytes. */
  maxLineBytes: number;
  /** How long a partial line may wait for its newline before it is handed on as it is. */
  quietMs: number;
}

/** Receives a partial line flushed by the quiet timer (outside any `push`). */
export interface QuietReceiver {
  quiet(piece: LogChunk): void;
}

const NEWLINE = 10;
const decoder = new TextDecoder();

/** The largest cut point <= `at` (and > `start`) that does not split a UTF-8 sequence. */
function characterBoundary(bytes: Uint8Array, start: number, at: number): number {
  let cut = at;
  // Continuation bytes are 0b10xxxxxx; a character is at most 4 bytes, so look back at most 3.
  while (cut > at - 3 && cut > start + 1 && ((bytes[cut] ?? 0) & 0xc0) === 0x80) cut--;
  return cut;
}

/**
 * The parts one after another in one buffer (the part itself when there is only one).
 *
 * @example
 * joinBytes([encode("a"), encode("b\n")]) // "ab\n"
 */
export function joinBytes(parts: Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0] as Uint8Array;
  let size = 0;
  for (const part of parts) size += part.length;
  const out = new Uint8Array(size);
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/**
 * Splits a byte stream into runs of whole lines. One splitter per stream per launch.
 *
 * @example
 * const s = new LineSplitter("stdout", { maxLineBytes: 16384, quietMs: 100 }, { quiet: (p) => send([p]) });
 * send(s.push(chunk)); // whole lines now; the tail waits for its newline or the quiet timer
 * send(s.end());       // at EOF: whatever is left
 */
export class LineSplitter {
  private partial: Uint8Array | null = null;
  private timer: ReturnType<typeof setTimeout> | null = null;

  constructor(
    private readonly stream: Stream,
    private readonly settings: SplitterSettings,
    private readonly receiver: QuietReceiver,
  ) {}

  /** Feeds a chunk; returns the runs of lines it completes (and the pieces of overlong ones). */
  push(chunk: Uint8Array): LogChunk[] {
    this.stopTimer();
    const out: LogChunk[] = [];
    const held = this.partial;
    this.partial = null;
    let tail: Uint8Array;
    if (held === null) tail = this.scan(chunk, out);
    else {
      // The held start of a line is completed by this chunk's first line (or grows by all of it).
      const nl = chunk.indexOf(NEWLINE);
      if (nl === -1) tail = this.scan(joinBytes([held, chunk]), out);
      else {
        this.scan(joinBytes([held, chunk.subarray(0, nl + 1)]), out);
        tail = this.scan(chunk.subarray(nl + 1), out);
      }
    }
    if (tail.length > 0) {
      // Copied: a short piece should not keep the reader's whole chunk alive.
      this.partial = tail.slice();
      this.timer = setTimeout(() => this.flushQuiet(), this.settings.quietMs);
    }
    return out;
  }

  /** End of the stream: the unfinished line, if any, as an incomplete piece. */
  end(): LogChunk[] {
    this.stopTimer();
    const rest = this.partial;
    this.partial = null;
    return rest ? [{ stream: this.stream, bytes: rest, complete: false }] : [];
  }

  private flushQuiet(): void {
    this.timer = null;
    const rest = this.partial;
    this.partial = null;
    if (rest) this.receiver.quiet({ stream: this.stream, bytes: rest, complete: false });
  }

  private stopTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  /**
   * Emits the whole lines of `bytes` (which starts at a line's start) into `out`, cutting any
   * longer than the limit, and returns the unfinished rest (shorter than the limit).
   */
  private scan(bytes: Uint8Array, out: LogChunk[]): Uint8Array {
    const max = this.settings.maxLineBytes;
    const stream = this.stream;
    let run = 0;
    let line = 0;
    // Only a stretch of more than `max` bytes without a newline needs cutting, so the scan
    // jumps from line to line `max` bytes at a time rather than looking at every newline.
    while (line + max < bytes.length) {
      const nl = bytes.lastIndexOf(NEWLINE, line + max);
      if (nl >= line) {
        line = nl + 1;
        continue;
      }
      if (line > run) out.push({ stream, bytes: bytes.subarray(run, line), complete: true });
      const cut = characterBoundary(bytes, line, line + max);
      out.push({ stream, bytes: bytes.subarray(line, cut), complete: false });
      line = run = cut;
    }
    const last = bytes.lastIndexOf(NEWLINE);
    const end = last >= line ? last + 1 : line;
    if (end > run) out.push({ stream, bytes: bytes.subarray(run, end), complete: true });
    let tail = bytes.subarray(end);
    // A partial piece of exactly the limit cannot grow without being cut, so it goes now.
    if (tail.length === max) {
      out.push({ stream, bytes: tail, complete: false });
      tail = tail.subarray(max);
    }
    return tail;
  }
}

/** The number of lines in a chunk: its newlines when complete, else one piece. */
export function lineCount(chunk: LogChunk): number {
  if (!chunk.complete) return 1;
  const bytes = chunk.bytes;
  let count = 0;
  for (let at = bytes.indexOf(NEWLINE); at !== -1; at = bytes.indexOf(NEWLINE, at + 1)) count++;
  return count;
}

/**
 * Where the lines of a batch of chunks end, found in one pass over each chunk and kept in a
 * buffer reused from batch to batch (it grows to the most lines a batch has had: 256 Ki at most,
 * for 256 KiB of empty lines). An end is the offset just past a line's newline in its chunk; a
 * piece of a line counts as one line, ending at its chunk's end. Read it before the next `index`.
 *
 * @example
 * const ends = new LineEnds();
 * ends.index([{ stream: "stdout", bytes: encode("a\nbc\n"), complete: true }]);
 * ends.total // 2: ends.at[0] === 2, ends.at[1] === 5
 */
export class LineEnds {
  /** The ends of every line of the batch, chunk after chunk. */
  at = new Int32Array(1024);
  /** How many lines each chunk has. */
  readonly counts: number[] = [];
  /** Where each chunk's lines begin in `at`. */
  readonly firsts: number[] = [];
  total = 0;

  index(chunks: LogChunk[]): void {
    this.counts.length = 0;
    this.firsts.length = 0;
    let total = 0;
    for (const { bytes, complete } of chunks) {
      this.firsts.push(total);
      if (!complete) total = this.add(total, bytes.length);
      else for (let nl = bytes.indexOf(NEWLINE); nl !== -1; nl = bytes.indexOf(NEWLINE, nl + 1)) total = this.add(total, nl + 1);
      this.counts.push(total - (this.firsts.at(-1) as number));
    }
    this.total = total;
  }

  /** Where the last `lines` lines of chunk `i` start in it (0 when it has no more). */
  startOfLast(i: number, lines: number): number {
    const count = this.counts[i] as number;
    return count > lines ? (this.at[(this.firsts[i] as number) + count - lines - 1] as number) : 0;
  }

  private add(index: number, end: number): number {
    if (index === this.at.length) {
      const grown = new Int32Array(index * 2);
      grown.set(this.at);
      this.at = grown;
    }
    this.at[index] = end;
    return index + 1;
  }
}

/**
 * The lines of a chunk as text, without their newlines; only the last `count` when given
 * (only those are decoded).
 *
 * @example
 * linesOf({ stream: "stdout", bytes: encode("a\nb\nc\n"), complete: true }, 2) // ["b", "c"]
 */
export function linesOf(chunk: LogChunk, count?: number): string[] {
  const bytes = chunk.bytes;
  if (!chunk.complete) return count === 0 ? [] : [decoder.decode(bytes)];
  let from = 0;
  if (count !== undefined) {
    // Walk back over `count` newlines (the last one ends the last line).
    let at = bytes.length - 1;
    for (let n = 0; n < count && at >= 0; n++) at = at === 0 ? -1 : bytes.lastIndexOf(NEWLINE, at - 1);
    from = at + 1;
    if (from >= bytes.length) return [];
  }
  const lines = decoder.decode(bytes.subarray(from, bytes.length - 1)).split("\n");
  return lines;
}
