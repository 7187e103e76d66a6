/**
 * @module log/ring
 * Fixed-size memories of recent output: `ByteRing` for `log-type = buffer` (the newest N bytes,
 * exactly as written) and `LineRing` for console services (the newest N lines, for `bosun logs`).
 */

/**
 * The newest `size` bytes written, oldest overwritten first.
 *
 * @example
 * const ring = new ByteRing(4);
 * ring.write(new TextEncoder().encode("abcdef"));
 * new TextDecoder().decode(ring.contents()) // "cdef"
 */
export class ByteRing {
  /** Made on the first write: a service that writes nothing holds nothing. */
  private bytes: Uint8Array | null = null;
  private next = 0;
  private full = false;

  constructor(readonly size: number) {}

  write(data: Uint8Array): void {
    const size = this.size;
    if (size === 0 || data.length === 0) return;
    const bytes = (this.bytes ??= new Uint8Array(size));
    if (data.length >= size) {
      bytes.set(data.subarray(data.length - size));
      this.next = 0;
      this.full = true;
      return;
    }
    const first = Math.min(data.length, size - this.next);
    bytes.set(data.subarray(0, first), this.next);
    bytes.set(data.subarray(first), 0);
    const end = this.next + data.length;
    if (end >= size) this.full = true;
    this.next = end % size;
  }

  /** The kept bytes, oldest first (a copy). */
  contents(): Uint8Array {
    const bytes = this.bytes;
    if (!bytes) return new Uint8Array(0);
    if (!this.full) return bytes.slice(0, this.next);
    const out = new Uint8Array(this.size);
    out.set(bytes.subarray(this.next));
    out.set(bytes.subarray(0, this.next), this.size - this.next);
    return out;
  }

  clear(): void {
    this.next = 0;
    this.full = false;
  }
}

const decoder = new TextDecoder();

/**
 * The newest `capacity` lines, kept as the bytes they came in (copied) and decoded only when
 * read: a console service writing much keeps its latest lines without a string per line, and
 * one writing nothing holds nothing.
 *
 * @example
 * const ring = new LineRing(2);
 * ring.push(new TextEncoder().encode("a\n"), 1);
 * ring.push(new TextEncoder().encode("b\nc\n"), 2);
 * ring.last() // ["b", "c"]
 */
export class LineRing {
  /** Runs of whole lines, oldest first; the first may hold more lines than are still kept. */
  private runs: { bytes: Uint8Array; lines: number }[] | null = null;
  private lines = 0;

  constructor(readonly capacity: number) {}

  /** Keeps a copy of `lines` whole lines (at most `capacity`), each ending in a newline. */
  push(bytes: Uint8Array, lines: number): void {
    if (this.capacity === 0 || lines === 0) return;
    const runs = (this.runs ??= []);
    runs.push({ bytes: bytes.slice(), lines });
    this.lines += lines;
    // The oldest run goes once the newer ones hold all the lines kept.
    while (runs.length > 1 && this.lines - (runs[0] as { lines: number }).lines >= this.capacity) this.lines -= (runs.shift() as { lines: number }).lines;
  }

  /** The newest `count` lines (all kept when omitted), oldest first. */
  last(count?: number): string[] {
    if (!this.runs) return [];
    let size = 0;
    for (const run of this.runs) size += run.bytes.length;
    const all = new Uint8Array(size);
    let at = 0;
    for (const run of this.runs) {
      all.set(run.bytes, at);
      at += run.bytes.length;
    }
    const lines = size === 0 ? [] : decoder.decode(all.subarray(0, size - 1)).split("\n");
    const keep = Math.min(this.capacity, count ?? this.capacity);
    return lines.slice(Math.max(0, lines.length - keep));
  }

  clear(): void {
    this.runs = null;
    this.lines = 0;
  }
}
