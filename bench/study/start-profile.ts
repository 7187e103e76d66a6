/**
 * @module bench/study/start-profile
 * Where starting N `sleep` services spends its time: bosun runs under Bun's sampling CPU
 * profiler (BUN_OPTIONS=--cpu-prof) until all N run, then stops; the samples up to that moment
 * are summed by the function they were in (self time), by bosun's layer or Bun's internals, and
 * through the stack (inclusive time) for the functions that matter. From source by default (file
 * names say which module a sample is in); `--compiled` profiles dist/bosun (bundle chunks).
 * A second run with BUN_JSC_logGC=1 counts the garbage collections during the start.
 *
 *   bun bench/study/start-profile.ts [--n 1000] [--compiled] [--interval 200]
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { ensureCompiled } from "../build.ts";
import { COMPILED, ROOT } from "../kinds/bosun.ts";
import { writeDinitServices } from "../kinds/dinit-format.ts";
import { becomeSubreaper, killTree, ownedByBun, Workload } from "../proc.ts";
import { within } from "../trial.ts";
import { workspace } from "./memory.ts";

const { values } = parseArgs({ options: { n: { type: "string", default: "1000" }, compiled: { type: "boolean", default: false }, interval: { type: "string", default: "200" } } });
const n = Number(values.n);
if (values.compiled) {
  const problem = ensureCompiled();
  if (problem) throw new Error(problem);
}
const bosun = values.compiled ? [COMPILED] : [process.execPath, join(ROOT, "src", "main.ts")];

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: Node[];
  samples: number[];
  timeDeltas: number[];
}

becomeSubreaper();
using ws = workspace();
const sd = join(ws.bin, "sd");
writeDinitServices(sd, Array.from({ length: n }, (_, i) => ({ name: `s${i}`, argv: [Bun.which("sleep")!, "1000"] })));

/** Runs bosun with `env` until all N run; returns when that was (ms after launch) and its stderr. */
async function startOnce(env: Record<string, string>, tag: string): Promise<{ allMs: number; log: string }> {
  const logPath = join(ws.bin, `${tag}.log`);
  const p = Bun.spawn([...bosun, "boot", "-d", sd, "-p", join(ws.bin, `${tag}.sock`)], { stdio: ["ignore", "ignore", Bun.file(logPath)], env: { ...process.env, ...env } });
  ownedByBun(p.pid);
  const t0 = performance.now();
  try {
    const sleeps = new Workload(p.pid, "sleep");
    while (sleeps.count() < n) {
      if (performance.now() - t0 > 120_000) throw new Error(`${n} services did not start within 120 s`);
      await Bun.sleep(2);
    }
    const allMs = performance.now() - t0;
    p.kill("SIGTERM");
    if ((await within(p.exited, 60_000)) === undefined) throw new Error("bosun did not exit within 60 s of SIGTERM");
    return { allMs, log: readFileSync(logPath, "utf8") };
  } finally {
    await killTree(p.pid);
  }
}

const profDir = join(ws.bin, "prof");
const { allMs } = await startOnce({ BUN_OPTIONS: `--cpu-prof --cpu-prof-dir=${profDir} --cpu-prof-interval=${values.interval}` }, "prof");
const file = readdirSync(profDir).find((f) => f.endsWith(".cpuprofile"));
if (!file) throw new Error("no profile written");
const prof = JSON.parse(readFileSync(join(profDir, file), "utf8")) as Profile;

const byId = new Map(prof.nodes.map((nd) => [nd.id, nd]));
const parent = new Map<number, number>();
for (const nd of prof.nodes) for (const c of nd.children ?? []) parent.set(c, nd.id);
const where = (nd: Node) => {
  const url = nd.callFrame.url.replace(`file://${ROOT}/`, "").replace("file:///$bunfs/root/", "bundle:");
  return `${nd.callFrame.functionName || "(anonymous)"} ${url ? `${url}:${nd.callFrame.lineNumber + 1}` : ""}`.trim();
};
/** Which part of the program a sample belongs to, by its innermost frame with a file. */
function layer(nd: Node): string {
  for (let cur: Node | undefined = nd; cur; cur = byId.get(parent.get(cur.id) ?? -1)) {
    const url = cur.callFrame.url;
    const m = /\/src\/([a-z]+)\//.exec(url) ?? /\/src\/([a-z.]+)\.ts/.exec(url);
    if (m) return `bosun src/${m[1]}`;
    if (url.includes("node_modules/")) return `package ${/node_modules\/([^/]+)/.exec(url)![1]}`;
    if (/^(node:|internal:|builtin:|bun:)/.test(url)) return `Bun builtin ${url.split("/")[0]}`;
    if (url.includes("$bunfs")) return "bosun (bundle)";
  }
  return nd.callFrame.functionName.startsWith("(") ? nd.callFrame.functionName : "native, no JS frame";
}

const self = new Map<string, number>();
const inclusive = new Map<string, number>();
const layers = new Map<string, number>();
let t = 0;
let total = 0;
for (let i = 0; i < prof.samples.length; i++) {
  t += prof.timeDeltas[i]! / 1000;
  if (t > allMs) break;
  const dt = prof.timeDeltas[i + 1] !== undefined ? prof.timeDeltas[i + 1]! / 1000 : 0;
  const nd = byId.get(prof.samples[i]!)!;
  total += dt;
  self.set(where(nd), (self.get(where(nd)) ?? 0) + dt);
  layers.set(layer(nd), (layers.get(layer(nd)) ?? 0) + dt);
  const seen = new Set<string>();
  for (let cur: Node | undefined = nd; cur; cur = byId.get(parent.get(cur.id) ?? -1)) {
    const w = where(cur);
    if (seen.has(w)) continue;
    seen.add(w);
    inclusive.set(w, (inclusive.get(w) ?? 0) + dt);
  }
}
const top = (m: Map<string, number>, k: number) => [...m].sort((a, b) => b[1] - a[1]).slice(0, k);
const ms = (x: number) => `${x.toFixed(0).padStart(6)} ms ${((x / total) * 100).toFixed(0).padStart(3)}%`;
console.log(`${values.compiled ? "compiled" : "from source"}: ${n} services all running after ${allMs.toFixed(0)} ms; ${total.toFixed(0)} ms of samples until then (every ${values.interval} µs; idle counts as "(idle)")`);
console.log("\nby layer (innermost frame with a file):");
for (const [k, v] of top(layers, 20)) console.log(`  ${ms(v)}  ${k}`);
console.log("\nself time, top 25:");
for (const [k, v] of top(self, 25)) console.log(`  ${ms(v)}  ${k}`);
console.log("\ninclusive time, top 40:");
for (const [k, v] of top(inclusive, 40)) console.log(`  ${ms(v)}  ${k}`);

const gc = await startOnce({ BUN_JSC_logGC: "1" }, "gc");
const collections = gc.log.match(/=> (Full|Eden)Collection/g) ?? [];
const pauses = [...gc.log.matchAll(/p=([\d.]+)ms/g)].map((m) => Number(m[1]));
console.log(`\ngarbage collections during a start of ${n} (BUN_JSC_logGC=1, until SIGTERM): ${collections.filter((c) => c.includes("Full")).length} full, ${collections.filter((c) => c.includes("Eden")).length} eden; pauses ${pauses.reduce((a, b) => a + b, 0).toFixed(0)} ms in total`);
