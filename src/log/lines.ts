/**
 * @module log/lines
 * Cuts one output stream of a child into lines. A line ends at a newline; a line longer than
 * the limit is cut (at a UTF-8 character boundary) rather than held; a partial line is handed
 * on after a short quiet time so a prompt or a progress dot is not held back indefinitely.
 */
import type { Stream } from "./types.ts";

/** One piece of output. `complete` is false for a piece not ended by a newline (cut or flushed early). */
export interface LogLine {
  stream: Stream;
  bytes: Uint8Array;
  complete: boolean;
}

/** Settings of one `LineSplitter`. */
export interface SplitterOptions {
  stream: Stream;
  /** Longest line handed on whole; longer ones are cut into pieces of at most this many bytes. */
  maxLineBytes: number;
  /** How long a partial line may wait for its newline before it is handed on as it is. */
  quietMs: number;
  /** Receives a partial line flushed by the quiet timer (outside any `push`). */
  onQuiet: (line: LogLine) => void;
}

const NEWLINE = 10;

/** The largest cut point <= `at` that does not split a UTF-8 sequence (never 0 for sane input). */
function characterBoundary(bytes: Uint8Array, at: number): number {
  let cut = at;
  // Continuation bytes are 0b10xxxxxx; a character is at most 4 bytes, so look back at most 3.
  while (cut > at - 3 && cut > 1 && ((bytes[cut] ?? 0) & 0xc0) === 0x80) cut--;
  return cut;
}

/**
 * Splits a byte stream into lines. Not thread-safe in spirit: one splitter per stream per launch.
 *
 * @example
 * const s = new LineSplitter({ stream: "stdout", maxLineBytes: 16384, quietMs: 100, onQuiet: send });
 * send(...s.push(chunk)); // complete lines now; the tail waits for its newline or the quiet timer
 * send(...s.end());        // at EOF: whatever is left
 */
export class LineSplitter {
  private partial: Uint8Array | null = null;
  private timer: ReturnType<typeof setTimeout> | null = null;

  constructor(private readonly opts: SplitterOptions) {}

  /** Feeds a chunk; returns the lines it completes (and the pieces of overlong ones). */
  push(chunk: Uint8Array): LogLine[] {
    this.stopTimer();
    const out: LogLine[] = [];
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf(NEWLINE, start);
      if (nl === -1) break;
      this.cut(this.join(chunk.subarray(start, nl)), true, out);
      start = nl + 1;
    }
    if (start < chunk.length) {
      // Copied: the chunk's memory may be reused by the reader once we return.
      const rest = this.join(chunk.slice(start));
      this.partial = this.cut(rest, false, out);
    }
    if (this.partial) this.timer = setTimeout(() => this.flushQuiet(), this.opts.quietMs);
    return out;
  }

  /** End of the stream: the unfinished line, if any, as an incomplete piece. */
  end(): LogLine[] {
    this.stopTimer();
    const rest = this.partial;
    this.partial = null;
    return rest ? [{ stream: this.opts.stream, bytes: rest, complete: false }] : [];
  }

  private flushQuiet(): void {
    this.timer = null;
    const rest = this.partial;
    this.partial = null;
    if (rest) this.opts.onQuiet({ stream: this.opts.stream, bytes: rest, complete: false });
  }

  private stopTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  /** Prepends the held partial line, if any. */
  private join(bytes: Uint8Array): Uint8Array {
    const held = this.partial;
    if (!held) return bytes;
    this.partial = null;
    const joined = new Uint8Array(held.length + bytes.length);
    joined.set(held);
    joined.set(bytes, held.length);
    return joined;
  }

  /**
   * Emits `line` into `out`, cut into pieces of at most maxLineBytes. A complete line's last
   * piece is complete; for a partial line the remainder (shorter than the limit) is returned.
   */
  private cut(line: Uint8Array, complete: boolean, out: LogLine[]): Uint8Array | null {
    const max = this.opts.maxLineBytes;
    let rest = line;
    // A partial piece of exactly the limit cannot grow without being cut, so it goes now.
    while (rest.length > max || (!complete && rest.length === max)) {
      const at = characterBoundary(rest, max);
      out.push({ stream: this.opts.stream, bytes: rest.subarray(0, at), complete: false });
      rest = rest.subarray(at);
    }
    if (complete) {
      out.push({ stream: this.opts.stream, bytes: rest, complete: true });
      return null;
    }
    return rest.length > 0 ? rest : null;
  }
}
