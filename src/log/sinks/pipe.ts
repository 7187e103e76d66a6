/**
 * @module log/sinks/pipe
 * `log-type = pipe`: the child writes straight into its held pipe (log/pipes.ts), which the
 * service naming it in `consumer-of` reads as its stdin. Nothing passes through bosun and
 * nothing is kept.
 */
import type { ServiceDescription } from "../../config/schema.ts";
import type { HeldPipes } from "../pipes.ts";
import type { Channel, Follower, Sink, Target } from "../sink.ts";

/**
 * A producer's sink: each launch gets a new descriptor on the same held pipe.
 *
 * @example
 * new PipeSink(channel, pipes).open(desc) // { fd } on the pipe's write end
 */
export class PipeSink implements Sink {
  constructor(
    private readonly channel: Channel,
    private readonly pipes: HeldPipes,
  ) {}

  open(desc: ServiceDescription): Target {
    return { fd: this.pipes.writeEnd(desc.name) };
  }

  tail(): null {
    return null;
  }

  follow(onLine: Follower): () => void {
    return this.channel.follow(onLine);
  }

  clear(): boolean {
    return false;
  }
}
