/**
 * @module bench/study/children
 * What holding N children costs a compiled Bun program, by how their output is held: ignored,
 * inherited, a file, pipes left unread, pipes read (for await, or a reader loop as bosun's
 * pump), only stdout piped, one FIFO per child for both streams, or unix socketpairs read with
 * Bun's socket API (Bun.connect({ fd }): data callbacks, no pending read). Pss after a settle, minus
 * the same program holding none; and the JS heap (bun:jsc heapStats) beside it, to tell JS
 * objects from native buffers.
 *
 *   bun bench/study/children.ts [--n 1000] [--settle S]
 */
import { parseArgs } from "node:util";
import { compileSource, measureRun, workspace } from "./memory.ts";

const { values } = parseArgs({ options: { n: { type: "string", default: "1000" }, settle: { type: "string", default: "3" } } });
const n = Number(values.n);
const settle = Number(values.settle);

const PROGRAM = `
import { heapStats } from "bun:jsc";
import { dlopen, FFIType } from "bun:ffi";
import { closeSync, openSync } from "node:fs";
// loaded in every mode (also "none"), so the per-child figures do not carry bun:ffi's own cost
const libc = dlopen("libc.so.6", { socketpair: { args: [FFIType.i32, FFIType.i32, FFIType.i32, FFIType.ptr], returns: FFIType.i32 } }).symbols;
/** A connected unix stream socket pair: [bosun's end, the child's end]. */
function pair(): [number, number] {
  const fds = new Int32Array(new ArrayBuffer(8));
  if (libc.socketpair(1, 1 | 0o2000000, 0, fds) !== 0) throw new Error("socketpair failed");
  return [fds[0]!, fds[1]!];
}
const onData = { data(_s: unknown, _d: Uint8Array) {}, close() {}, error() {} };
const [mode, count, dir] = process.argv.slice(2);
const N = Number(count);
const drain = async (s: ReadableStream<Uint8Array>) => { for await (const _ of s); };
const pump = async (s: ReadableStream<Uint8Array>) => { const r = s.getReader(); for (;;) { const x = await r.read(); if (x.done) return; } };
const sleep = ["sleep", "1000"];
const kept: unknown[] = [];
if (mode === "fifo") Bun.spawnSync(["mkfifo", ...Array.from({ length: N }, (_, i) => dir + "/f" + i)]);
for (let i = 0; i < N; i++) {
  if (mode === "ignore" || mode === "inherit") kept.push(Bun.spawn(sleep, { stdio: ["ignore", mode, mode], detached: true }));
  else if (mode === "file") { const fd = openSync(dir + "/out", "a"); kept.push(Bun.spawn(sleep, { stdio: ["ignore", fd, fd], detached: true })); }
  else if (mode === "pipe-unread") kept.push(Bun.spawn(sleep, { stdio: ["ignore", "pipe", "pipe"], detached: true }));
  else if (mode === "pipe-for-await") { const p = Bun.spawn(sleep, { stdio: ["ignore", "pipe", "pipe"], detached: true }); void drain(p.stdout as any); void drain(p.stderr as any); }
  else if (mode === "pipe-reader") { const p = Bun.spawn(sleep, { stdio: ["ignore", "pipe", "pipe"], detached: true }); void pump(p.stdout as any); void pump(p.stderr as any); }
  else if (mode === "stdout-pipe-only") { const p = Bun.spawn(sleep, { stdio: ["ignore", "pipe", "ignore"], detached: true }); void pump(p.stdout as any); }
  else if (mode === "fifo") {
    const rd = openSync(dir + "/f" + i, "r+");
    const wr = openSync(dir + "/f" + i, "w");
    Bun.spawn(sleep, { stdio: ["ignore", wr, wr], detached: true });
    void pump(Bun.file(rd).stream());
  } else if (mode === "socketpair-both") {
    const [mine, theirs] = pair();
    await (Bun.connect as any)({ fd: mine, socket: onData });
    Bun.spawn(sleep, { stdio: ["ignore", theirs, theirs], detached: true });
    closeSync(theirs);
  } else if (mode === "socketpair-each") {
    const [out, outChild] = pair();
    const [err, errChild] = pair();
    await (Bun.connect as any)({ fd: out, socket: onData });
    await (Bun.connect as any)({ fd: err, socket: onData });
    Bun.spawn(sleep, { stdio: ["ignore", outChild, errChild], detached: true });
    closeSync(outChild);
    closeSync(errChild);
  } else if (mode !== "none") throw new Error("unknown mode " + mode);
}
await Bun.sleep(500);
Bun.gc(true);
const h = heapStats();
await Bun.write(Bun.stdout, "ready " + h.heapSize + " " + h.objectCount + "\\n");
setInterval(() => {}, 1 << 30);
`;

using ws = workspace();
const bin = compileSource(ws, "children", PROGRAM);
const modes = ["none", "ignore", "inherit", "file", "pipe-unread", "pipe-for-await", "pipe-reader", "stdout-pipe-only", "fifo", "socketpair-both", "socketpair-each"];
console.log(`${n} sleep children per program (none: the same program holding none); Pss after ${settle} s; per child = (Pss - none) / ${n}`);
let base = 0;
let baseHeap = 0;
for (const mode of modes) {
  const m = await measureRun([bin, mode, String(mode === "none" ? 0 : n), ws.bin], settle);
  const [, heap, objects] = m.line.split(" ").map(Number) as [number, number, number];
  if (mode === "none") (base = m.usage.pss), (baseHeap = heap);
  const anon = m.parts["anonymous (JS heap, allocators, thread stacks)"]?.pss ?? 0;
  const perChild = mode === "none" ? "" : `${((m.usage.pss - base) / n).toFixed(1).padStart(5)} KiB/child, JS heap ${(((heap - baseHeap) / n) / 1024).toFixed(2)} KiB/child`;
  console.log(`${mode.padEnd(18)} Pss ${(m.usage.pss / 1024).toFixed(1).padStart(6)} MiB (anon ${(anon / 1024).toFixed(1)})  JS heap ${(heap / 2 ** 20).toFixed(1)} MiB, ${objects} objects  ${perChild}`);
}
