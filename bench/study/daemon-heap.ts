/**
 * @module bench/study/daemon-heap
 * Where bosun's per-service memory goes: the daemon's own code (runDaemon from src/daemon.ts)
 * compiled with a listener that, on SIGUSR2 (which bosun ignores), collects garbage and writes
 * the JS heap's statistics. Run with a few and with many `sleep` services: Pss, JS heap size
 * and the object types that grow, per service, beside what Bun's floor costs per piped child.
 *
 *   bun bench/study/daemon-heap.ts [--small 3] [--large 1000] [--settle 3]
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { ROOT } from "../kinds/bosun.ts";
import { writeDinitServices } from "../kinds/dinit-format.ts";
import { becomeSubreaper, killTree, memoryOf, ownedByBun, Workload } from "../proc.ts";
import { breakdown } from "./memory.ts";
import { compileSource, workspace } from "./memory.ts";

const { values } = parseArgs({ options: { small: { type: "string", default: "3" }, large: { type: "string", default: "1000" }, settle: { type: "string", default: "3" } } });
const sizes = [Number(values.small), Number(values.large)];
const settleS = Number(values.settle);

const PROGRAM = `
import { heapStats } from "bun:jsc";
import { runDaemon } from ${JSON.stringify(join(ROOT, "src", "daemon.ts"))};
const [dir, socket, out] = process.argv.slice(2);
process.on("SIGUSR2", () => {
  Bun.gc(true);
  const h = heapStats();
  Bun.write(out!, JSON.stringify({ heapSize: h.heapSize, extraMemorySize: h.extraMemorySize, objectCount: h.objectCount, types: h.objectTypeCounts }));
});
process.exit(await runDaemon({ dirs: [dir!], services: [], mainCommand: null, socket: socket! }));
`;

type Heap = { heapSize: number; extraMemorySize: number; objectCount: number; types: Record<string, number> };

becomeSubreaper();
using ws = workspace();
const bin = compileSource(ws, "daemon-heap", PROGRAM);
const results: { n: number; pss: number; anon: number; heap: Heap }[] = [];
for (const n of sizes) {
  const sd = join(ws.bin, `sd${n}`);
  writeDinitServices(sd, Array.from({ length: n }, (_, i) => ({ name: `s${i}`, argv: [Bun.which("sleep")!, "1000"] })));
  const out = join(ws.bin, `heap${n}.json`);
  const p = Bun.spawn([bin, sd, join(ws.bin, `sock${n}`), out], { stdio: ["ignore", "ignore", "ignore"] });
  ownedByBun(p.pid);
  try {
    const sleeps = new Workload(p.pid, "sleep");
    const deadline = performance.now() + 120_000;
    while (sleeps.count() < n) {
      if (performance.now() > deadline) throw new Error(`${n} services did not start within 120 s`);
      await Bun.sleep(50);
    }
    await Bun.sleep(settleS * 1000);
    const pss = memoryOf(p.pid).pss;
    const anon = breakdown(p.pid)["anonymous (JS heap, allocators, thread stacks)"]?.pss ?? 0;
    process.kill(p.pid, "SIGUSR2");
    while (!(await Bun.file(out).exists())) await Bun.sleep(20);
    await Bun.sleep(100);
    results.push({ n, pss, anon, heap: JSON.parse(readFileSync(out, "utf8")) as Heap });
  } finally {
    await killTree(p.pid);
    await p.exited;
  }
}

const [a, b] = results as [(typeof results)[0], (typeof results)[0]];
const per = (x: number, y: number) => (y - x) / (b.n - a.n);
console.log(`runDaemon compiled like dist/bosun, ${a.n} and ${b.n} sleep services, Pss after ${settleS} s; figures per added service`);
for (const r of results) console.log(`  ${String(r.n).padStart(5)} services: Pss ${(r.pss / 1024).toFixed(1)} MiB (anonymous ${(r.anon / 1024).toFixed(1)}), JS heap ${(r.heap.heapSize / 2 ** 20).toFixed(1)} MiB (of which extra memory ${(r.heap.extraMemorySize / 2 ** 20).toFixed(1)}), ${r.heap.objectCount} objects`);
console.log(`  per service: Pss ${per(a.pss, b.pss).toFixed(1)} KiB, anonymous ${per(a.anon, b.anon).toFixed(1)} KiB, JS heap ${(per(a.heap.heapSize, b.heap.heapSize) / 1024).toFixed(1)} KiB (extra memory ${(per(a.heap.extraMemorySize, b.heap.extraMemorySize) / 1024).toFixed(1)} KiB), ${per(a.heap.objectCount, b.heap.objectCount).toFixed(1)} objects`);
const grown = Object.keys(b.heap.types)
  .map((t) => [t, per(a.heap.types[t] ?? 0, b.heap.types[t] ?? 0)] as const)
  .filter(([, d]) => d >= 0.5)
  .sort((x, y) => y[1] - x[1]);
console.log(`  object types per service (${grown.length} grow by at least 0.5):`);
for (const [t, d] of grown) console.log(`    ${t.padEnd(32)} ${d.toFixed(2)}`);
