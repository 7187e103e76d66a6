/**
 * @module log/pump
 * Reads a child's output stream into a sink, one chunk at a time, awaiting the sink (so a slow
 * sink slows the reader, and the kernel pipe then slows the child) and handing the event loop
 * back now and then: a reader that always has data ready would otherwise starve timers and the
 * control API (BUN-NOTES: stalls of 100+ ms).
 */

/** The longest stretch of reading before timers and I/O get a turn. */
const SLICE_MS = 8;

/** Lets pending timers and I/O callbacks run before continuing. */
export function yieldToLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * Feeds every chunk of `stream` to `sink` until EOF. A stream that errors (the child's pipe torn
 * down) ends the pump like EOF: what was read has been delivered.
 *
 * @example
 * await pump(proc.stdout, (chunk) => file.write(chunk));
 */
export async function pump(stream: ReadableStream<Uint8Array>, sink: (chunk: Uint8Array) => void | Promise<void>): Promise<void> {
  const reader = stream.getReader();
  let sliceStart = performance.now();
  try {
    for (;;) {
      let next: Awaited<ReturnType<typeof reader.read>>;
      try {
        next = await reader.read();
      } catch {
        return; // a read error means the pipe is gone; nothing more will come
      }
      if (next.done) return;
      await sink(next.value);
      if (performance.now() - sliceStart > SLICE_MS) {
        await yieldToLoop();
        sliceStart = performance.now();
      }
    }
  } finally {
    reader.releaseLock();
  }
}
