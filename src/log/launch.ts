/**
 * @module log/launch
 * The `ServiceOutput` of a launch whose output passes through bosun: each of the child's
 * streams is read by a pump (with backpressure), cut into lines, and handed to the service's
 * sink, in order; `delivered` tells when all of it has landed, or when bosun stopped reading at
 * exit. One object per launch, its promise made only when someone asks for it.
 */
import { closeSync } from "node:fs";
import { Pump, type PumpOwner, type PumpSettings } from "./pump.ts";
import type { Deliver } from "./sink.ts";
import type { ServiceOutput, Stream } from "./types.ts";

/** What the readers of every launch share: who is still reading (for `close`) and their settings. */
export interface Reading extends PumpSettings {
  pumps: Set<Pump>;
  /** Set by `close`: a stream attached after it is read only for what it already holds. */
  stopped: boolean;
}

/**
 * A launch's output read by bosun and given to `deliver` batch by batch. `fds` are bosun's
 * per-launch descriptors (a consumer's end of a held pipe), closed at release.
 *
 * @example
 * const out = new Passthrough((chunks) => file.write(chunks), "ignore", null, reading);
 */
export class Passthrough implements ServiceOutput, PumpOwner {
  readonly stdout = "pipe";
  readonly stderr = "pipe";
  /** Streams attached and not yet delivered to their end (or to where bosun stopped reading). */
  private open = 0;
  /** Delivered: released with nothing attached, or every attached stream done. */
  private over = false;
  private attached = false;
  private settle: (() => void) | null = null;
  private promise: Promise<void> | null = null;

  constructor(
    private readonly deliver: Deliver,
    readonly stdin: ServiceOutput["stdin"],
    private fds: number[] | null,
    private readonly reading: Reading,
  ) {}

  attach(streams: { stdout: ReadableStream<Uint8Array> | null; stderr: ReadableStream<Uint8Array> | null }): void {
    this.attached = true;
    if (streams.stdout) this.read("stdout", streams.stdout);
    if (streams.stderr) this.read("stderr", streams.stderr);
    if (this.open === 0) this.finish();
  }

  release(): void {
    for (const fd of this.fds ?? []) closeSync(fd);
    this.fds = null;
    if (!this.attached) this.finish();
  }

  get delivered(): Promise<void> {
    this.promise ??= this.over ? Promise.resolve() : new Promise<void>((resolve) => (this.settle = resolve));
    return this.promise;
  }

  private read(stream: Stream, source: ReadableStream<Uint8Array>): void {
    this.open++;
    const pump = new Pump(stream, source, this.deliver, this.reading, this);
    this.reading.pumps.add(pump);
    if (this.reading.stopped) pump.stop();
  }

  ended(pump: Pump): void {
    this.reading.pumps.delete(pump);
    if (--this.open === 0) this.finish();
  }

  private finish(): void {
    this.over = true;
    this.settle?.();
    this.settle = null;
  }
}
