/**
 * @module log/sinks/none
 * `log-type = none`: the child's stdout and stderr are /dev/null; nothing is kept.
 */
import type { Channel, Follower, Sink, Target } from "../sink.ts";

/**
 * A sink that discards. Followers are kept on the channel: a reload may give the service a
 * log type whose lines they will see.
 *
 * @example
 * new NoneSink(channel).open(desc) // { fd: "ignore" }
 */
export class NoneSink implements Sink {
  constructor(private readonly channel: Channel) {}

  open(): Target {
    return { fd: "ignore" };
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
