/**
 * @module log/types
 * The boundary between the process layer and the log sinks: for each launch the launcher asks
 * the router what to give the child as stdin/stdout/stderr, and hands over the child's pipes
 * where output passes through bosun. The control layer reads logs back through the same router.
 */
import type { ServiceDescription } from "../config/schema.ts";

/** Which of a child's output streams a line came from. */
export type Stream = "stdout" | "stderr";

/** The standard streams for one launch of one service. */
export interface ServiceOutput {
  /** `ignore` = /dev/null; a number = an fd bosun holds (consumer-of: the held pipe's read end). */
  stdin: "ignore" | number;
  /** A number = an fd the child writes to directly (plain file sink: no copy through bosun). */
  stdout: "pipe" | "ignore" | number;
  stderr: "pipe" | "ignore" | number;
  /** For `pipe` entries: the child's streams, read by the sink with backpressure. */
  attach(streams: { stdout: ReadableStream<Uint8Array> | null; stderr: ReadableStream<Uint8Array> | null }): void;
  /** The child is gone: flush partial lines, close per-launch fds (held pipes stay open). */
  release(): void;
  /**
   * Resolves once all output of this launch that passes through bosun has been read to its
   * end and written (at once when none does; at `release` when nothing was attached; at
   * `close`, once what the pipes held has been written, when a leftover process keeps one open).
   */
  delivered?: Promise<void>;
}

/** Where bosun's own messages go, with the same sink and format as the services'. */
export type SystemLevel = "debug" | "info" | "warn" | "error";

/** The log layer as the others see it. `createLogRouter` in log/router.ts builds one. */
export interface LogRouter {
  /** Never throws: an unusable sink degrades (to the console) and is reported once via `problem`. */
  open(service: ServiceDescription): ServiceOutput;
  /** bosun's own message, one line, attributed to a service when there is one. */
  system(level: SystemLevel, message: string, service?: string): void;
  /** A service reached started: releases `log-file-after` buffers waiting on it. */
  serviceStarted(name: string): void;
  /** SIGUSR1: reopen every log file (after an external logrotate). */
  reopen(): void;
  /** The last `lines` lines of a service's output (any log type), or null if none is kept. */
  tail(name: string, lines?: number): string[] | null;
  /**
   * Calls `onLine` for each new line of the service's output until the returned function is
   * called. By the time `close` resolves it has had every line bosun read, and for a log file
   * every line in the file.
   */
  follow(name: string, onLine: (line: string, stream: Stream) => void): () => void;
  /** Clear a buffer-type service's ring; false when it has none. */
  clear(name: string): boolean;
  /** The current sink problem of a service (unwritable file, full disk), for `status`. */
  problem(name: string): string | null;
  /**
   * bosun exiting: reads what each service's output already holds, delivers it, and stops
   * reading (a process that outlived its service may keep its pipe open: what it writes later
   * is dropped); then writes out held output, closes files and flushes the console.
   */
  close(): Promise<void>;
}
