/**
 * @module test/support/files
 * Temporary directories for the tests: one shape (a path), one way to write a tree of files into
 * one, one clean-up. Every directory `tempDir` makes is remembered and `removeTempDirs` removes
 * them all, so a test file registers that once (afterAll, or afterEach when each test makes its
 * own) instead of tracking its directories. The paths are short: a control socket inside one
 * must stay under the 107 bytes of a unix socket path.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";

/** Files to write: a path relative to the directory (subdirectories allowed) -> its text. */
export type Files = Record<string, string>;

const made: string[] = [];

/**
 * Writes `files` under `dir`, making `dir` and any subdirectory a path names; returns `dir`.
 *
 * @example
 * writeFiles(join(dir, "services"), { boot: "type = internal\n", "boot.d/web": "" });
 */
export function writeFiles(dir: string, files: Files): string {
  mkdirSync(dir, { recursive: true });
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

/**
 * A fresh private (0700) directory under the system's temp dir with `files` written into it;
 * removed by `removeTempDirs`.
 *
 * @example
 * const dir = tempDir({ web: "type = process\ncommand = /bin/sleep 1\n" });
 * const loader = createLoader({ dirs: [dir], env: {} });
 */
export function tempDir(files: Files = {}): string {
  const dir = mkdtempSync(join(tmpdir(), "bt-"));
  made.push(dir);
  return writeFiles(dir, files);
}

/** Removes every directory `tempDir` made so far, whatever is inside (for afterAll or afterEach). */
export function removeTempDirs(): void {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
}
