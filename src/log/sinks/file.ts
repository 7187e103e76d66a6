/**
 * @module log/sinks/file
 * `log-type = file`. A plain text log without rotation gets the child's own descriptor on the
 * file: no copy through bosun. JSON lines, size rotation and `log-file-after` pass through
 * bosun's FileLog (log/file.ts), which is kept across launches so rotation counts the file's
 * real size. While the file is unusable the output shows on the console; the problem is
 * reported once and the file retried. Readers read the file itself, so `bosun logs` sees what
 * the child wrote directly too.
 */
import type { ServiceDescription } from "../../config/schema.ts";
import { FileLog, fileProblem, fileSettings, openDirect, sameSettings } from "../file.ts";
import { fileParts, type LogFormat } from "../format.ts";
import { lineCount, type LogChunk } from "../lines.ts";
import type { Channel, Deliver, Follower, Report, Sink, Target } from "../sink.ts";
import { followFile, tailFile, type FileFollow } from "../tail.ts";
import type { ConsoleOutput } from "./console.ts";

/** Settings of a `FileSink`, shared by the file sinks of a router. */
export interface FileSinkOptions {
  /** Where output goes while the file is unusable. */
  console: ConsoleOutput;
  /** After a log file failed, how long before it is tried again. */
  retryMs: number;
  /** Output held in memory while waiting for `log-file-after` (oldest lines dropped beyond). */
  holdBytes: number;
  /** Lines `tail` gives when no count is asked for. */
  recentLines: number;
  /** Whether a service has reached started (`log-file-after`). */
  started(name: string): boolean;
  report: Report;
}

/** Output held for `log-file-after` until the named service has started. */
interface Hold {
  until: string;
  chunks: LogChunk[];
  bytes: number;
  dropped: number;
}

/**
 * A file service's sink.
 *
 * @example
 * const sink = new FileSink(channel, { console, retryMs: 5000, holdBytes: 1 << 20, recentLines: 200, started, report });
 * sink.open(desc) // { fd } for a plain file, else { deliver }
 */
export class FileSink implements Sink {
  /** The log file's path for tail and follow. */
  private path: string | null = null;
  /** The writer for output passing through bosun (kept across launches for rotation). */
  private writer: FileLog | null = null;
  private hold: Hold | null = null;
  /** Held output on its way to the file: until it lands, launches write through bosun behind it. */
  private flushing: Promise<void> | null = null;
  /** Formats of the latest launch: the file's (JSON only when the service asks) and the console's. */
  private fileFormat: LogFormat = "text";
  private consoleFormat: LogFormat;
  /** Followers reading the file, brought up to date at close. */
  private readonly readers = new Set<FileFollow>();

  constructor(
    private readonly channel: Channel,
    private readonly opts: FileSinkOptions,
  ) {
    this.consoleFormat = opts.console.format;
  }

  /**
   * The child's own fd on the file when nothing needs bosun in between (plain text, no
   * rotation, nothing held for `log-file-after`), else a delivery through FileLog.
   */
  open(desc: ServiceDescription): Target {
    this.consoleFormat = desc.logFormat ?? this.opts.console.format;
    const settings = fileSettings(desc);
    this.path = settings.path;
    // The daemon's default format is for the console; a file gets JSON only when the service
    // asks, so a plain file keeps dinit's raw output and the direct fast path.
    const format = desc.logFormat ?? "text";
    this.fileFormat = format;
    if (!this.writer || !sameSettings(this.writer.settings, settings)) {
      void this.writer?.close();
      this.writer = new FileLog(settings, { retryMs: this.opts.retryMs, onProblem: (problem) => this.channel.setProblem(problem) });
    }
    // Held output must reach the file before anything newer, so a launch that finds some
    // (log-file-after changed by a reload) writes through bosun too.
    const held = this.hold !== null || this.flushing !== null;
    if (desc.logFileAfter && !this.opts.started(desc.logFileAfter)) {
      this.hold ??= { until: desc.logFileAfter, chunks: [], bytes: 0, dropped: 0 };
    } else if (held) {
      void this.releaseHold();
    }
    if (format === "text" && settings.maxSize === 0 && !held && !this.hold) {
      try {
        const fd = openDirect(settings);
        this.channel.setProblem(null);
        return { fd };
      } catch (error) {
        this.channel.setProblem(fileProblem(settings.path, error, this.opts.retryMs));
      }
    }
    return { deliver: this.toFile(this.writer) };
  }

  tail(lines?: number): string[] | null {
    return this.path ? tailFile(this.path, lines ?? this.opts.recentLines) : null;
  }

  /** A file is followed on disk: a child writing to its own fd never passes through bosun. */
  follow(onLine: Follower): () => void {
    const path = this.path;
    if (!path) return this.channel.follow(onLine);
    let reader: FileFollow;
    try {
      reader = followFile(path, (line) => onLine(line, "stdout"));
    } catch (error) {
      this.opts.report("warn", `cannot follow ${path}: ${error instanceof Error ? error.message : String(error)}`, this.channel.name);
      return () => {};
    }
    this.readers.add(reader);
    return () => {
      this.readers.delete(reader);
      reader.stop();
    };
  }

  clear(): boolean {
    return false;
  }

  serviceStarted(name: string): void {
    if (this.hold?.until === name) void this.releaseHold();
  }

  reopen(): void {
    void this.writer?.reopen();
  }

  /** Writes out what is still held, closes the file, and lets its followers read it to the end. */
  async close(): Promise<void> {
    await this.releaseHold();
    await this.writer?.close();
    await Promise.all([...this.readers].map((reader) => reader.finish()));
    this.readers.clear();
  }

  /** Through bosun: held while waiting for `log-file-after`, on the console while the file fails. */
  private toFile(writer: FileLog): Deliver {
    const format = this.fileFormat;
    const fallback = this.opts.console.lines(this.channel, this.consoleFormat, null);
    return async (chunks: LogChunk[]): Promise<void> => {
      if (chunks.length === 0) return;
      if (this.hold) return this.holdChunks(this.hold, chunks);
      if (!(await writer.write(fileParts(this.channel.name, chunks, format)))) await fallback(chunks);
    };
  }

  /** Holds output until `log-file-after`'s service starts, dropping the oldest lines beyond the limit. */
  private holdChunks(hold: Hold, chunks: LogChunk[]): void {
    for (const chunk of chunks) {
      // Copied: held for long, it should not keep the reader's larger chunk alive.
      hold.chunks.push({ ...chunk, bytes: chunk.bytes.slice() });
      hold.bytes += chunk.bytes.length;
    }
    while (hold.bytes > this.opts.holdBytes && hold.chunks.length > 0) {
      const oldest = hold.chunks[0] as LogChunk;
      const excess = hold.bytes - this.opts.holdBytes;
      // Whole lines go: the oldest run loses as many of its first lines as it takes.
      const cut = oldest.complete && excess < oldest.bytes.length ? oldest.bytes.indexOf(10, excess - 1) + 1 : oldest.bytes.length;
      const gone: LogChunk = { ...oldest, bytes: oldest.bytes.subarray(0, cut) };
      if (cut === oldest.bytes.length) hold.chunks.shift();
      else oldest.bytes = oldest.bytes.subarray(cut);
      hold.bytes -= cut;
      hold.dropped += lineCount(gone);
    }
  }

  /** Writes out what `log-file-after` held (then or at exit), ahead of anything later. */
  private releaseHold(): Promise<void> {
    const hold = this.hold;
    this.hold = null;
    if (!hold || !this.writer) return Promise.resolve();
    if (hold.dropped > 0) {
      this.opts.report("warn", `${hold.dropped} line(s) dropped while waiting for ${hold.until} (more than ${this.opts.holdBytes} bytes held)`, this.channel.name);
    }
    const flushing = this.toFile(this.writer)(hold.chunks).finally(() => {
      if (this.flushing === flushing) this.flushing = null;
    });
    this.flushing = flushing;
    return flushing;
  }
}
