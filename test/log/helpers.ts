/**
 * @module test/log/helpers
 * Test plumbing shared by the log tests: a temp dir, a console that is a real file, and a
 * launcher that uses the router exactly as the process layer does (open -> spawn -> attach ->
 * release on exit).
 */
import { createWriteStream, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe as describeService, type ServiceDescriptionInput } from "../../src/config/schema.ts";
import type { LogRouter } from "../../src/log/types.ts";

/** A fresh private temp dir and its removal. */
export function tempDir(): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), "bosun-log-"));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

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

/** Polls `check` until it returns true, failing with `what` after `ms` (for states no event announces). */
export async function until(what: string, check: () => boolean, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(5);
  }
}
