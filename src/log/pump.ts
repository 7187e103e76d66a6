/**
 * @module log/pump
 * Reads one of a child's output streams, cuts it into lines and hands them to the service's
 * sink, in order, awaiting the sink (so a slow sink slows the reader, and the kernel buffer then
 * slows the child) and handing the event loop back now and then: a reader that always has data
 * ready would otherwise starve timers and the control API (stalls of 100+ ms were measured).
 * At bosun's exit a pump is stopped: it takes what is readable at once and lets go of the
 * stream, since a process that outlived its service may hold it open for ever.
 *
 * An idle service's pumps are most of what bosun holds per service, so a pump is one object
 * with one suspended loop: no promise per read beyond the read itself, and no line splitter
 * until output arrives.
 */
import { LineSplitter, type LogChunk, type SplitterSettings } from "./lines.ts";
import type { Deliver } from "./sink.ts";
import type { Stream } from "./types.ts";

/** The longest stretch of reading before timers and I/O get a turn. */
const SLICE_MS = 8;
/** The most bytes given to the sink in one step. */
const MAX_PIECE = 256 * 1024;
/**
 * A stopped pump reads at most this much more: what the kernel holds for a child's output
 * (a pipe holds 64 KiB by default) and what Bun read ahead. A writer that keeps refilling it
 * loses the rest.
 */
const DRAIN_BYTES = 1024 * 1024;

/** What every pump shares: the line settings and where a failure is reported. */
export interface PumpSettings extends SplitterSettings {
  onError: (message: string) => void;
}

/**
 * The reader of a child's stream as Bun gives it. `readMany` takes every chunk read so far at
 * once, without a promise when there are some (measured: a flood through the console or a
 * rotated file goes about 1.2 times as fast as with `read`, a promise per chunk).
 */
interface Reader {
  readMany(): Promise<Bun.ReadableStreamDefaultReadManyResult<Uint8Array>> | Bun.ReadableStreamDefaultReadManyResult<Uint8Array>;
  cancel(reason?: unknown): Promise<void>;
  releaseLock(): void;
}

/** Told when a pump is over (its `done` is about to resolve). */
export interface PumpOwner {
  ended(pump: Pump): void;
}

/**
 * Lets pending timers and I/O callbacks run before continuing. A zero timeout rather than
 * setImmediate: measured on Bun 1.4, an immediate let a 1 ms interval run only every other time.
 */
function yieldToLoop(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

/**
 * Feeds every line of `source` to `deliver` until EOF or `stop`. A stream that errors (the
 * child's pipe torn down) ends the pump like EOF: what was read has been delivered.
 *
 * @example
 * const pump = new Pump("stdout", proc.stdout, (chunks) => file.write(chunks), settings, { ended() {} });
 * pump.stop();          // bosun exits
 * await pump.done;      // false: something still held the stream open
 */
export class Pump {
  /**
   * Resolves once all that was read has been delivered: true at the stream's end (or error),
   * false when stopped short of it.
   */
  readonly done: Promise<boolean>;
  private readonly reader: Reader;
  private splitter: LineSplitter | null = null;
  /** The latest delivery: the next waits for it, so deliveries keep their order. */
  private writing: Promise<void> | null = null;
  private stopping = false;
  private reading = false;
  /** Set when a stopped pump's read found nothing at once: the stream was let go. */
  private cut = false;
  private drained = 0;
  private timer: ReturnType<typeof setTimeout> | null = null;

  constructor(
    readonly stream: Stream,
    source: ReadableStream<Uint8Array>,
    private readonly deliver: Deliver,
    private readonly settings: PumpSettings,
    private readonly owner: PumpOwner,
  ) {
    this.reader = source.getReader() as unknown as Reader;
    this.done = this.run();
  }

  /**
   * Takes what is readable now (up to DRAIN_BYTES), hands it to the sink, then cancels the
   * stream: the writer's next write fails (EPIPE) instead of waiting in bosun.
   */
  stop(): void {
    if (this.stopping) return;
    this.stopping = true;
    if (this.reading) this.armCut();
  }

  /** A partial line the splitter flushed after its quiet time. */
  quiet(piece: LogChunk): void {
    void this.send([piece]);
  }

  /**
   * Measured on Bun 1.4: a read of data already buffered (by the kernel or by Bun) resolves
   * before a zero timeout fires, since Bun tries the read at once and polls for I/O before it
   * runs timers (an immediate runs before that poll, so it cannot tell). So a read still
   * pending when a zero timeout fires found nothing readable: the stream is let go.
   */
  private armCut(): void {
    this.timer ??= setTimeout(() => {
      this.timer = null;
      this.cut = true;
      this.reader.cancel().catch(() => {});
    }, 0);
  }

  /** Delivers after every earlier delivery of this stream; resolves when the sink can take more. */
  private send(chunks: LogChunk[]): Promise<void> {
    if (chunks.length === 0) return this.writing ?? Promise.resolve();
    const before = this.writing;
    const delivery = (before ? before.then(() => this.deliver(chunks)) : this.deliver(chunks)).catch((error: unknown) => {
      this.settings.onError(`writing ${this.stream} failed: ${String(error)}`);
    });
    this.writing = delivery;
    return delivery;
  }

  private async run(): Promise<boolean> {
    let ended = true;
    try {
      let sliceStart = performance.now();
      for (;;) {
        if (this.stopping) {
          if (this.drained > DRAIN_BYTES) {
            this.reader.cancel().catch(() => {});
            ended = false;
            break;
          }
          this.armCut();
        }
        let next = this.reader.readMany();
        if (next instanceof Promise) {
          this.reading = true;
          try {
            next = await next;
          } catch {
            break; // a read error means the pipe is gone; nothing more will come
          } finally {
            this.reading = false;
          }
        }
        if (this.timer) clearTimeout(this.timer);
        this.timer = null;
        if (this.cut) {
          ended = false;
          break;
        }
        for (const chunk of next.value) {
          // Bun hands over whatever it buffered before the first read in one chunk (measured: 50 MB
          // when a reader came late); pieces keep each step of work short.
          if (this.stopping) this.drained += chunk.length;
          this.splitter ??= new LineSplitter(this.stream, this.settings, this);
          for (let at = 0; at < chunk.length; at += MAX_PIECE) {
            // One piece may be in the sink while the next is read: reading and writing overlap,
            // and bosun still holds at most two pieces of a stream's output.
            await this.writing;
            void this.send(this.splitter.push(chunk.subarray(at, at + MAX_PIECE)));
            if (performance.now() - sliceStart > SLICE_MS) {
              await yieldToLoop();
              sliceStart = performance.now();
            }
          }
        }
        if (next.done) break;
        if (performance.now() - sliceStart > SLICE_MS) {
          await yieldToLoop();
          sliceStart = performance.now();
        }
      }
      await this.send(this.splitter?.end() ?? []);
    } catch (error) {
      this.settings.onError(`reading ${this.stream} failed: ${String(error)}`);
    } finally {
      if (this.timer) clearTimeout(this.timer);
      this.reader.releaseLock();
      this.owner.ended(this);
    }
    return ended;
  }
}
