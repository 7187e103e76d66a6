/**
 * @module log/sinks/console
 * `log-type = console` (the default): each line goes to bosun's stdout or stderr, as the child
 * wrote it there, prefixed with the service's name or as a JSON line, and the newest lines are
 * kept for `bosun logs`. `ConsoleOutput` is bosun's pair of console streams, shared by every
 * service, by the sinks that fall back to it, and by bosun's own lines.
 */
import type { ServiceDescription } from "../../config/schema.ts";
import { jsonLines, prefixed, Prefixes, systemLine, type LogFormat } from "../format.ts";
import { joinBytes, LineEnds, linesOf, type LogChunk } from "../lines.ts";
import { LineRing } from "../ring.ts";
import type { Channel, Deliver, Follower, Sink, Target } from "../sink.ts";
import type { SystemLevel } from "../types.ts";
import { ConsoleWriter, type Writable } from "../writer.ts";

const NEWLINE = new Uint8Array([10]);

/** Settings of `ConsoleOutput`. */
export interface ConsoleOptions {
  stdout: Writable;
  stderr: Writable;
  /** The format of bosun's own lines and of services that set no `log-format`. */
  format: LogFormat;
  /** Colour the prefixes (default: when stdout is a terminal and NO_COLOR is unset). */
  color?: boolean;
}

/**
 * bosun's console: services' stdout lines to its stdout, their stderr lines and bosun's own
 * lines to its stderr, each write awaitable for backpressure. A broken stream drops output.
 *
 * @example
 * const output = new ConsoleOutput({ stdout: process.stdout, stderr: process.stderr, format: "text" });
 * await output.lines(channel, "text", null)(chunks);
 */
export class ConsoleOutput {
  readonly format: LogFormat;
  private readonly stdout: ConsoleWriter;
  private readonly stderr: ConsoleWriter;
  private readonly prefixes: Prefixes;
  /** The newline index of the run being written (every service's deliveries share it). */
  private readonly ends = new LineEnds();

  constructor(opts: ConsoleOptions) {
    this.stdout = new ConsoleWriter(opts.stdout);
    this.stderr = new ConsoleWriter(opts.stderr);
    this.format = opts.format;
    this.prefixes = new Prefixes(opts.color ?? (Boolean(opts.stdout.isTTY) && !process.env.NO_COLOR));
  }

  /**
   * Delivers a service's lines to the console in `format`; each line also goes to `recent`
   * (when given) and to the channel's followers.
   */
  lines(channel: Channel, format: LogFormat, recent: LineRing | null): Deliver {
    this.prefixes.admit(channel.name);
    return (chunks: LogChunk[]): Promise<void> => {
      const first = chunks[0];
      if (!first) return Promise.resolve();
      const ends = this.ends;
      ends.index(chunks);
      if (recent) {
        for (let i = 0; i < chunks.length; i++) {
          const { bytes, complete } = chunks[i] as LogChunk;
          const kept = Math.min(ends.counts[i] as number, recent.capacity);
          recent.push(complete ? bytes.subarray(ends.startOfLast(i, kept)) : joinBytes([bytes, NEWLINE]), kept);
        }
      }
      // Text is assembled as bytes (no decode/encode round trip), before any follower runs: the
      // newline index is shared, and a follower's own output must not renumber it meanwhile.
      const json = format === "json";
      const prefixedText = json ? null : prefixed(this.prefixes.bytes(channel.name), chunks, ends);
      const following = channel.following;
      let text = "";
      if (json || following) {
        const time = json ? new Date().toISOString() : "";
        for (const chunk of chunks) {
          const lines = linesOf(chunk);
          if (following) for (const line of lines) channel.notify(line, chunk.stream);
          if (json) text += jsonLines(channel.name, chunk.stream, lines, time);
        }
      }
      // A batch comes from one stream.
      const out = first.stream === "stderr" ? this.stderr : this.stdout;
      return out.write(prefixedText ?? text);
    };
  }

  /**
   * One of bosun's own lines, on stderr. Not awaited: bosun's own lines are few, and the caller
   * (a signal handler, the engine's event listener) must not wait on the console.
   */
  system(level: SystemLevel, message: string, service?: string): void {
    void this.stderr.write(systemLine(this.format, this.prefixes, level, message, service));
  }

  /** Resolves once both streams have taken everything written so far. */
  async flush(): Promise<void> {
    await Promise.all([this.stdout.write(""), this.stderr.write("")]);
  }
}

/**
 * A console service's sink: its lines on the console, the newest `recentLines` kept for
 * `bosun logs`.
 *
 * @example
 * const sink = new ConsoleSink(channel, console, 200);
 * const target = sink.open(desc); // { deliver }
 */
export class ConsoleSink implements Sink {
  private recent: LineRing | null = null;

  constructor(
    private readonly channel: Channel,
    private readonly output: ConsoleOutput,
    private readonly recentLines: number,
  ) {}

  open(desc: ServiceDescription): Target {
    this.recent ??= new LineRing(this.recentLines);
    return { deliver: this.deliver(desc.logFormat ?? this.output.format) };
  }

  /** The console delivery in `format`, kept in the recent lines once a launch has opened them. */
  deliver(format: LogFormat): Deliver {
    return this.output.lines(this.channel, format, this.recent);
  }

  tail(lines?: number): string[] | null {
    return this.recent?.last(lines) ?? null;
  }

  follow(onLine: Follower): () => void {
    return this.channel.follow(onLine);
  }

  clear(): boolean {
    return false;
  }

  retire(): void {
    this.recent = null;
  }
}
