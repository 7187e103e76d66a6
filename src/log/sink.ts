/**
 * @module log/sink
 * The one interface every log type implements (log/sinks/: console, file, buffer, pipe, none),
 * and the `Channel` the sinks of one service share: its followers and its reported problem,
 * both of which outlive a reload that changes the service's log type. The router
 * (log/router.ts) maps each service to its sink.
 */
import type { ServiceDescription } from "../config/schema.ts";
import type { LogChunk } from "./lines.ts";
import type { Stream, SystemLevel } from "./types.ts";

/** Takes a batch of output (one stream's, in order); resolves when it can take more (backpressure). */
export type Deliver = (chunks: LogChunk[]) => Promise<void>;

/**
 * Where one launch's output goes, as its sink decides:
 * - `fd`: the child writes there itself, nothing passes through bosun (`ignore` = /dev/null; a
 *   number is bosun's descriptor, closed once the child holds its own copy);
 * - `deliver`: the output passes through bosun, read with backpressure and cut into lines.
 */
export type Target = { fd: number | "ignore" } | { deliver: Deliver };

/** Receives each new line of a service's output. */
export type Follower = (line: string, stream: Stream) => void;

/** bosun's own message, as `LogRouter.system` takes it. */
export type Report = (level: SystemLevel, message: string, service?: string) => void;

/**
 * One log type's handling of one service's output, kept across launches. The router asks the
 * current sink (the one of the latest launch's log type) for everything a reader wants.
 */
export interface Sink {
  /**
   * Where this launch's output goes. Throws, naming the setting at fault, when the sink cannot
   * be used (the router then shows the output on the console and reports the problem).
   */
  open(desc: ServiceDescription): Target;
  /** The newest `lines` lines kept (all kept when omitted), or null when this sink keeps none. */
  tail(lines?: number): string[] | null;
  /** Calls `onLine` for each new line until the returned function is called. */
  follow(onLine: Follower): () => void;
  /** Forgets the kept output; false when this sink keeps nothing that can be cleared. */
  clear(): boolean;
  /** A reload gave the service another log type: drop what only served this one's readers. */
  retire?(): void;
  /** A service reached started (what `log-file-after` waits for). */
  serviceStarted?(name: string): void;
  /** SIGUSR1: reopen files by their path (after an external logrotate). */
  reopen?(): void;
  /**
   * bosun exits; everything read has been delivered. Write out what is held, close files, and
   * bring followers up to date with what was written.
   */
  close?(): Promise<void>;
}

/**
 * What the sinks of one service share: its name, the followers of its output (kept when a
 * reload changes the log type, so `bosun logs -f` goes on), and its current sink problem,
 * logged once when it appears and once when it clears.
 *
 * @example
 * const channel = new Channel("web", logs.system);
 * const stop = channel.follow((line) => console.log(line));
 * channel.notify("listening", "stdout");
 */
export class Channel {
  /** Made on the first follow: most services are never followed. */
  private followers: Set<Follower> | null = null;
  private current: string | null = null;

  constructor(
    readonly name: string,
    private readonly report: Report,
  ) {}

  /** True while someone follows (a sink decodes lines for followers only then). */
  get following(): boolean {
    return this.followers !== null && this.followers.size > 0;
  }

  follow(onLine: Follower): () => void {
    const followers = (this.followers ??= new Set());
    followers.add(onLine);
    return () => void followers.delete(onLine);
  }

  /** Hands a line to every follower; one that throws is dropped, never the sink. */
  notify(line: string, stream: Stream): void {
    const followers = this.followers;
    if (!followers) return;
    for (const follower of followers) {
      try {
        follower(line, stream);
      } catch (error) {
        followers.delete(follower);
        this.report("warn", `a log follower failed and was dropped: ${String(error)}`, this.name);
      }
    }
  }

  /** The sink problem shown in `status` (unwritable file, full disk), or null. */
  get problem(): string | null {
    return this.current;
  }

  /** Records a sink problem (null: it cleared), logging it once when it appears and once when it clears. */
  setProblem(problem: string | null): void {
    if (problem === this.current) return;
    const previous = this.current;
    this.current = problem;
    if (problem) this.report("error", problem, this.name);
    else this.report("info", `log output is written again (was: ${previous})`, this.name);
  }
}
