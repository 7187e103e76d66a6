/**
 * @module bench/study/spawn
 * What spawning N `sleep`s costs in Bun, option by option: a compiled program times its own
 * loop of Bun.spawn calls (vfork-style: each call returns once the child has exec'd), bare, then
 * detached, with piped output read, with an explicit environment and working directory, and all
 * of these together as bosun spawns; beside it, the same N forks and execs from a shell loop.
 * Variants interleaved and rotated, median of the repetitions.
 *
 *   bun bench/study/spawn.ts [--n 1000] [--reps 5]
 */
import { parseArgs } from "node:util";
import { becomeSubreaper, killTree, ownedByBun } from "../proc.ts";
import { quantile } from "../stats.ts";
import { compileSource, workspace } from "./memory.ts";

const { values } = parseArgs({ options: { n: { type: "string", default: "1000" }, reps: { type: "string", default: "5" } } });
const n = Number(values.n);
const reps = Number(values.reps);

const PROGRAM = `
const [variant, count] = process.argv.slice(2);
const N = Number(count);
const sleep = "/usr/bin/sleep";
const env = { ...process.env } as Record<string, string>;
const drain = async (s: ReadableStream<Uint8Array>) => { for await (const _ of s); };
const cpu0 = process.cpuUsage();
const t0 = performance.now();
for (let i = 0; i < N; i++) {
  if (variant === "bare") Bun.spawn([sleep, "1000"], { stdio: ["ignore", "ignore", "ignore"] });
  else if (variant === "detached") Bun.spawn([sleep, "1000"], { stdio: ["ignore", "ignore", "ignore"], detached: true });
  else if (variant === "piped") { const p = Bun.spawn([sleep, "1000"], { stdio: ["ignore", "pipe", "pipe"] }); void drain(p.stdout as any); void drain(p.stderr as any); }
  else if (variant === "env+cwd") Bun.spawn([sleep, "1000"], { stdio: ["ignore", "ignore", "ignore"], env: { ...env, SERVICE: String(i) }, cwd: "/tmp" });
  else if (variant === "as bosun") { const p = Bun.spawn([sleep, "1000"], { stdio: ["ignore", "pipe", "pipe"], detached: true, env: { ...env, SERVICE: String(i) }, cwd: "/tmp", argv0: "sleep" }); void drain(p.stdout as any); void drain(p.stderr as any); }
}
const ms = performance.now() - t0;
const cpu = process.cpuUsage(cpu0);
await Bun.write(Bun.stdout, ms.toFixed(1) + " " + ((cpu.user + cpu.system) / 1000).toFixed(1) + "\\n");
setInterval(() => {}, 1 << 30);
`;

becomeSubreaper();
using ws = workspace();
const bin = compileSource(ws, "spawn", PROGRAM);
const variants = ["bare", "detached", "piped", "env+cwd", "as bosun", "shell loop (dash: fork + exec)"];
const wall = new Map<string, number[]>(variants.map((v) => [v, []]));
const cpu = new Map<string, number[]>(variants.map((v) => [v, []]));

async function once(variant: string): Promise<void> {
  const shell = variant.startsWith("shell");
  const argv = shell
    ? ["sh", "-c", `t0=$(date +%s%N); i=0; while [ $i -lt ${n} ]; do /usr/bin/sleep 1000 & i=$((i+1)); done; t1=$(date +%s%N); echo "$(( (t1 - t0) / 1000 ))" ; exec sleep 1000`]
    : [bin, variant, String(n)];
  const p = Bun.spawn(argv, { stdin: "ignore", stdout: "pipe", stderr: "inherit" });
  ownedByBun(p.pid);
  try {
    const { value } = await (p.stdout as ReadableStream<Uint8Array>).getReader().read();
    const words = new TextDecoder().decode(value).trim().split(" ").map(Number);
    wall.get(variant)!.push(shell ? words[0]! / 1000 : words[0]!);
    if (!shell) cpu.get(variant)!.push(words[1]!);
  } finally {
    await killTree(p.pid);
    await p.exited;
  }
}

for (let rep = 0; rep < reps; rep++) {
  for (const v of [...variants.slice(rep % variants.length), ...variants.slice(0, rep % variants.length)]) await once(v);
}
console.log(`spawning ${n} \`sleep 1000\` in a loop, compiled like dist/bosun; median (min–max) of ${reps}; CPU = the spawning process's user+system time`);
for (const v of variants) {
  const w = wall.get(v)!;
  const c = cpu.get(v)!;
  console.log(`  ${v.padEnd(32)} ${quantile(w, 0.5).toFixed(0).padStart(6)} ms (${Math.min(...w).toFixed(0)}–${Math.max(...w).toFixed(0)})  ${(quantile(w, 0.5) / n * 1000).toFixed(0).padStart(5)} µs each${c.length ? `   CPU ${quantile(c, 0.5).toFixed(0)} ms` : ""}`);
}
