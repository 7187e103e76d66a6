/**
 * @module log/router
 * `createLogRouter`: decides per launch where a service's output goes (console, file, memory
 * ring, held pipe, nowhere), runs the readers for output that passes through bosun, and answers
 * the control layer's questions (tail, follow, clear, problem). One router per daemon.
 */
import { closeSync } from "node:fs";
import type { ServiceDescription } from "../config/schema.ts";
import { FileLog, fileProblem, fileSettings, openDirect, sameSettings } from "./file.ts";
import { fileBytes, jsonLine, prefixed, Prefixes, systemLine, type LogFormat } from "./format.ts";
import { passthrough, type Reading } from "./launch.ts";
import type { LogLine } from "./lines.ts";
import { HeldPipes } from "./pipes.ts";
import { ByteRing, LineRing } from "./ring.ts";
import { followFile, lastLines, tailFile } from "./tail.ts";
import type { LogRouter, ServiceOutput, Stream, SystemLevel } from "./types.ts";
import { ConsoleWriter, type Writable } from "./writer.ts";

/** Settings of `createLogRouter`; every one has a default. */
export interface LogRouterOptions {
  /** Services' stdout lines go here (default process.stdout). */
  stdout?: Writable;
  /**
   * Services' stderr lines and bosun's own messages go here (default process.stderr): the two
   * streams stay apart as `docker logs` shows them, and bosun's diagnostics stay out of stdout
   * as tini, s6 and container runtimes keep theirs.
   */
  stderr?: Writable;
  /** Console format when a service sets no `log-format`, and the format of bosun's own lines. */
  format?: LogFormat;
  /** Colour the prefixes (default: when stdout is a terminal and NO_COLOR is unset). */
  color?: boolean;
  /** bosun's own messages below this level are dropped (default info). */
  level?: SystemLevel;
  /** A partial line is printed after this long without its newline (default 100 ms). */
  quietMs?: number;
  /** Lines longer than this are cut into pieces (default 16 KiB). */
  maxLineBytes?: number;
  /** Lines kept per console service for `bosun logs` (default 200). */
  recentLines?: number;
  /**
   * How long `close` waits for output still being read (default 2000 ms): a grandchild that
   * outlived its service may hold the pipe open indefinitely.
   */
  closeWaitMs?: number;
  /** After a log file failed, how long before it is tried again (default 5000 ms). */
  retryMs?: number;
  /** Output held in memory per service while waiting for `log-file-after` (default 1 MiB; oldest lines dropped beyond). */
  holdBytes?: number;
  /** Where the private directory of held pipes is made (default the system temp dir). */
  runtimeDir?: string;
}

const LEVELS: Record<SystemLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };

type Listener = (line: string, stream: Stream) => void;

/** Output held for `log-file-after` until the named service has started. */
interface Hold {
  until: string;
  lines: LogLine[];
  bytes: number;
  dropped: number;
}

/** What bosun keeps per service across launches. */
interface Channel {
  name: string;
  /** The log type of the latest launch. */
  type: ServiceDescription["logType"];
  recent: LineRing | null;
  ring: ByteRing | null;
  /** The log file's path for tail/follow (file type). */
  path: string | null;
  /** The writer for output passing through bosun to the file (kept across launches for rotation). */
  file: FileLog | null;
  hold: Hold | null;
  /** Held output on its way to the file: until it lands, launches write through bosun behind it. */
  flushing: Promise<void> | null;
  /** Formats of the latest launch: the file's (JSON only when the service asks) and the console's. */
  fileFormat: LogFormat;
  consoleFormat: LogFormat;
  listeners: Set<Listener>;
  problem: string | null;
}

const NEWLINE = new Uint8Array([10]);

/**
 * Builds the daemon's log router.
 *
 * @example
 * const logs = createLogRouter({ format: "json" });
 * const out = logs.open(desc);
 * const proc = Bun.spawn(desc.command!, { stdin: out.stdin, stdout: out.stdout, stderr: out.stderr });
 * out.attach({ stdout: out.stdout === "pipe" ? proc.stdout : null, stderr: out.stderr === "pipe" ? proc.stderr : null });
 * proc.exited.then(() => out.release());
 */
export function createLogRouter(opts: LogRouterOptions = {}): LogRouter {
  const stdout = new ConsoleWriter(opts.stdout ?? process.stdout);
  const stderr = new ConsoleWriter(opts.stderr ?? process.stderr);
  const defaultFormat = opts.format ?? "text";
  const colour = opts.color ?? (Boolean(stdout.stream.isTTY) && !process.env.NO_COLOR);
  const minLevel = LEVELS[opts.level ?? "info"];
  const quietMs = opts.quietMs ?? 100;
  const maxLineBytes = opts.maxLineBytes ?? 16384;
  const recentLines = opts.recentLines ?? 200;
  const closeWaitMs = opts.closeWaitMs ?? 2000;
  const retryMs = opts.retryMs ?? 5000;
  const holdBytes = opts.holdBytes ?? 1024 * 1024;
  const pipes = new HeldPipes(opts.runtimeDir);
  const started = new Set<string>();
  const prefixes = new Prefixes(colour);
  const decoder = new TextDecoder();
  const channels = new Map<string, Channel>();
  /** Output of every launch still being read, with the options of the readers. */
  const reading: Reading = { pumps: new Set(), maxLineBytes, quietMs, onError: (message) => system("error", message) };

  function channelOf(name: string): Channel {
    let channel = channels.get(name);
    if (!channel) {
      channel = { name, type: "console", recent: null, ring: null, path: null, file: null, hold: null, flushing: null, fileFormat: "text", consoleFormat: defaultFormat, listeners: new Set(), problem: null };
      channels.set(name, channel);
    }
    return channel;
  }

  function system(level: SystemLevel, message: string, service?: string): void {
    if (LEVELS[level] < minLevel) return;
    // Not awaited: bosun's own lines are few, and the caller (a signal handler, the engine's
    // event listener) must not wait on the console.
    void stderr.write(systemLine(defaultFormat, prefixes, level, message, service));
  }

  /** Records a sink problem, logging it once when it appears and once when it clears. */
  function setProblem(channel: Channel, problem: string | null): void {
    if (problem === channel.problem) return;
    const previous = channel.problem;
    channel.problem = problem;
    if (problem) system("error", problem, channel.name);
    else system("info", `log output is written again (was: ${previous})`, channel.name);
  }

  function notify(channel: Channel, line: string, stream: Stream): void {
    for (const listener of channel.listeners) {
      try {
        listener(line, stream);
      } catch (error) {
        channel.listeners.delete(listener);
        system("warn", `a log follower failed and was dropped: ${String(error)}`, channel.name);
      }
    }
  }

  /** Console passthrough: prefixed text or JSON lines, each stream to its own console stream. */
  function toConsole(channel: Channel, format: LogFormat) {
    prefixes.admit(channel.name);
    return (lines: LogLine[]): Promise<void> => {
      const first = lines[0];
      if (!first) return Promise.resolve();
      // Only the newest lines of a batch can stay in the ring: decode just those.
      const recent = channel.recent;
      const keepFrom = recent ? Math.max(0, lines.length - recent.capacity) : lines.length;
      const following = channel.listeners.size > 0;
      const texts: string[] = [];
      for (let i = 0; i < lines.length; i++) {
        const line = lines[i] as LogLine;
        if (format === "text" && i < keepFrom && !following) continue;
        const s = decoder.decode(line.bytes);
        if (i >= keepFrom) recent?.push(s);
        if (following) notify(channel, s, line.stream);
        texts.push(s);
      }
      // A batch comes from one stream; text is assembled as bytes (no decode/encode round trip).
      const out = first.stream === "stderr" ? stderr : stdout;
      if (format === "text") return out.write(prefixed(prefixes.bytes(channel.name), lines));
      const time = new Date().toISOString();
      return out.write(texts.map((s) => jsonLine(channel.name, first.stream, s, time)).join(""));
    };
  }

  /** Memory ring: the raw bytes, newlines kept where the service wrote them. */
  function toRing(channel: Channel, ring: ByteRing) {
    return (lines: LogLine[]): Promise<void> => {
      for (const line of lines) {
        ring.write(line.bytes);
        if (line.complete) ring.write(NEWLINE);
        if (channel.listeners.size > 0) notify(channel, decoder.decode(line.bytes), line.stream);
      }
      return Promise.resolve();
    };
  }

  /** Holds lines until `log-file-after`'s service starts, dropping the oldest beyond the limit. */
  function holdLines(hold: Hold, lines: LogLine[]): void {
    for (const line of lines) {
      // Copied: the reader's chunk memory is not ours to keep.
      hold.lines.push({ ...line, bytes: line.bytes.slice() });
      hold.bytes += line.bytes.length + 1;
    }
    while (hold.bytes > holdBytes && hold.lines.length > 0) {
      const dropped = hold.lines.shift();
      hold.bytes -= (dropped?.bytes.length ?? 0) + 1;
      hold.dropped++;
    }
  }

  /** File sink through bosun: held while waiting for `log-file-after`, on the console while the file fails. */
  function toFile(channel: Channel, log: FileLog) {
    const format = channel.fileFormat;
    const fallback = toConsole(channel, channel.consoleFormat);
    return async (lines: LogLine[]): Promise<void> => {
      if (lines.length === 0) return;
      if (channel.hold) return holdLines(channel.hold, lines);
      if (!(await log.write(fileBytes(channel.name, lines, format)))) await fallback(lines);
    };
  }

  /** Writes out what `log-file-after` held (then or at exit), ahead of anything later. */
  function releaseHold(channel: Channel): Promise<void> {
    const hold = channel.hold;
    channel.hold = null;
    if (!hold || !channel.file) return Promise.resolve();
    if (hold.dropped > 0) system("warn", `${hold.dropped} line(s) dropped while waiting for ${hold.until} (more than ${holdBytes} bytes held)`, channel.name);
    const flushing = toFile(channel, channel.file)(hold.lines).finally(() => {
      if (channel.flushing === flushing) channel.flushing = null;
    });
    channel.flushing = flushing;
    return flushing;
  }

  /**
   * Where a file-type service's output goes this launch: its own fd on the file when nothing
   * needs bosun in between (plain text, no rotation, not waiting for log-file-after), else
   * through bosun's FileLog.
   */
  function openFile(desc: ServiceDescription, channel: Channel): { fd: number } | { deliver: (lines: LogLine[]) => Promise<void> } {
    const settings = fileSettings(desc);
    channel.path = settings.path;
    // The daemon's default format is for the console; a file gets JSON only when the service
    // asks, so a plain file keeps dinit's raw output and the direct fast path.
    const format = desc.logFormat ?? "text";
    channel.fileFormat = format;
    if (!channel.file || !sameSettings(channel.file.settings, settings)) {
      void channel.file?.close();
      channel.file = new FileLog(settings, { retryMs, onProblem: (problem) => setProblem(channel, problem) });
    }
    // Held output must reach the file before anything newer, so a launch that finds some
    // (log-file-after changed by a reload) writes through bosun too.
    const held = channel.hold !== null || channel.flushing !== null;
    if (desc.logFileAfter && !started.has(desc.logFileAfter)) {
      channel.hold ??= { until: desc.logFileAfter, lines: [], bytes: 0, dropped: 0 };
    } else if (held) {
      void releaseHold(channel);
    }
    if (format === "text" && settings.maxSize === 0 && !held && !channel.hold) {
      try {
        const fd = openDirect(settings);
        setProblem(channel, null);
        return { fd };
      } catch (error) {
        setProblem(channel, fileProblem(settings.path, error, retryMs));
      }
    }
    return { deliver: toFile(channel, channel.file) };
  }

  function open(desc: ServiceDescription): ServiceOutput {
    const channel = channelOf(desc.name);
    channel.type = desc.logType;
    channel.consoleFormat = desc.logFormat ?? defaultFormat;
    if (desc.logType !== "buffer") channel.ring = null;
    if (desc.logType !== "console") channel.recent = null;
    // Per-launch descriptors: the child has its own copies once spawned, so bosun closes its
    // own at release (held pipes stay open in HeldPipes).
    const fds: number[] = [];
    const release = () => {
      for (const fd of fds.splice(0)) closeSync(fd);
    };
    try {
      let stdin: ServiceOutput["stdin"] = "ignore";
      if (desc.consumerOf) fds.push((stdin = pipes.readEnd(desc.consumerOf)));
      const direct = (fd: number | "ignore"): ServiceOutput => ({ stdin, stdout: fd, stderr: fd, attach() {}, release, delivered: Promise.resolve() });
      switch (desc.logType) {
        case "none":
          return direct("ignore");
        case "pipe": {
          const fd = pipes.writeEnd(desc.name);
          fds.push(fd);
          return direct(fd);
        }
        case "buffer":
          if (!channel.ring || channel.ring.size !== desc.logBufferSize) channel.ring = new ByteRing(desc.logBufferSize);
          return passthrough(toRing(channel, channel.ring), stdin, release, reading);
        case "file": {
          const target = openFile(desc, channel);
          if ("deliver" in target) return passthrough(target.deliver, stdin, release, reading);
          fds.push(target.fd);
          return direct(target.fd);
        }
        case "console":
          channel.recent ??= new LineRing(recentLines);
          return passthrough(toConsole(channel, channel.consoleFormat), stdin, release, reading);
      }
    } catch (error) {
      release();
      throw error;
    }
  }

  return {
    open(desc) {
      try {
        return open(desc);
      } catch (error) {
        const channel = channelOf(desc.name);
        setProblem(channel, `log-type ${desc.logType}: ${error instanceof Error ? error.message : String(error)}; output goes to the console`);
        return passthrough(toConsole(channel, desc.logFormat ?? defaultFormat), "ignore", () => {}, reading);
      }
    },
    system,
    serviceStarted(name) {
      started.add(name);
      for (const channel of channels.values()) if (channel.hold?.until === name) void releaseHold(channel);
    },
    reopen() {
      for (const channel of channels.values()) void channel.file?.reopen();
    },
    tail(name, lines) {
      const channel = channels.get(name);
      if (!channel) return null;
      if (channel.type === "file" && channel.path) return tailFile(channel.path, lines ?? recentLines);
      if (channel.type === "buffer" && channel.ring) return lastLines(decoder.decode(channel.ring.contents()), lines);
      return channel.type === "console" && channel.recent ? channel.recent.last(lines) : null;
    },
    follow(name, onLine) {
      const channel = channelOf(name);
      // A file is followed on disk: a child writing to its own fd never passes through bosun.
      if (channel.type === "file" && channel.path) {
        try {
          return followFile(channel.path, (line) => onLine(line, "stdout"));
        } catch (error) {
          system("warn", `cannot follow ${channel.path}: ${error instanceof Error ? error.message : String(error)}`, name);
          return () => {};
        }
      }
      channel.listeners.add(onLine);
      return () => void channel.listeners.delete(onLine);
    },
    clear(name) {
      const ring = channels.get(name)?.ring;
      ring?.clear();
      return Boolean(ring);
    },
    problem(name) {
      return channels.get(name)?.problem ?? null;
    },
    async close() {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const waited = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), closeWaitMs)));
      const drained = await Promise.race([Promise.allSettled([...reading.pumps]).then(() => true), waited]);
      clearTimeout(timer);
      if (!drained) system("warn", `${reading.pumps.size} output stream(s) still open at exit (a leftover process holds them); not waited for`);
      for (const channel of channels.values()) {
        await releaseHold(channel);
        await channel.file?.close();
      }
      pipes.close();
      await Promise.all([stdout.write(""), stderr.write("")]);
    },
  };
}
