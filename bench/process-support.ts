/**
 * @module bench/process-support
 * Shared by the process benchmarks: a temp service dir, and `bosun boot` run as a child with
 * its stderr lines watched (bosun's own lines say when a service started).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const MAIN = join(import.meta.dir, "..", "src", "main.ts");

/** Writes service files into a fresh dir; returns it and a cleanup. */
export function services(files: Record<string, string>): { dir: string; root: string; cleanup(): void } {
  const root = mkdtempSync(join(tmpdir(), "bb-"));
  const dir = join(root, "services");
  mkdirSync(dir);
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return { dir, root, cleanup: () => rmSync(root, { recursive: true, force: true }) };
}

/**
 * Runs `bosun boot ARGS` as a child; `onLine` sees each stderr line with its arrival time (pass
 * no -q when timing starts: bosun's info lines say when a service started).
 */
export function boot(root: string, args: string[], onLine: (line: string, at: number) => void, stdout: "ignore" | "pipe" = "ignore") {
  const proc = Bun.spawn([process.execPath, MAIN, "boot", "-p", join(root, "ctl.sock"), ...args], { stdin: "ignore", stdout, stderr: "pipe" });
  (async () => {
    let partial = "";
    const dec = new TextDecoder();
    for await (const chunk of proc.stderr) {
      const at = performance.now();
      const parts = (partial + dec.decode(chunk, { stream: true })).split("\n");
      partial = parts.pop()!;
      for (const line of parts) onLine(line, at);
    }
  })();
  return proc;
}

/** Resolves when `pred` becomes true, polled every ms; rejects after `ms`. */
export async function until(what: string, pred: () => boolean, ms = 60_000): Promise<void> {
  const deadline = performance.now() + ms;
  while (!pred()) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(1);
  }
}

/** Median and 95th percentile of a list of numbers. */
export function stats(xs: number[]): { median: number; p95: number; min: number; max: number } {
  const s = [...xs].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
  return { median: at(0.5), p95: at(0.95), min: s[0]!, max: s[s.length - 1]! };
}
