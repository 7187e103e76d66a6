/**
 * @module bench/process-start
 * Start of N `sleep` services (default 1000) until all are started, from bosun's launch; beside
 * it the time for bosun alone (`boot -- true`, start to exit) and for Bun to spawn N detached
 * `sleep`s in a bare loop (process creation dominates on slow-fork machines).
 * Usage: bun bench/process-start.ts [SERVICES]
 */
import { boot, services, until } from "./process-support.ts";

const n = Number(process.argv[2] ?? 1000);
const s = services({
  sleeper: "type = process\ncommand = sleep 1000\nrestart = false\n",
  boot: `type = internal\n${Array.from({ length: n }, (_, i) => `depends-on = sleeper@${i}`).join("\n")}\n`,
});

const none = services({});
let t0 = performance.now();
await boot(none.root, ["-d", none.dir, "--", "true"], () => {}).exited;
const alone = performance.now() - t0;
none.cleanup();

t0 = performance.now();
const bare = Array.from({ length: n }, () => Bun.spawn(["sleep", "1000"], { stdio: ["ignore", "ignore", "ignore"], detached: true }));
const spawnAll = performance.now() - t0;
for (const p of bare) p.kill("SIGKILL");
await Promise.all(bare.map((p) => p.exited));

let started = 0;
let allAt = 0;
t0 = performance.now();
const proc = boot(s.root, ["-d", s.dir], (line, at) => {
  if (/sleeper@\d+: started$/.test(line)) started++;
  if (/ boot: started$/.test(line)) allAt = at;
});
await until(`${n} started`, () => started === n && allAt > 0, 120_000);
const all = allAt - t0;
proc.kill("SIGTERM");
await proc.exited;
s.cleanup();
console.log(`start of ${n} sleep services to all started: ${all.toFixed(0)} ms (${(all / n).toFixed(2)} ms per service)`);
console.log(`bosun alone (boot -- true, start to exit): ${alone.toFixed(0)} ms`);
console.log(`bare Bun.spawn of ${n} detached sleeps: ${spawnAll.toFixed(0)} ms; ratio bosun/bare ${(all / spawnAll).toFixed(2)}`);
