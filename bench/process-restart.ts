/**
 * @module bench/process-restart
 * Crash-to-restart latency: a service that exits 1 at once, restart-delay 0 and no restart
 * limit; the gap between consecutive launches (each prints its start time) is the time bosun
 * takes to notice the crash and launch again, plus one `sh` startup. The same command run in a
 * bare await-spawn loop gives the baseline: the difference is bosun's own share.
 * Usage: bun bench/process-restart.ts [RESTARTS]
 */
import { boot, services, stats, until } from "./process-support.ts";

const n = Number(process.argv[2] ?? 200);
const s = services({
  crash: "type = process\ncommand = /bin/sh -c \"date +%s%N; exit 1\"\nrestart = yes\nrestart-delay = 0\nrestart-limit-count = 0\n",
});
const starts: number[] = [];
const proc = boot(s.root, ["-q", "-d", s.dir, "crash"], () => {}, "pipe");
(async () => {
  let partial = "";
  const dec = new TextDecoder();
  for await (const chunk of proc.stdout as ReadableStream<Uint8Array>) {
    const parts = (partial + dec.decode(chunk, { stream: true })).split("\n");
    partial = parts.pop()!;
    for (const line of parts) {
      const m = /(\d{16,})\s*$/.exec(line);
      if (m) starts.push(Number(BigInt(m[1]!) / 1000n) / 1000); // ns -> ms
    }
  }
})();
await until(`${n} restarts`, () => starts.length > n);
proc.kill("SIGTERM");
await proc.exited;
s.cleanup();
const gaps = starts.slice(1, n + 1).map((t, i) => t - starts[i]!);

// baseline: the same command relaunched by a bare loop as fast as Bun can
const base: number[] = [];
for (let i = 0; i <= Math.min(n, 100); i++) {
  const p = Bun.spawn(["/bin/sh", "-c", "date +%s%N; exit 1"], { stdout: "pipe" });
  base.push(Number(BigInt((await new Response(p.stdout).text()).trim()) / 1000n) / 1000);
  await p.exited;
}
const g = stats(gaps);
const b = stats(base.slice(1).map((t, i) => t - base[i]!));
console.log(`crash-to-restart (launch to next launch, ${n} restarts): median ${g.median.toFixed(2)} ms, p95 ${g.p95.toFixed(2)} ms, min ${g.min.toFixed(2)} ms`);
console.log(`bare spawn loop of the same command: median ${b.median.toFixed(2)} ms; bosun's share ${(g.median - b.median).toFixed(2)} ms (ratio ${(g.median / b.median).toFixed(2)})`);
