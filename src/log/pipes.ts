/**
 * @module log/pipes
 * `log-type = pipe` + `consumer-of`: one pipe per producer, held open by bosun for its whole
 * life so that neither side's restart ends it. It is a FIFO made with mkfifo in a private
 * directory (no FFI needed for pipe(2)); bosun keeps one O_RDWR descriptor on it, so there is
 * always a reader (the producer never gets SIGPIPE) and always a writer (the consumer never
 * reads EOF). Output written while the consumer is down waits in the pipe; when the pipe is
 * full the producer blocks, as with any pipe.
 */
import { closeSync, constants, mkdtempSync, openSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/**
 * The held pipes of a daemon, made on first use.
 *
 * @example
 * const pipes = new HeldPipes();
 * const out = pipes.writeEnd("producer"); // the producer's stdout and stderr
 * const inp = pipes.readEnd("producer");  // the consumer's stdin
 */
export class HeldPipes {
  private dir: string | null = null;
  private readonly held = new Map<string, { path: string; fd: number }>();

  constructor(private readonly parent: string = tmpdir()) {}

  /** A new descriptor on the producer's pipe for writing (the caller closes it after the launch). */
  writeEnd(producer: string): number {
    return openSync(this.pipe(producer), constants.O_WRONLY);
  }

  /** A new descriptor on the producer's pipe for reading (the caller closes it after the launch). */
  readEnd(producer: string): number {
    return openSync(this.pipe(producer), constants.O_RDONLY);
  }

  /** Closes every held pipe and removes the private directory; output still in them is lost. */
  close(): void {
    for (const { fd } of this.held.values()) closeSync(fd);
    this.held.clear();
    if (this.dir) rmSync(this.dir, { recursive: true, force: true });
    this.dir = null;
  }

  private pipe(producer: string): string {
    const known = this.held.get(producer);
    if (known) return known.path;
    this.dir ??= mkdtempSync(join(this.parent, "bosun-pipes-"));
    // Names may hold bytes unsafe in a path (`@arg`); the pipe's name only needs to be unique.
    const path = join(this.dir, String(this.held.size));
    const made = Bun.spawnSync(["mkfifo", "-m", "600", path], { stdout: "ignore", stderr: "pipe" });
    if (!made.success) throw new Error(`mkfifo ${path} failed: ${made.stderr.toString().trim() || `exit ${made.exitCode}`}`);
    // O_RDWR on a FIFO opens at once (Linux) and makes bosun both a reader and a writer.
    const fd = openSync(path, constants.O_RDWR);
    this.held.set(producer, { path, fd });
    return path;
  }
}
