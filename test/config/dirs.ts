/**
 * @module test/config/dirs
 * Service directories on disk for the config tests: each call makes a fresh mkdtemp
 * directory from a map of relative paths to contents; `removeAll` deletes every one made.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";

const made: string[] = [];

/** Writes `files` (path -> text) under a new temporary directory and returns it. */
export function serviceDir(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), "bosun-config-"));
  made.push(dir);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

/** Deletes every directory serviceDir made (for afterAll). */
export function removeAll(): void {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
}
