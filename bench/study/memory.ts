/**
 * @module bench/study/memory
 * Helpers of the memory study: where a process's resident memory lies (by kind of mapping, from
 * /proc/PID/smaps), and running a small program compiled like dist/bosun until it says it is
 * ready, to read that.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { compileLike } from "../build.ts";
import { ROOT } from "../kinds/bosun.ts";
import { killTree, ownedByBun } from "../proc.ts";
import { within } from "../trial.ts";

/** Pss and Rss in KiB. */
export interface Usage {
  pss: number;
  rss: number;
}

/**
 * A process's memory by kind of mapping: the executable's code (r-x), its other sections,
 * shared libraries, the brk heap, anonymous memory (JS heap, allocators, thread stacks), and the rest.
 */
export function breakdown(pid: number): Record<string, Usage> {
  const exe = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0")[0] ?? "";
  const out: Record<string, Usage> = {};
  let group = "other";
  for (const line of readFileSync(`/proc/${pid}/smaps`, "utf8").split("\n")) {
    const head = /^[0-9a-f]+-[0-9a-f]+ (\S+) \S+ \S+ \S+\s*(.*)$/.exec(line);
    if (head) {
      const [, perms, path] = head as unknown as [string, string, string];
      if (path && (path === exe || exe.endsWith(`/${path.split("/").pop()}`)) && path.startsWith("/")) group = perms.includes("x") ? "executable: code" : "executable: data";
      else if (path.includes(".so")) group = "shared libraries";
      else if (path === "[heap]") group = "brk heap (malloc)";
      else if (path === "[stack]") group = "main stack";
      else if (path === "") group = "anonymous (JS heap, allocators, thread stacks)";
      else group = `other: ${path}`;
      continue;
    }
    const m = /^(Pss|Rss):\s+(\d+) kB/.exec(line);
    if (!m) continue;
    out[group] ??= { pss: 0, rss: 0 };
    out[group]![m[1] === "Pss" ? "pss" : "rss"] += Number(m[2]);
  }
  return out;
}

/** The total of a breakdown. */
export function total(b: Record<string, Usage>): Usage {
  return Object.values(b).reduce((a, u) => ({ pss: a.pss + u.pss, rss: a.rss + u.rss }), { pss: 0, rss: 0 });
}

/** Where study programs are built: sources inside the checkout (so package imports resolve), binaries on the disk outside it. */
export interface Workspace {
  src: string;
  bin: string;
  [Symbol.dispose](): void;
}

/** A fresh workspace, removed when disposed. */
export function workspace(): Workspace {
  const src = join(ROOT, "node_modules", ".cache", `bosun-study-${process.pid}`);
  // the disk, as dist/bosun: a binary mapped from tmpfs shows less resident memory
  const bin = join(tmpdir(), `bosun-study-${process.pid}`);
  mkdirSync(src, { recursive: true });
  mkdirSync(bin, { recursive: true });
  return {
    src,
    bin,
    [Symbol.dispose]() {
      rmSync(src, { recursive: true, force: true });
      rmSync(bin, { recursive: true, force: true });
    },
  };
}

/**
 * Compiles `source` (TypeScript text) like dist/bosun and returns the binary's path. The source
 * may import packages and the checkout's modules by absolute path.
 */
export function compileSource(ws: Workspace, name: string, source: string): string {
  const entry = join(ws.src, `${name}.ts`);
  writeFileSync(entry, source);
  const out = join(ws.bin, name);
  compileLike(entry, out);
  return out;
}

/**
 * Runs argv until it writes a line to stdout, waits `settleS`, and returns its memory (with the
 * breakdown), the time to that line (ms), and what `probe` reads meanwhile; then kills it.
 */
export async function measureRun<T>(
  argv: string[],
  settleS: number,
  probe?: (pid: number) => T,
  env: Record<string, string> = {},
): Promise<{ ready: number; usage: Usage; parts: Record<string, Usage>; line: string; extra: T | undefined }> {
  const t0 = performance.now();
  const p = Bun.spawn(argv, { stdin: "ignore", stdout: "pipe", stderr: "inherit", env: { ...process.env, ...env } });
  ownedByBun(p.pid);
  try {
    const reader = (p.stdout as ReadableStream<Uint8Array>).getReader();
    let text = "";
    while (!text.includes("\n")) {
      const next = await within(reader.read(), 60_000);
      if (next === undefined || next.done) throw new Error(`${argv[0]}: no ready line`);
      text += new TextDecoder().decode(next.value);
    }
    const ready = performance.now() - t0;
    await Bun.sleep(settleS * 1000);
    const parts = breakdown(p.pid);
    return { ready, usage: total(parts), parts, line: text.split("\n")[0]!, extra: probe?.(p.pid) };
  } finally {
    await killTree(p.pid);
    await p.exited;
  }
}
