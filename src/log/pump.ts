/**
 * @module log/pump
 * Reads a child's output stream into a sink, one chunk at a time, awaiting the sink (so a slow
 * sink slows the reader, and the kernel buffer then slows the child) and handing the event
 * loop back now and then: a reader that always has data ready would otherwise starve timers
 * and the control API (stalls of 100+ ms were measured). At bosun's exit a pump is stopped:
 * it takes what is readable at once and lets go of the stream, since a process that outlived
 * its service may hold it open for ever.
 */

/** The longest stretch of reading before timers and I/O get a turn. */
const SLICE_MS = 8;
/** The most bytes given to the sink in one step. */
const MAX_PIECE = 256 * 1024;
/**
 * A stopped pump reads at most this much more: what the kernel holds for a child's output
 * (a socket's send buffer, about 208 KiB by default) and what Bun read ahead. A writer that
 * keeps refilling it loses the rest.
 */
const DRAIN_BYTES = 1024 * 1024;

/** A pump at work. */
export interface Pump {
  /** Resolves when reading is over: true at the stream's end (or error), false when stopped short of it. */
  done: Promise<boolean>;
  /**
   * Takes what is readable now (up to DRAIN_BYTES), hands it to the sink, then cancels the
   * stream: the writer's next write fails (EPIPE) instead of waiting in bosun.
   */
  stop(): void;
}

const STOP = Symbol("stop");
const LATER = Symbol("later");

/**
 * Lets pending timers and I/O callbacks run before continuing. A zero timeout rather than
 * setImmediate: measured on Bun 1.4, an immediate let a 1 ms interval run only every other time.
 */
function yieldToLoop(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

/**
 * The read's result if data was readable, else LATER. Measured on Bun 1.4: a read of data
 * already buffered (by the kernel or by Bun) resolves before a zero timeout fires, since Bun
 * tries the read at once and polls for I/O before it runs timers (an immediate runs before
 * that poll, so it cannot tell).
 */
function readableNow<T>(read: Promise<T>): Promise<T | typeof LATER> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const later = new Promise<typeof LATER>((resolve) => (timer = setTimeout(resolve, 0, LATER)));
  return Promise.race([read, later]).finally(() => clearTimeout(timer));
}

/**
 * Feeds every chunk of `stream` to `sink` until EOF or `stop`. A stream that errors (the
 * child's pipe torn down) ends the pump like EOF: what was read has been delivered.
 *
 * @example
 * const reading = pump(proc.stdout, (chunk) => file.write(chunk));
 * reading.stop();            // bosun exits
 * await reading.done;        // false: something still held the stream open
 */
export function pump(stream: ReadableStream<Uint8Array>, sink: (chunk: Uint8Array) => void | Promise<void>): Pump {
  const reader = stream.getReader();
  let stopping = false;
  /** Interrupts the wait of a read in progress when `stop` is called. */
  let interrupt: ((stop: typeof STOP) => void) | null = null;

  /** The read's result, or STOP when `stop` is called first. */
  function untilStopped<T>(read: Promise<T>): Promise<T | typeof STOP> {
    return new Promise<T | typeof STOP>((resolve, reject) => {
      // Left in place once settled: a later call does nothing, and the next read replaces it.
      interrupt = resolve;
      read.then(resolve, reject);
    });
  }

  /** Lets go of the stream for good: bosun's end is closed, so the writer's next write fails. */
  function stopReading(): false {
    reader.cancel().catch(() => {});
    return false;
  }

  async function run(): Promise<boolean> {
    let sliceStart = performance.now();
    let drained = 0;
    // One chunk may be in the sink while the next is read: reading and writing overlap, and
    // bosun still holds at most two chunks of a service's output.
    let writing: void | Promise<void> = undefined;
    try {
      for (;;) {
        if (stopping && drained > DRAIN_BYTES) return stopReading();
        const read = reader.read();
        let next: Awaited<typeof read> | typeof STOP | typeof LATER;
        try {
          next = stopping ? await readableNow(read) : await untilStopped(read);
          if (next === STOP) next = await readableNow(read);
        } catch {
          return true; // a read error means the pipe is gone; nothing more will come
        }
        if (next === LATER) return stopReading();
        if (next.done) return true;
        // Bun hands over whatever it buffered before the first read in one chunk (measured: 50 MB
        // when a reader came late); pieces keep each step of work short.
        const chunk = next.value;
        if (stopping) drained += chunk.length;
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

  return {
    done: run(),
    stop() {
      stopping = true;
      interrupt?.(STOP);
    },
  };
}
