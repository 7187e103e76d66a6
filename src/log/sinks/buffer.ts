/**
 * @module log/sinks/buffer
 * `log-type = buffer`: the newest `log-buffer-size` bytes of output kept in memory, exactly as
 * written (newlines where the service wrote them), for `bosun logs` and `--clear`.
 */
import type { ServiceDescription } from "../../config/schema.ts";
import type { LogLine } from "../lines.ts";
import { ByteRing } from "../ring.ts";
import type { Channel, Follower, Sink, Target } from "../sink.ts";
import { lastLines } from "../tail.ts";

const NEWLINE = new Uint8Array([10]);

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
      deliver: (lines: LogLine[]): Promise<void> => {
        for (const line of lines) {
          ring.write(line.bytes);
          if (line.complete) ring.write(NEWLINE);
          if (channel.following) channel.notify(this.decoder.decode(line.bytes), line.stream);
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
