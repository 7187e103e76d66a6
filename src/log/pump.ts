/**
 * @module log/pump
 * Reads a child's output stream into a sink, one chunk at a time, awaiting the sink (so a slow
 * sink slows the reader, and the kernel pipe then slows the child) and handing the event loop
 * back now and then: a reader that always has data ready would otherwise starve timers and the
 * control API (BUN-NOTES: stalls of 100+ ms).
 */

/** The longest stretch of reading before timers and I/O get a turn. */
const SLICE_MS = 8;
/** The most bytes given to the sink in one step. */
const MAX_PIECE = 256 * 1024;

/**
 * Lets pending timers and I/O callbacks run before continuing. A zero timeout rather than
 * setImmediate: measured on Bun 1.4, an immediate let a 1 ms interval run only every other time.
 */
function yieldToLoop(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
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
  // One chunk may be in the sink while the next is read: reading and writing overlap, and
  // bosun still holds at most two chunks of a service's output.
  let writing: void | Promise<void> = undefined;
  try {
    for (;;) {
      let next: Awaited<ReturnType<typeof reader.read>>;
      try {
        next = await reader.read();
      } catch {
        return; // a read error means the pipe is gone; nothing more will come
      }
      if (next.done) return;
      // Bun hands over whatever it buffered before the first read in one chunk (measured: 50 MB
      // when a reader came late); pieces keep each step of work short.
      const chunk = next.value;
      for (let at = 0; at < chunk.length; at += MAX_PIECE) {
        await writing;
        writing = sink(chunk.subarray(at, at + MAX_PIECE));
        if (performance.now() - sliceStart > SLICE_MS) {
          await yieldToLoop();
          sliceStart = performance.now();
        }
      }
    }
  } finally {
    await writing;
    reader.releaseLock();
  }
}
