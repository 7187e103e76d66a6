/**
 * @module log/launch
 * The `ServiceOutput` of a launch whose output passes through bosun: each of the child's
 * streams is read (with backpressure), cut into lines, and handed to the service's sink, in
 * order; `delivered` tells when all of it has landed.
 */
import { LineSplitter, type LogLine } from "./lines.ts";
import { pump } from "./pump.ts";
import type { ServiceOutput, Stream } from "./types.ts";

/** What the readers of every launch share: who is still reading (for `close`) and their options. */
export interface Reading {
  pumps: Set<Promise<void>>;
  maxLineBytes: number;
  quietMs: number;
  onError: (message: string) => void;
}

/**
 * A launch's output read by bosun and given to `deliver` line batch by line batch.
 *
 * @example
 * const out = passthrough((lines) => file.write(lines), "ignore", closeFds, reading);
 */
export function passthrough(
  deliver: (lines: LogLine[]) => Promise<void>,
  stdin: ServiceOutput["stdin"],
  onRelease: () => void,
  reading: Reading,
): ServiceOutput {
  let attached = false;
  let finished!: () => void;
  const delivered = new Promise<void>((resolve) => (finished = resolve));
  const read = (stream: Stream, source: ReadableStream<Uint8Array>): Promise<void> => {
    // Deliveries are chained so the quiet-timer flush cannot overtake a write of this stream.
    let chain = Promise.resolve();
    const send = (lines: LogLine[]) => (lines.length === 0 ? chain : (chain = chain.then(() => deliver(lines))));
    const splitter = new LineSplitter({ stream, maxLineBytes: reading.maxLineBytes, quietMs: reading.quietMs, onQuiet: (line) => void send([line]) });
    const done: Promise<void> = pump(source, (chunk) => send(splitter.push(chunk)))
      .then(() => send(splitter.end()))
      .catch((error) => reading.onError(`reading ${stream} failed: ${String(error)}`))
      .finally(() => reading.pumps.delete(done));
    reading.pumps.add(done);
    return done;
  };
  return {
    stdin,
    stdout: "pipe",
    stderr: "pipe",
    attach(streams) {
      attached = true;
      const reads = [];
      if (streams.stdout) reads.push(read("stdout", streams.stdout));
      if (streams.stderr) reads.push(read("stderr", streams.stderr));
      void Promise.all(reads).then(finished);
    },
    release() {
      onRelease();
      if (!attached) finished();
    },
    delivered,
  };
}
