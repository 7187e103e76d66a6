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
  private readonly bytes: Uint8Array;
  private next = 0;
  private full = false;

  constructor(readonly size: number) {
    this.bytes = new Uint8Array(size);
  }

  write(data: Uint8Array): void {
    const size = this.size;
    if (size === 0) return;
    if (data.length >= size) {
      this.bytes.set(data.subarray(data.length - size));
      this.next = 0;
      this.full = true;
      return;
    }
    const first = Math.min(data.length, size - this.next);
    this.bytes.set(data.subarray(0, first), this.next);
    this.bytes.set(data.subarray(first), 0);
    const end = this.next + data.length;
    if (end >= size) this.full = true;
    this.next = end % size;
  }

  /** The kept bytes, oldest first (a copy). */
  contents(): Uint8Array {
    if (!this.full) return this.bytes.slice(0, this.next);
    const out = new Uint8Array(this.size);
    out.set(this.bytes.subarray(this.next));
    out.set(this.bytes.subarray(0, this.next), this.size - this.next);
    return out;
  }

  clear(): void {
    this.next = 0;
    this.full = false;
  }
}

/**
 * The newest `capacity` lines.
 *
 * @example
 * const ring = new LineRing(2);
 * ["a", "b", "c"].forEach((l) => ring.push(l));
 * ring.last() // ["b", "c"]
 */
export class LineRing {
  private readonly lines: string[] = [];
  private start = 0;

  constructor(readonly capacity: number) {}

  push(line: string): void {
    if (this.capacity === 0) return;
    if (this.lines.length < this.capacity) {
      this.lines.push(line);
      return;
    }
    this.lines[this.start] = line;
    this.start = (this.start + 1) % this.capacity;
  }

  /** The newest `count` lines (all when omitted), oldest first. */
  last(count?: number): string[] {
    const ordered = [...this.lines.slice(this.start), ...this.lines.slice(0, this.start)];
    return count === undefined ? ordered : ordered.slice(Math.max(0, ordered.length - count));
  }

  clear(): void {
    this.lines.length = 0;
    this.start = 0;
  }
}
