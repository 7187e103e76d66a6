/**
 * @module log/sinks/buffer
 * `log-type = buffer`: the newest `log-buffer-size` bytes of output kept in memory, exactly as
 * written (newlines where the service wrote them), for `bosun logs` and `--clear`.
 */
import type { ServiceDescription } from "../../config/schema.ts";
import { linesOf, type LogChunk } from "../lines.ts";
import { ByteRing } from "../ring.ts";
import type { Channel, Follower, Sink, Target } from "../sink.ts";
import { lastLines } from "../tail.ts";

/**
 * A buffer service's sink. The ring is kept across launches, and made anew when a reload
 * changes its size.
 *
 * @example
 * const sink = new BufferSink(channel);
 * const target = sink.open(desc); // { deliver }
 * sink.tail(20);
 */
export class BufferSink implements Sink {
  private ring: ByteRing | null = null;
  private readonly decoder = new TextDecoder();

  constructor(private readonly channel: Channel) {}

  open(desc: ServiceDescription): Target {
    if (!this.ring || this.ring.size !== desc.logBufferSize) this.ring = new ByteRing(desc.logBufferSize);
    const ring = this.ring;
    const channel = this.channel;
    return {
      deliver: (chunks: LogChunk[]): Promise<void> => {
        for (const chunk of chunks) {
          // Kept as written: a piece of a line gets no newline of its own.
          ring.write(chunk.bytes);
          if (channel.following) for (const line of linesOf(chunk)) channel.notify(line, chunk.stream);
        }
        return Promise.resolve();
      },
    };
  }

  tail(lines?: number): string[] | null {
    return this.ring ? lastLines(this.decoder.decode(this.ring.contents()), lines) : null;
  }

  follow(onLine: Follower): () => void {
    return this.channel.follow(onLine);
  }

  clear(): boolean {
    this.ring?.clear();
    return this.ring !== null;
  }

  retire(): void {
    this.ring = null;
  }
}
