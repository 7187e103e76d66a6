/**
 * @module log/router
 * `createLogRouter`: decides per launch where a service's output goes (console, file, memory
 * ring, held pipe, nowhere), runs the readers for output that passes through bosun, and answers
 * the control layer's questions (tail, follow, clear, problem). One router per daemon.
 */
import type { ServiceDescription } from "../config/schema.ts";
import { jsonLine, Prefixes, systemLine, type LogFormat } from "./format.ts";
import { LineSplitter, type LogLine } from "./lines.ts";
import { pump } from "./pump.ts";
import { ByteRing, LineRing } from "./ring.ts";
import type { LogRouter, ServiceOutput, Stream, SystemLevel } from "./types.ts";
import { ConsoleWriter, type Writable } from "./writer.ts";

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
}

const LEVELS: Record<SystemLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };

type Listener = (line: string, stream: Stream) => void;

/** What bosun keeps per service across launches. */
interface Channel {
  name: string;
  recent: LineRing | null;
  ring: ByteRing | null;
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
  const prefixes = new Prefixes(colour);
  const decoder = new TextDecoder();
  const channels = new Map<string, Channel>();
  const pumps = new Set<Promise<void>>();

  function channelOf(name: string): Channel {
    let channel = channels.get(name);
    if (!channel) {
      channel = { name, recent: null, ring: null, listeners: new Set(), problem: null };
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
      let text = "";
      let stream: Stream = "stdout";
      for (const line of lines) {
        const s = decoder.decode(line.bytes);
        stream = line.stream;
        channel.recent?.push(s);
        if (channel.listeners.size > 0) notify(channel, s, line.stream);
        text += format === "json" ? jsonLine(channel.name, line.stream, s) : `${prefixes.text(channel.name)}${s}\n`;
      }
      if (text === "") return Promise.resolve();
      return (stream === "stderr" ? stderr : stdout).write(text);
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

  /** Output that passes through bosun: both streams read, cut into lines and given to `deliver`. */
  function passthrough(deliver: (lines: LogLine[]) => Promise<void>, stdin: ServiceOutput["stdin"], onRelease: () => void): ServiceOutput {
    // Each stream's deliveries are chained so the quiet-timer flush cannot overtake a write.
    const read = (stream: Stream, source: ReadableStream<Uint8Array>) => {
      let chain = Promise.resolve();
      const send = (lines: LogLine[]) => (lines.length === 0 ? chain : (chain = chain.then(() => deliver(lines))));
      const splitter = new LineSplitter({ stream, maxLineBytes, quietMs, onQuiet: (line) => void send([line]) });
      const done = pump(source, (chunk) => send(splitter.push(chunk)))
        .then(() => send(splitter.end()))
        .catch((error) => system("error", `reading ${stream} failed: ${String(error)}`))
        .finally(() => pumps.delete(done));
      pumps.add(done);
    };
    return {
      stdin,
      stdout: "pipe",
      stderr: "pipe",
      attach(streams) {
        if (streams.stdout) read("stdout", streams.stdout);
        if (streams.stderr) read("stderr", streams.stderr);
      },
      release: onRelease,
    };
  }

  function open(desc: ServiceDescription): ServiceOutput {
    const channel = channelOf(desc.name);
    const stdin = "ignore" as const;
    const nothing = () => {};
    switch (desc.logType) {
      case "none":
        return { stdin, stdout: "ignore", stderr: "ignore", attach: nothing, release: nothing };
      case "buffer": {
        if (!channel.ring || channel.ring.size !== desc.logBufferSize) channel.ring = new ByteRing(desc.logBufferSize);
        channel.recent = null;
        return passthrough(toRing(channel, channel.ring), stdin, nothing);
      }
      default: {
        channel.recent ??= new LineRing(recentLines);
        channel.ring = null;
        return passthrough(toConsole(channel, desc.logFormat ?? defaultFormat), stdin, nothing);
      }
    }
  }

  return {
    open(desc) {
      try {
        return open(desc);
      } catch (error) {
        const channel = channelOf(desc.name);
        channel.problem = `log setup failed: ${String(error)}; output goes to the console`;
        system("error", channel.problem, desc.name);
        return passthrough(toConsole(channel, defaultFormat), "ignore", () => {});
      }
    },
    system,
    serviceStarted() {},
    reopen() {},
    tail(name, lines) {
      const channel = channels.get(name);
      if (!channel) return null;
      if (channel.ring) {
        const text = decoder.decode(channel.ring.contents());
        const all = text.endsWith("\n") ? text.slice(0, -1).split("\n") : text.split("\n");
        const kept = text === "" ? [] : all;
        return lines === undefined ? kept : kept.slice(Math.max(0, kept.length - lines));
      }
      return channel.recent ? channel.recent.last(lines) : null;
    },
    follow(name, onLine) {
      const channel = channelOf(name);
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
      const drained = await Promise.race([Promise.allSettled([...pumps]).then(() => true), waited]);
      clearTimeout(timer);
      if (!drained) system("warn", `${pumps.size} output stream(s) still open at exit (a leftover process holds them); not waited for`);
    },
  };
}
