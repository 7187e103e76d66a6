/**
 * @module bench/process-shutdown
 * Time from SIGTERM to bosun's exit with 100 `sleep` services running (each stops on TERM).
 * Usage: bun bench/process-shutdown.ts [SERVICES] [ROUNDS]
 */
import { boot, services, stats, until } from "./process-support.ts";

const n = Number(process.argv[2] ?? 100);
const rounds = Number(process.argv[3] ?? 5);
const s = services({ sleeper: "type = process\ncommand = sleep 1000\nrestart = false\n" });
const names = Array.from({ length: n }, (_, i) => `sleeper@${i}`);
const times: number[] = [];
for (let r = 0; r < rounds; r++) {
  let started = 0;
  const proc = boot(s.root, ["-d", s.dir, ...names], (line) => {
    if (/sleeper@\d+: started$/.test(line)) started++;
  });
  await until(`${n} started`, () => started === n);
  const t0 = performance.now();
  proc.kill("SIGTERM");
  const code = await proc.exited;
  times.push(performance.now() - t0);
  if (code !== 0) throw new Error(`bosun exited ${code}`);
}
s.cleanup();
const t = stats(times);
console.log(`SIGTERM to exit with ${n} sleep services: median ${t.median.toFixed(1)} ms, min ${t.min.toFixed(1)} ms, max ${t.max.toFixed(1)} ms (${rounds} rounds)`);
console.log(`per service: ${(t.median / n).toFixed(3)} ms`);
