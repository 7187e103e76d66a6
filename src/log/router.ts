/**
 * @module log/router
 * `createLogRouter`: maps each service to the sink of its log type (log/sinks/), gives each
 * launch its standard streams, runs the readers for output that passes through bosun, and
 * answers the control layer's questions (tail, follow, clear, problem) from the service's
 * current sink. One router per daemon.
 */
import { closeSync } from "node:fs";
import type { ServiceDescription } from "../config/schema.ts";
import type { LogFormat } from "./format.ts";
import { Passthrough, type Reading } from "./launch.ts";
import { HeldPipes } from "./pipes.ts";
import { Channel, type Sink } from "./sink.ts";
import { BufferSink } from "./sinks/buffer.ts";
import { ConsoleOutput, ConsoleSink } from "./sinks/console.ts";
import { FileSink } from "./sinks/file.ts";
import { NoneSink } from "./sinks/none.ts";
import { PipeSink } from "./sinks/pipe.ts";
import type { LogRouter, ServiceOutput, SystemLevel } from "./types.ts";
import type { Writable } from "./writer.ts";

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
  /** After a log file failed, how long before it is tried again (default 5000 ms). */
  retryMs?: number;
  /** Output held in memory per service while waiting for `log-file-after` (default 1 MiB; oldest lines dropped beyond). */
  holdBytes?: number;
  /** Where the private directory of held pipes is made (default the system temp dir). */
  runtimeDir?: string;
}

const LEVELS: Record<SystemLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };

type LogType = ServiceDescription["logType"];

/** The sink class of each log type. */
interface Sinks {
  console: ConsoleSink;
  file: FileSink;
  buffer: BufferSink;
  pipe: PipeSink;
  none: NoneSink;
}

/**
 * What the router keeps per service: the channel its sinks share and a sink per log type it
 * has had. A reload that changes the log type makes another sink current and retires the
 * previous one, which drops the memory kept for its readers (the rings) but keeps what still
 * matters after the change: a file sink's writer (rotation) and its held `log-file-after` output.
 */
interface Outlet extends Partial<Sinks> {
  channel: Channel;
  /** The log type of the latest launch. */
  type: LogType;
}

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
  const output = new ConsoleOutput({ stdout: opts.stdout ?? process.stdout, stderr: opts.stderr ?? process.stderr, format: opts.format ?? "text", color: opts.color });
  const minLevel = LEVELS[opts.level ?? "info"];
  const recentLines = opts.recentLines ?? 200;
  const pipes = new HeldPipes(opts.runtimeDir);
  const started = new Set<string>();
  const outlets = new Map<string, Outlet>();
  /** Output of every launch still being read, with the options of the readers. */
  const reading: Reading = { pumps: new Set(), stopped: false, maxLineBytes: opts.maxLineBytes ?? 16384, quietMs: opts.quietMs ?? 100, onError: (message) => system("error", message) };
  const fileOptions = { console: output, retryMs: opts.retryMs ?? 5000, holdBytes: opts.holdBytes ?? 1024 * 1024, recentLines, started: (name: string) => started.has(name), report: system };
  const make: { [T in LogType]: (channel: Channel) => Sinks[T] } = {
    console: (channel) => new ConsoleSink(channel, output, recentLines),
    file: (channel) => new FileSink(channel, fileOptions),
    buffer: (channel) => new BufferSink(channel),
    pipe: (channel) => new PipeSink(channel, pipes),
    none: (channel) => new NoneSink(channel),
  };

  function system(level: SystemLevel, message: string, service?: string): void {
    if (LEVELS[level] >= minLevel) output.system(level, message, service);
  }

  /** A service's outlet; one never launched is a console service until its first launch says otherwise. */
  function outletOf(name: string): Outlet {
    let outlet = outlets.get(name);
    if (!outlet) {
      outlet = { channel: new Channel(name, system), type: "console" };
      outlets.set(name, outlet);
    }
    return outlet;
  }

  function sinkOf<T extends LogType>(outlet: Outlet, type: T): Sinks[T] {
    const sinks = outlet as Sinks;
    sinks[type] ??= make[type](outlet.channel);
    return sinks[type];
  }

  /** The sink of the service's latest log type, which answers its readers. */
  function current(outlet: Outlet): Sink {
    return sinkOf(outlet, outlet.type);
  }

  /** Every sink of every service: the current ones and the retired ones (a file's writer and held output). */
  function* allSinks(): Generator<Sink> {
    const types = Object.keys(make) as LogType[];
    for (const outlet of outlets.values()) for (const type of types) if (outlet[type]) yield outlet[type];
  }

  function open(desc: ServiceDescription): ServiceOutput {
    const outlet = outletOf(desc.name);
    if (outlet.type !== desc.logType) {
      const previous: Sink | undefined = outlet[outlet.type];
      previous?.retire?.();
      outlet.type = desc.logType;
    }
    // Per-launch descriptors: the child has its own copies once spawned, so bosun closes its
    // own at release (held pipes stay open in HeldPipes).
    let stdin: ServiceOutput["stdin"] = "ignore";
    if (desc.consumerOf) stdin = pipes.readEnd(desc.consumerOf);
    const fds = typeof stdin === "number" ? [stdin] : null;
    try {
      const target = sinkOf(outlet, desc.logType).open(desc);
      if ("deliver" in target) return new Passthrough(target.deliver, stdin, fds, reading);
      const all = typeof target.fd === "number" ? [...(fds ?? []), target.fd] : fds;
      const release = () => {
        for (const fd of all?.splice(0) ?? []) closeSync(fd);
      };
      return { stdin, stdout: target.fd, stderr: target.fd, attach() {}, release, delivered: Promise.resolve() };
    } catch (error) {
      for (const fd of fds ?? []) closeSync(fd);
      throw error;
    }
  }

  return {
    open(desc) {
      try {
        return open(desc);
      } catch (error) {
        const outlet = outletOf(desc.name);
        outlet.channel.setProblem(`log-type ${desc.logType}: ${error instanceof Error ? error.message : String(error)}; output goes to the console`);
        const format = desc.logFormat ?? output.format;
        // A console service keeps these lines for `bosun logs` as usual.
        const deliver = outlet.type === "console" ? sinkOf(outlet, "console").deliver(format) : output.lines(outlet.channel, format, null);
        return new Passthrough(deliver, "ignore", null, reading);
      }
    },
    system,
    serviceStarted(name) {
      started.add(name);
      for (const sink of allSinks()) sink.serviceStarted?.(name);
    },
    reopen() {
      for (const sink of allSinks()) sink.reopen?.();
    },
    tail(name, lines) {
      const outlet = outlets.get(name);
      return outlet ? current(outlet).tail(lines) : null;
    },
    follow(name, onLine) {
      const outlet = outletOf(name);
      return current(outlet).follow(onLine);
    },
    clear(name) {
      const outlet = outlets.get(name);
      return outlet ? current(outlet).clear() : false;
    },
    problem(name) {
      return outlets.get(name)?.channel.problem ?? null;
    },
    async close() {
      // What the services wrote is in their pipes by now; a process that outlived its service
      // may hold one open for ever, so each is read as far as it goes at once and let go.
      reading.stopped = true;
      const pumps = [...reading.pumps];
      for (const pump of pumps) pump.stop();
      const held = (await Promise.all(pumps.map((pump) => pump.done))).filter((ended) => !ended).length;
      if (held > 0) system("warn", `${held} output stream(s) still open at exit (a leftover process holds them); what it writes from now on is dropped`);
      for (const sink of allSinks()) await sink.close?.();
      pipes.close();
      await output.flush();
    },
  };
}
