/**
 * @module bench/run
 * `bun run bench`: bosun's own benchmarks and, for every supervisor found on this machine, the
 * same start, memory, shutdown and restart scenarios side by side in one run. Prints the results
 * as markdown on stdout (progress on stderr) and writes RESULTS.md and chart.svg.
 *
 *   bun run bench                              everything, 3 repetitions
 *   bun run bench --scenarios start,memory --kinds dinit,bosun --reps 5
 *   bun run bench --quick                      a smoke run, written to a temp dir
 */
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ensureCompiled } from "./build.ts";
import { chart, type Panel } from "./chart.ts";
import { findKinds, type Kind, type Missing } from "./kinds/index.ts";
import { COMPILED } from "./kinds/bosun.ts";
import { describeMachine } from "./machine.ts";
import { OWN_SCENARIOS, type Options, parseOptions, PEER_SCENARIOS, UsageError, USAGE } from "./options.ts";
import type { OwnBench, OwnContext } from "./own/context.ts";
import { becomeSubreaper, killOwned } from "./proc.ts";
import { report, type RunRecord } from "./report.ts";
import { type Figures, type OwnResult, PeerResults } from "./results.ts";
import * as scenarios from "./scenarios.ts";
import { TimedOut, trialBase } from "./trial.ts";

const note = (line: string) => console.error(line);

let options: Options;
try {
  options = parseOptions(process.argv.slice(2));
} catch (e) {
  if (!(e instanceof UsageError)) throw e;
  console.error(`bench: ${e.message}\n${USAGE}`);
  process.exit(2);
}
if (options.help) {
  console.log(USAGE);
  process.exit(0);
}
const o = options;

const base = trialBase();
const wantsPeers = o.scenarios.some((s) => (PEER_SCENARIOS as readonly string[]).includes(s));
// Built probes and a private copy of Bun for bosun-src (see kinds/bosun.ts), removed at the end;
// on the disk where bun and dist/bosun are: a binary mapped from tmpfs shows ~5 MiB less
// resident memory.
const scratchDir = mkdtempSync(join(tmpdir(), "bench-bin-"));
const cleanup = () => rmSync(scratchDir, { recursive: true, force: true });
let bun = process.execPath;
if (wantsPeers && o.kinds.includes("bosun-src")) {
  bun = join(scratchDir, "bun");
  copyFileSync(process.execPath, bun);
}
let interrupted = false;
for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
  process.on(sig, () => {
    // the trial in progress sees its supervisor die and unwinds; the run then stops
    note(`bench: ${sig}: killing the supervisor under test and stopping`);
    interrupted = true;
    void killOwned();
  });
}

const wantsCompiled = (wantsPeers && o.kinds.includes("bosun")) || o.scenarios.includes("cli");
const buildProblem = wantsCompiled ? ensureCompiled() : null;
const { found, missing } = wantsPeers ? findKinds(o.kinds, { bun, scratch: scratchDir }) : { found: [] as Kind[], missing: [] as Missing[] };
if (buildProblem) for (const m of missing) if (m.name === "bosun") m.missing = buildProblem;
const subreaper = becomeSubreaper();

note(`bench: kinds ${found.map((k) => k.name).join(", ") || "none"}${missing.length ? `; not found: ${missing.map((m) => `${m.name} (${m.missing})`).join("; ")}` : ""}`);
if (!subreaper) note("bench: could not become a child subreaper; trees are stopped before they are killed instead");

const settings: scenarios.ScenarioSettings = {
  base: base.dir,
  timeoutMs: o.timeoutS * 1000,
  keep: o.keep,
  settleS: o.settleS,
  restarts: o.restarts,
  restartTimeS: o.restartTimeS,
};
const peers = new PeerResults();
const wall: Record<string, number> = {};

/** One repetition of one scenario for one kind; failures are recorded, never thrown. */
async function measure(scenario: string, kind: Kind, n: number, rep: number, run: () => Promise<Figures>): Promise<void> {
  if ((scenario === "start" || scenario === "memory") && peers.trimmed.has(`${kind.name}|${n}`)) return;
  const t = performance.now();
  try {
    const f = await run();
    peers.add(scenario, kind.name, n, f);
    const shown = Object.entries(f).map(([k, v]) => `${k}=${typeof v === "number" ? Number(v.toPrecision(4)) : v}`);
    note(`  ${scenario} ${n} rep ${rep} ${kind.name}: ${shown.join(" ")} (${((performance.now() - t) / 1000).toFixed(1)} s)`);
  } catch (e) {
    const message = (e as Error).message;
    peers.fail(scenario, kind.name, n, `rep ${rep}: ${message}`);
    note(`  ${scenario} ${n} rep ${rep} ${kind.name}: FAILED: ${message}`);
    if (e instanceof TimedOut && (scenario === "start" || scenario === "memory")) peers.trimmed.set(`${kind.name}|${n}`, `rep ${rep} timed out`);
  }
}

const plan: Record<(typeof PEER_SCENARIOS)[number], { sizes: number[]; run: (k: Kind, n: number) => Promise<Figures> }> = {
  start: { sizes: o.startN, run: (k, n) => scenarios.start(k, n, settings) },
  memory: { sizes: o.memoryN, run: (k, n) => scenarios.memory(k, n, settings) },
  shutdown: { sizes: [o.shutdownN], run: (k, n) => scenarios.shutdown(k, n, settings) },
  restart: { sizes: [o.restarts], run: (k) => scenarios.restart(k, settings) },
};

try {
  if (o.scenarios.includes("start")) {
    // warm-up, not reported: page cache, the first exec of every binary
    for (const k of found) await scenarios.start(k, 3, settings).catch((e) => note(`  warm-up ${k.name}: ${(e as Error).message}`));
  }
  for (const scenario of PEER_SCENARIOS) {
    if (!o.scenarios.includes(scenario) || found.length === 0 || interrupted) continue;
    note(`== ${scenario}`);
    const t = performance.now();
    for (const n of plan[scenario].sizes) {
      for (let rep = 1; rep <= o.reps && !interrupted; rep++) {
        // rotated each repetition, so no kind always runs first (or right after a heavy one)
        const shift = (rep - 1) % found.length;
        for (const k of [...found.slice(shift), ...found.slice(0, shift)]) {
          if (!interrupted) await measure(scenario, k, n, rep, () => plan[scenario].run(k, n));
        }
      }
    }
    wall[scenario] = (performance.now() - t) / 1000;
  }

  const own: OwnResult[] = [];
  const ctx: OwnContext = { quick: o.quick, reps: o.reps, settleS: o.settleS, timeoutMs: o.timeoutS * 1000, compiled: buildProblem ? null : COMPILED, bun: process.execPath };
  for (const name of OWN_SCENARIOS) {
    if (!o.scenarios.includes(name) || interrupted) continue;
    note(`== ${name}`);
    const t = performance.now();
    try {
      // loaded only when asked: these import bosun's sources, which may not load while they change
      const bench = (await import(`./own/${name}.ts`)).default as OwnBench;
      own.push(await bench(ctx));
    } catch (e) {
      own.push({ name, title: name, method: "", rows: [], failure: (e as Error).message.split("\n")[0]! });
    }
    const last = own.at(-1)!;
    if (last.failure) note(`  ${name}: FAILED: ${last.failure}`);
    wall[name] = (performance.now() - t) / 1000;
  }

  const record: RunRecord = { options: o, machine: describeMachine(), trialFs: base.fs, kinds: found, missing, peers, own, wall };
  const text = report(record);
  console.log(text);
  const out = o.out ?? (o.quick ? mkdtempSync(join(tmpdir(), "bosun-bench-")) : import.meta.dir);
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, "RESULTS.md"), text);
  // the chart shows the peer scenarios; a run without them leaves the last chart alone
  if (wantsPeers && found.length > 0) {
    const series = (scenario: string, field: string, sizes: number[]) =>
      found.map((k) => ({
        kind: k.name,
        points: sizes.flatMap((n): [number, number][] => {
          const m = peers.spread(scenario, k.name, n, field)?.median;
          return m === undefined ? [] : [[n, m]];
        }),
      }));
    const panels: Panel[] = [
      { title: "start: all N running", unit: "ms", series: series("start", "running", o.startN) },
      { title: "supervisor memory (Pss)", unit: "MiB", series: series("memory", "pss", o.memoryN) },
    ];
    writeFileSync(join(out, "chart.svg"), chart(panels, `bun run bench, ${record.machine.date}, ${record.machine.cores} cores, median of ${o.reps}`));
  }
  note(`bench: wrote ${join(out, "RESULTS.md")}${wantsPeers && found.length > 0 ? ` and ${join(out, "chart.svg")}` : ""}`);
} finally {
  cleanup();
}
if (interrupted) process.exit(130);
