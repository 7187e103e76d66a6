/**
 * @module test/support/other-user
 * Runs bosun as another user (nobody, uid 65534), as a second person on the machine would. The
 * checkout may live where nobody cannot look (a 0700 home or mktemp directory), so the command
 * runs from a one-file bundle in a world-readable temp dir, with `/` as its working directory.
 * setpriv drops the identity (it execs bun itself even from a private path; Bun.spawn's uid
 * option cannot).
 */
import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BOSUN_MAIN } from "./cli.ts";

let built: { dir: string; file: string } | null = null;

/** The bundle of src/main.ts, built on first use; `removeBundle` deletes it. */
function bundle(): string {
  if (built) return built.file;
  const dir = mkdtempSync(join(tmpdir(), "bosun-nobody-"));
  chmodSync(dir, 0o755);
  const file = join(dir, "bosun.js");
  const r = Bun.spawnSync([process.execPath, "build", BOSUN_MAIN, "--target=bun", "--outfile", file], { stdout: "pipe", stderr: "pipe" });
  if (r.exitCode !== 0) throw new Error(`bundling bosun for another user failed: ${r.stderr.toString()}`);
  chmodSync(file, 0o644);
  built = { dir, file };
  return file;
}

/** The argv that runs `bosun ARGS...` as nobody. */
export function asNobody(args: string[]): string[] {
  return ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", process.execPath, bundle(), ...args];
}

/** Where such a command must run: a directory nobody can enter. */
export const NOBODY_CWD = "/";

/** Deletes the bundle (for afterAll). */
export function removeBundle(): void {
  if (built) rmSync(built.dir, { recursive: true, force: true });
  built = null;
}
