/**
 * @module log/writer
 * An awaitable front for a Node-style writable (bosun's stdout/stderr): a write resolves when
 * the stream has taken the data or, when its buffer is full, once it drains. That await is the
 * backpressure that slows a flooding service's reader instead of letting bosun buffer without
 * bound. A broken console (EPIPE after `docker logs` detached, say) drops output; it never throws.
 */

/** What bosun needs of a console: Node's `process.stdout`, a file write stream, a socket. */
export interface Writable {
  write(chunk: string | Uint8Array): boolean;
  once(event: "drain" | "error", listener: (...args: unknown[]) => void): unknown;
  on(event: "error", listener: (error: unknown) => void): unknown;
  isTTY?: boolean;
}

/**
 * Wraps a writable so writes can be awaited for backpressure.
 *
 * @example
 * const out = new ConsoleWriter(process.stdout);
 * await out.write("web | listening\n");
 */
export class ConsoleWriter {
  private drained: Promise<void> | null = null;
  private wake: (() => void) | null = null;
  private broken: unknown = null;

  constructor(readonly stream: Writable) {
    stream.on("error", (error) => {
      this.broken ??= error;
      this.release();
    });
  }

  /** The stream's error once it broke (output is dropped from then on), else null. */
  get error(): unknown {
    return this.broken;
  }

  /** Writes in call order; resolves when the stream can take more. */
  write(data: string | Uint8Array): Promise<void> {
    if (this.broken) return Promise.resolve();
    let ok: boolean;
    try {
      ok = this.stream.write(data);
    } catch (error) {
      this.broken = error;
      this.release();
      return Promise.resolve();
    }
    if (ok) return this.drained ?? Promise.resolve();
    if (!this.drained) {
      this.drained = new Promise((resolve) => (this.wake = resolve));
      this.stream.once("drain", () => this.release());
    }
    return this.drained;
  }

  private release(): void {
    const wake = this.wake;
    this.drained = null;
    this.wake = null;
    wake?.();
  }
}
