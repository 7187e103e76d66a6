/**
 * @module bench/study/settings
 * Bun's own memory settings on the compiled bosun, with their cost in CPU: smol mode, the JIT
 * tiers, JSC's heap sizing and concurrent GC, mimalloc's purge and commit behaviour. For each:
 * Pss with 3 and 1000 `sleep` services (after a settle), the time and the daemon's CPU to start
 * 1000, and the restart interval; kinds interleaved and rotated as in the bench.
 *
 *   bun bench/study/settings.ts [--reps 3] [--settle 3] [--n 1000] [--only WORD,WORD]
 *   (--only: just the variants whose name contains one of the words, and the default)
 */
import { join } from "node:path";
import { parseArgs } from "node:util";
import { compileLike, ensureCompiled } from "../build.ts";
import { bosunKind, findCompiledBosun, ROOT } from "../kinds/bosun.ts";
import type { Kind } from "../kinds/index.ts";
import { becomeSubreaper, cpuMs, memoryOf, Workload } from "../proc.ts";
import * as scenarios from "../scenarios.ts";
import { quantile } from "../stats.ts";
import { Trial, trialBase } from "../trial.ts";
import { workspace } from "./memory.ts";

const { values } = parseArgs({ options: { reps: { type: "string", default: "3" }, settle: { type: "string", default: "3" }, n: { type: "string", default: "1000" }, only: { type: "string" } } });
const reps = Number(values.reps);
const n = Number(values.n);
const settleS = Number(values.settle);

/** A variant: its environment, and extra flags for a build of its own (none: dist/bosun). */
const VARIANTS: [string, Record<string, string>, string[]?][] = [
  ["default", {}],
  ["--smol (BUN_OPTIONS)", { BUN_OPTIONS: "--smol" }],
  ["JSC forceRAMSize 256 MiB", { BUN_JSC_forceRAMSize: String(256 * 2 ** 20) }],
  ["JSC no concurrent GC", { BUN_JSC_useConcurrentGC: "0" }],
  ["JSC no FTL", { BUN_JSC_useFTLJIT: "0" }],
  ["JSC no DFG/FTL (baseline JIT only)", { BUN_JSC_useDFGJIT: "0", BUN_JSC_useFTLJIT: "0" }],
  ["built with --compile-jit-policy=20", {}, ["--compile-jit-policy=20"]],
  ["built with --compile-jit-policy=1000", {}, ["--compile-jit-policy=1000"]],
  ["JSC no JIT (interpreter)", { BUN_JSC_useJIT: "0" }],
  ["mimalloc purge_delay 0", { MIMALLOC_PURGE_DELAY: "0" }],
  ["mimalloc arena_eager_commit 0", { MIMALLOC_ARENA_EAGER_COMMIT: "0" }],
  ["--smol + purge_delay 0 + no DFG/FTL", { BUN_OPTIONS: "--smol", MIMALLOC_PURGE_DELAY: "0", BUN_JSC_useDFGJIT: "0", BUN_JSC_useFTLJIT: "0" }],
];

const problem = ensureCompiled();
if (problem) throw new Error(problem);
const found = findCompiledBosun();
if ("missing" in found) throw new Error(found.missing);
const compiled = found;
becomeSubreaper();
const settings: scenarios.ScenarioSettings = { base: trialBase().dir, timeoutMs: 120_000, keep: false, settleS, restarts: 50, restartTimeS: 15 };
using ws = workspace();
const only = values.only?.split(",");
const kinds: Kind[] = VARIANTS.filter(([name]) => name === "default" || !only || only.some((w) => name.includes(w))).map(([name, env, flags], i) => {
  if (!flags) return { ...compiled, name, env: () => env };
  const binary = join(ws.bin, `bosun-${i}`);
  compileLike(join(ROOT, "src", "main.ts"), binary, flags);
  return { ...bosunKind(name, [binary], "compiled"), env: () => env };
});

type Row = { pss3: number[]; pssN: number[]; startMs: number[]; startCpu: number[]; restart: number[]; failure?: string };
const rows = new Map<string, Row>(kinds.map((k) => [k.name, { pss3: [], pssN: [], startMs: [], startCpu: [], restart: [] }]));

/** Starts N sleeps: time to all running and the daemon's CPU by then; then Pss after the settle. */
async function startAndMemory(kind: Kind, count: number): Promise<{ ms: number; cpu: number; pss: number }> {
  const services = Array.from({ length: count }, (_, i) => ({ name: `s${i}`, argv: [Bun.which("sleep")!, "1000"] }));
  await using t = new Trial(kind, services, settings);
  const t0 = t.launch();
  const sleeps = new Workload(t.proc!.pid, "sleep");
  const at = await t.until(`${count} running`, () => sleeps.count() >= count);
  const cpu = cpuMs(t.proc!.pid);
  await Bun.sleep(settleS * 1000);
  return { ms: at - t0, cpu, pss: memoryOf(t.proc!.pid).pss / 1024 };
}

for (let rep = 0; rep < reps; rep++) {
  const order = [...kinds.slice(rep % kinds.length), ...kinds.slice(0, rep % kinds.length)];
  for (const k of order) {
    const r = rows.get(k.name)!;
    if (r.failure) continue;
    try {
      const big = await startAndMemory(k, n);
      r.startMs.push(big.ms);
      r.startCpu.push(big.cpu);
      r.pssN.push(big.pss);
      r.pss3.push((await startAndMemory(k, 3)).pss);
      r.restart.push((await scenarios.restart(k, settings)).median);
      console.error(`  rep ${rep + 1} ${k.name}: done`);
    } catch (e) {
      r.failure = (e as Error).message.split("\n")[0]!;
      console.error(`  rep ${rep + 1} ${k.name}: ${r.failure}`);
    }
  }
}

const med = (xs: number[]) => quantile(xs, 0.5);
const base = rows.get("default")!;
console.log(`compiled bosun (${join("dist", "bosun")}), median of ${reps}; Pss after ${settleS} s; CPU = the daemon's user+system time when all ${n} run`);
console.log(`${"setting".padEnd(40)} ${"Pss 3".padStart(7)} ${`Pss ${n}`.padStart(9)} ${"start ms".padStart(9)} ${"start CPU ms".padStart(13)} ${"restart ms".padStart(11)}`);
for (const [name, r] of rows) {
  if (r.failure) {
    console.log(`${name.padEnd(40)} fails: ${r.failure}`);
    continue;
  }
  const d = (x: number, b: number) => (name === "default" ? "" : ` ${x - b >= 0 ? "+" : ""}${(((x - b) / b) * 100).toFixed(0)}%`);
  console.log(
    `${name.padEnd(40)} ${med(r.pss3).toFixed(1).padStart(7)} ${med(r.pssN).toFixed(1).padStart(9)} ${med(r.startMs).toFixed(0).padStart(9)} ${`${med(r.startCpu).toFixed(0)}${d(med(r.startCpu), med(base.startCpu))}`.padStart(13)} ${`${med(r.restart).toFixed(2)}${d(med(r.restart), med(base.restart))}`.padStart(11)}`,
  );
}
