/**
 * @module log/launch
 * The `ServiceOutput` of a launch whose output passes through bosun: each of the child's
 * streams is read (with backpressure), cut into lines, and handed to the service's sink, in
 * order; `delivered` tells when all of it has landed, or when bosun stopped reading at exit.
 */
import { LineSplitter, type LogLine } from "./lines.ts";
import { pump } from "./pump.ts";
import type { Deliver } from "./sink.ts";
import type { ServiceOutput, Stream } from "./types.ts";

/** One stream of a launch being read. */
export interface StreamRead {
  /** Takes what is readable now, delivers it, and stops reading (bosun exits). */
  stop(): void;
  /** Resolves once all that was read has been delivered: true at the stream's end, false when stopped short of it. */
  done: Promise<boolean>;
}

/** What the readers of every launch share: who is still reading (for `close`) and their options. */
export interface Reading {
  reads: Set<StreamRead>;
  /** Set by `close`: a stream attached after it is read only for what it already holds. */
  stopped: boolean;
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
  deliver: Deliver,
  stdin: ServiceOutput["stdin"],
  onRelease: () => void,
  reading: Reading,
): ServiceOutput {
  let attached = false;
  let finished!: () => void;
  const delivered = new Promise<void>((resolve) => (finished = resolve));
  const read = (stream: Stream, source: ReadableStream<Uint8Array>): Promise<boolean> => {
    // Deliveries are chained so the quiet-timer flush cannot overtake a write of this stream.
    let chain = Promise.resolve();
    const send = (lines: LogLine[]) => (lines.length === 0 ? chain : (chain = chain.then(() => deliver(lines))));
    const splitter = new LineSplitter({ stream, maxLineBytes: reading.maxLineBytes, quietMs: reading.quietMs, onQuiet: (line) => void send([line]) });
    const reader = pump(source, (chunk) => send(splitter.push(chunk)));
    const entry: StreamRead = {
      stop: reader.stop,
      done: reader.done
        .then(async (ended) => {
          await send(splitter.end());
          return ended;
        })
        .catch((error) => {
          reading.onError(`reading ${stream} failed: ${String(error)}`);
          return true;
        })
        .finally(() => reading.reads.delete(entry)),
    };
    reading.reads.add(entry);
    if (reading.stopped) entry.stop();
    return entry.done;
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
