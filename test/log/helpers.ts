/**
 * @module test/log/helpers
 * Test plumbing shared by the log tests: a console that is a real file, a router writing to two
 * of them, and a launcher that uses the router exactly as the process layer does (open -> spawn
 * -> attach -> release on exit).
 */
import { createWriteStream, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe as describeService, type ServiceDescriptionInput } from "../../src/config/schema.ts";
import { createLogRouter, type LogRouterOptions } from "../../src/log/router.ts";
import type { LogRouter } from "../../src/log/types.ts";

/** A console that is a real file: hand `stream` to the router, read the text after `end()`. */
export function fileConsole(path: string) {
  const stream = createWriteStream(path);
  return {
    stream,
    async end(): Promise<string> {
      await new Promise<void>((resolve) => stream.end(resolve));
      return readFileSync(path, "utf8");
    },
  };
}

/**
 * A router whose console is two real files, DIR/console.out and DIR/console.err, with `options`
 * beside them; `end` closes both and gives their text.
 *
 * @example
 * const { logs, end } = fileRouter(dir, { runtimeDir: dir });
 * const [stdout, stderr] = await end();
 */
export function fileRouter(dir: string, options: LogRouterOptions = {}) {
  const out = fileConsole(join(dir, "console.out"));
  const err = fileConsole(join(dir, "console.err"));
  const logs = createLogRouter({ stdout: out.stream, stderr: err.stream, ...options });
  return { logs, out, err, end: async () => [await out.end(), await err.end()] };
}

/** A description with defaults, as the loader would hand it over. */
export function service(input: Partial<ServiceDescriptionInput> & { name: string }) {
  return describeService({ type: "process", ...input });
}

/** A shell command printing numbered lines `PREFIX FROM..TO`, one per line, on stdout (or stderr). */
export function numbered(prefix: string, from: number, to: number, fd: 1 | 2 = 1): string[] {
  return ["sh", "-c", `i=${from}; while [ $i -le ${to} ]; do echo "${prefix} $i" >&${fd}; i=$((i+1)); done`];
}

/** Launches like the process layer: returns the child and a promise of its exit and release. */
export function launch(router: LogRouter, desc: ReturnType<typeof service>, argv: string[]) {
  const out = router.open(desc);
  const proc = Bun.spawn(argv, { stdin: out.stdin, stdout: out.stdout, stderr: out.stderr });
  out.attach({
    stdout: out.stdout === "pipe" ? (proc.stdout as ReadableStream<Uint8Array>) : null,
    stderr: out.stderr === "pipe" ? (proc.stderr as ReadableStream<Uint8Array>) : null,
  });
  // Done when the child has exited and all its output has been delivered.
  const done = proc.exited.then(async (code) => {
    out.release();
    await out.delivered;
    return code;
  });
  return { proc, done };
}

/**
 * What a callback (a log follower) hands over, and a wait for the n-th item that fails naming
 * `what` after `ms`: the callback itself is the event, so nothing polls.
 */
export function collector<T>() {
  const items: T[] = [];
  const waiters: { n: number; resolve(): void }[] = [];
  return {
    items,
    push(item: T): void {
      items.push(item);
      for (const w of waiters) if (items.length >= w.n) w.resolve();
    },
    async reached(n: number, what: string, ms = 5000): Promise<void> {
      if (items.length >= n) return;
      let timer: ReturnType<typeof setTimeout> | undefined;
      await new Promise<void>((resolve, reject) => {
        waiters.push({ n, resolve });
        timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}; got ${JSON.stringify(items)}`)), ms);
      }).finally(() => clearTimeout(timer));
    },
  };
}

/** A shell command's numbered lines, as `numbered` prints them. */
export function range(prefix: string, from: number, to: number): string[] {
  return Array.from({ length: to - from + 1 }, (_, i) => `${prefix} ${from + i}`);
}
