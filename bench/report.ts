/**
 * @module bench/report
 * The results as markdown: a header naming the machine, the command and the kinds (and the
 * kinds not found, with why), one side-by-side table of every scenario, a detail table per
 * scenario, and bosun's own benchmarks. Printed on stdout and written to RESULTS.md.
 */
import type { Kind, Missing } from "./kinds/index.ts";
import type { Options } from "./options.ts";
import type { OwnResult, PeerResults } from "./results.ts";
import { STOP_SECONDS } from "./scenarios.ts";
import { count, num, type Spread, showRatio, showSpread, spread } from "./stats.ts";

/** Everything the report is made from. */
export interface RunRecord {
  options: Options;
  machine: Record<string, string>;
  trialFs: string;
  kinds: Kind[];
  missing: Missing[];
  peers: PeerResults;
  own: OwnResult[];
  /** Seconds each scenario took, by name. */
  wall: Record<string, number>;
}

const BASE = "dinit";

/** A markdown table from a header row and body rows. */
function table(head: string[], rows: string[][], align: ("l" | "r")[] = []): string[] {
  const line = (cells: string[]) => `| ${cells.map((c) => c.replaceAll("|", "/")).join(" | ")} |`;
  return [line(head), `|${head.map((_, i) => (align[i] === "l" || (align[i] === undefined && i === 0) ? "---" : "---:")).join("|")}|`, ...rows.map(line)];
}

/** "median (min–max) ratio×" for one kind against dinit, the ratio left out for dinit itself. */
function cell(r: RunRecord, scenario: string, kind: string, n: number, field: string, unit = ""): string {
  const s = r.peers.spread(scenario, kind, n, field);
  if (!s) return notMeasured(r, scenario, kind, n);
  const base = r.peers.spread(scenario, BASE, n, field);
  return kind === BASE || !base ? showSpread(s, unit) : `${showSpread(s, unit)} ${showRatio(s.median, base.median)}`;
}

function notMeasured(r: RunRecord, scenario: string, kind: string, n: number): string {
  const why = r.peers.trimmed.get(`${kind}|${n}`) ?? r.peers.errors(scenario, kind, n)[0];
  return why ? "failed (see below)" : "–";
}

function has(r: RunRecord, s: string): boolean {
  return r.options.scenarios.includes(s as never);
}

function summary(r: RunRecord): string[] {
  const rows: string[][] = [];
  const names = r.kinds.map((k) => k.name);
  if (has(r, "start")) for (const n of r.options.startN) rows.push([`start ${n} \`sleep\` services → all running, ms`, ...names.map((k) => cell(r, "start", k, n, "running"))]);
  if (has(r, "memory")) for (const n of r.options.memoryN) rows.push([`supervisor Pss with ${n} services, MiB`, ...names.map((k) => cell(r, "memory", k, n, "pss"))]);
  if (has(r, "shutdown")) {
    const n = r.options.shutdownN;
    rows.push([
      `shutdown as PID 1, ${n} services needing ${STOP_SECONDS} s → exit, s; services that got TERM`,
      ...names.map((k) => {
        const runs = r.peers.runs("shutdown", k, n);
        if (runs.length === 0) return notMeasured(r, "shutdown", k, n);
        const term = spread(runs.map((f) => f.term as number)).median;
        const int = spread(runs.map((f) => f.int as number)).median;
        return `${cell(r, "shutdown", k, n, "exit")}, ${count(term)}/${n} TERM${int ? `, ${count(int)} INT` : ""}`;
      }),
    ]);
  }
  if (has(r, "restart")) rows.push(["crash → restart interval, delay 0, ms", ...names.map((k) => cell(r, "restart", k, r.options.restarts, "median"))]);
  if (rows.length === 0) return [];
  return [
    "## Side by side",
    "",
    ...table(["scenario", ...names], rows),
    "",
    `Each cell: the median over ${r.options.reps} repetition(s), (min–max) across them, and × = that median / dinit's median in this same run (below 1 is faster or smaller than dinit). Within a repetition the kinds run one after another, in an order rotated from one repetition to the next.`,
    "",
  ];
}

/** Failures under a detail table. */
function failures(r: RunRecord, scenario: string, sizes: number[]): string[] {
  const out: string[] = [];
  for (const k of r.kinds) {
    for (const n of sizes) {
      for (const e of r.peers.errors(scenario, k.name, n)) out.push(`- ${k.name}, ${n}: ${e}`);
      const cut = r.peers.trimmed.get(`${k.name}|${n}`);
      if (cut && (scenario === "start" || scenario === "memory")) out.push(`- ${k.name}, ${n}: later repetitions skipped (${cut})`);
    }
  }
  return out.length > 0 ? ["", "Failed runs:", ...[...new Set(out)]] : [];
}

const wall = (r: RunRecord, s: string) => (r.wall[s] === undefined ? [] : ["", `_${s}: ${r.wall[s]!.toFixed(0)} s wall_`]);

function startDetails(r: RunRecord): string[] {
  const rows: string[][] = [];
  for (const n of r.options.startN) for (const k of r.kinds) rows.push([k.name, String(n), cell(r, "start", k.name, n, "running"), cell(r, "start", k.name, n, "ctl"), k.statusTool]);
  return [
    "### start",
    "",
    "From launching the supervisor until all N `sleep 1000` services run: the bench walks the process tree below the supervisor (/proc/PID/task/*/children) and counts processes whose command is `sleep`, the same way for every kind; the time is the middle of the poll that first saw all N. Then the kind's own status tool is asked until it reports all N up (its own start-up cost included). Every kind gets one untimed warm-up run first.",
    "",
    ...table(["kind", "N", "all running, ms", "status tool reports all up, ms", "status tool"], rows, ["l", "r", "r", "r", "l"]),
    ...failures(r, "start", r.options.startN),
    ...wall(r, "start"),
    "",
  ];
}

function memoryDetails(r: RunRecord): string[] {
  const rows: string[][] = [];
  for (const n of r.options.memoryN) {
    for (const k of r.kinds) {
      const runs = r.peers.runs("memory", k.name, n);
      rows.push([k.name, String(n), runs.length ? count(spread(runs.map((f) => f.processes as number)).median) : "–", cell(r, "memory", k.name, n, "pss"), cell(r, "memory", k.name, n, "rss")]);
    }
  }
  return [
    "### memory",
    "",
    `With all N services running and ${r.options.settleS} s to settle, the sum over the supervisor's own processes (its whole tree except the sleeps: one process for dinit, bosun, supervisord and pm2; one per service plus the scanner for s6 and runit) of Pss from /proc/PID/smaps_rollup (shared pages divided among the processes that map them: what the tree really costs) and of VmRSS (shared pages counted in full by every process). Shared pages include libc, which the sleeps and every other process on the machine map too: a small C supervisor's Pss falls as services are added and moves with whatever else runs, so memory ratios against dinit's 1–4 MiB are coarse. bosun-src runs a private copy of the bun executable, so its Pss is not lowered by sharing Bun's pages with the bench's own Bun.`,
    "",
    ...table(["kind", "N", "processes", "Pss, MiB", "VmRSS, MiB"], rows),
    ...failures(r, "memory", r.options.memoryN),
    ...wall(r, "memory"),
    "",
  ];
}

function shutdownDetails(r: RunRecord): string[] {
  const n = r.options.shutdownN;
  const rows = r.kinds.map((k) => {
    const runs = r.peers.runs("shutdown", k.name, n);
    if (runs.length === 0) return [k.name, notMeasured(r, "shutdown", k.name, n), "", "", "", ""];
    const med = (field: string) => count(spread(runs.map((f) => f[field] as number)).median);
    return [k.name, cell(r, "shutdown", k.name, n, "exit"), med("term"), med("int"), med("done"), [...new Set(runs.map((f) => String(f.status)))].join(", ")];
  });
  return [
    "### shutdown",
    "",
    `The supervisor runs as PID 1 of a new pid namespace (\`unshare --pid --fork --mount-proc\`; dinit with \`-o\`) with ${n} services, each a shell that notes when it is up and which signal it got (TERM or INT), then takes ${STOP_SECONDS} s before it exits 0. One second after all are up, SIGTERM goes to the supervisor from outside; the figure is the time until it exits. About ${STOP_SECONDS} s means a parallel stop, ${n} × ${STOP_SECONDS} s a serial one, near 0 that it did not wait. Services that did not finish were killed with the namespace.`,
    "",
    ...table(["kind", "SIGTERM → exit, s", `got TERM (of ${n})`, "got INT", `finished their ${STOP_SECONDS} s`, "exit status"], rows),
    ...failures(r, "shutdown", [n]),
    ...wall(r, "shutdown"),
    "",
  ];
}

function restartDetails(r: RunRecord): string[] {
  const n = r.options.restarts;
  const rows = r.kinds.map((k) => {
    const runs = r.peers.runs("restart", k.name, n);
    const intervals = runs.length ? count(spread(runs.map((f) => f.count as number)).median) : "–";
    return [k.name, k.restartSetting, intervals, cell(r, "restart", k.name, n, "median"), cell(r, "restart", k.name, n, "p90")];
  });
  return [
    "### restart",
    "",
    `One service that appends its start time (\`date +%s.%N\`) to a file and exits at once, restarted as fast as the kind allows. Figures: the median and 90th percentile of the intervals between consecutive starts within a repetition (up to ${n} intervals, collected for at most ${r.options.restartTimeS} s once there are 3), then the median (min–max) of those over the repetitions. An interval includes one \`sh\` + \`date\` run (about 1–2 ms), the same for every kind.`,
    "",
    ...table(["kind", "restart setting", "intervals per rep", "median interval, ms", "p90 interval, ms"], rows, ["l", "l", "r", "r", "r"]),
    ...failures(r, "restart", [n]),
    ...wall(r, "restart"),
    "",
  ];
}

function ownSection(o: OwnResult, seconds: number | undefined): string[] {
  const head = [`### ${o.title}`, "", o.method, ""];
  if (o.failure) return [...head, `Not measured: ${o.failure}`, ""];
  const rows = o.rows.map((row) => {
    const s: Spread | undefined = row.samples.length ? spread(row.samples) : undefined;
    return [row.label, s ? num(s.median) : "–", s && s.min !== s.max ? `${num(s.min)}–${num(s.max)}` : "", row.unit, String(row.samples.length), row.note ?? ""];
  });
  return [...head, ...table(["figure", "median", "min–max", "unit", "samples", "note"], rows, ["l", "r", "r", "l", "r", "l"]), ...(seconds === undefined ? [] : ["", `_${seconds.toFixed(0)} s wall_`]), ""];
}

/**
 * The whole results document.
 *
 * @example
 * writeFileSync("bench/RESULTS.md", report(record));
 */
export function report(r: RunRecord): string {
  const m = r.machine;
  const peerScenarios = ["start", "memory", "shutdown", "restart"].filter((s) => has(r, s));
  const out = [
    "# bosun benchmarks",
    "",
    `Written by \`bun run bench\` on ${m.date}; every figure below was measured in that one run. Compare ratios within a run, not absolute figures across machines or runs.`,
    "",
    `- machine: ${m.cores} cores (${m.cpu}), ${m.memory} memory, ${m.kernel}, ${m.os}; Bun ${m.bun}; trial directories on ${r.trialFs}${r.trialFs === "tmpfs" ? "" : " (not tmpfs: s6 and runit write state files per service, so their start includes disk latency; set BENCH_TMP to a tmpfs)"}`,
    `- command: \`bun run bench${r.options.argv.length ? ` ${r.options.argv.join(" ")}` : ""}\`; ${r.options.reps} repetition(s)${r.options.quick ? " (quick mode: a smoke run, not for comparison)" : ""}`,
    ...(peerScenarios.length > 0 ? [`- kinds: ${r.kinds.map((k) => `${k.name} ${k.version}`).join(" · ") || "none"}`] : []),
    ...r.missing.map((k) => `- not measured: **${k.name}**: ${k.missing}`),
    ...(peerScenarios.length > 0 && !r.kinds.some((k) => k.name === BASE) ? ["- no dinit in this run, so no ratios"] : []),
    ...(r.kinds.some((k) => k.name === "bun-floor") ? ["- bun-floor is a reference, not a peer: the least a supervisor on Bun does (spawn detached, read the output pipes, restart at once, TERM and wait), compiled like dist/bosun; what bosun adds is the difference"] : []),
    "",
  ];
  if (peerScenarios.length > 0 && r.kinds.length > 0) {
    out.push("![start time and memory against the number of services](chart.svg)", "", ...summary(r), "## Details", "");
    if (has(r, "start")) out.push(...startDetails(r));
    if (has(r, "memory")) out.push(...memoryDetails(r));
    if (has(r, "shutdown")) out.push(...shutdownDetails(r));
    if (has(r, "restart")) out.push(...restartDetails(r));
  }
  if (r.own.length > 0) {
    out.push("## bosun's own benchmarks", "");
    for (const o of r.own) out.push(...ownSection(o, r.wall[o.name]));
  }
  return `${out.join("\n").trimEnd()}\n`;
}
