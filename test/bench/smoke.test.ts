/**
 * @module test/bench/smoke
 * `bun run bench` in quick mode on bosun alone (from source, so nothing is built) with tiny
 * sizes: it measures, prints the side-by-side table, writes RESULTS.md and chart.svg, names
 * the kinds it cannot find, and leaves no process or directory behind. Figures are not
 * asserted: they belong in bench/.
 */
import { afterEach, expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { removeTempDirs, tempDir } from "../support/files.ts";

const RUN = join(import.meta.dir, "..", "..", "bench", "run.ts");

afterEach(removeTempDirs);

/** Runs the bench with `args` and its trial directories under `trials`; exit code and output. */
async function bench(args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  const proc = Bun.spawn([process.execPath, RUN, ...args], { stdin: "ignore", stdout: "pipe", stderr: "pipe", env: { ...process.env, ...env } });
  const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  return { code, stdout, stderr };
}

/** Processes whose command line mentions `path`. */
function processesUsing(path: string): string[] {
  const out: string[] = [];
  for (const pid of readdirSync("/proc").filter((p) => /^\d+$/.test(p))) {
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, "utf8").replaceAll("\0", " ");
      if (cmd.includes(path)) out.push(`${pid}: ${cmd}`);
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

test("quick mode on bosun alone prints the table and writes RESULTS.md and an SVG chart, leaving nothing behind", async () => {
  const out = tempDir();
  const trials = tempDir();
  const r = await bench(["--quick", "--kinds", "bosun-src", "--scenarios", "start,memory,shutdown,restart,engine", "--out", out], { BENCH_TMP: trials });
  expect(r.stderr).not.toContain("FAILED");
  expect(r.code).toBe(0);

  // one row per scenario and size, with a figure in bosun's column
  for (const row of ["start 10 `sleep` services → all running, ms", "supervisor Pss with 3 services, MiB", "supervisor Pss with 10 services, MiB", "shutdown as PID 1, 3 services needing 2 s", "crash → restart interval, delay 0, ms"]) {
    const line = r.stdout.split("\n").find((l) => l.startsWith(`| ${row}`));
    expect(line, row).toBeDefined();
    expect(line!.split(" | ")[1], row).toMatch(/^\d/);
  }
  expect(r.stdout).toContain(", 3/3 TERM |");
  expect(r.stdout).toContain("### engine alone");

  const results = readFileSync(join(out, "RESULTS.md"), "utf8");
  expect(results).toBe(r.stdout.replace(/\n$/, ""));
  expect(results).toMatch(/machine: \d+ cores \(.+\), [\d.]+ GiB memory, Linux /);

  const svg = readFileSync(join(out, "chart.svg"), "utf8");
  expect(svg.startsWith("<svg ")).toBe(true);
  expect(svg.trimEnd().endsWith("</svg>")).toBe(true);
  expect(svg).toContain("bosun-src, 10 services:");
  expect(svg).toContain("bosun-src, 3 services:");

  expect(readdirSync(trials)).toEqual([]);
  expect(processesUsing(trials)).toEqual([]);
}, 20_000);

test("a peer that is not installed is named with what to do, and the run still writes its results", async () => {
  const out = tempDir();
  const empty = tempDir();
  const r = await bench(["--quick", "--kinds", "dinit,s6", "--scenarios", "start", "--out", out], { DINIT_BIN_DIR: empty, S6_BIN_DIR: empty });
  expect(r.code).toBe(0);
  expect(r.stdout).toContain("not measured: **dinit**: dinit/dinitctl not found");
  expect(r.stdout).toContain("not measured: **s6**: s6-svscan/s6-svstat not found");
  expect(readFileSync(join(out, "RESULTS.md"), "utf8")).toContain("kinds: none");
});

test("a bad flag is a usage error naming the flag", async () => {
  const r = await bench(["--reps", "0"], {});
  expect(r.code).toBe(2);
  expect(r.stderr).toContain("--reps is at least 1");
  const k = await bench(["--kinds", "systemd"], {});
  expect(k.code).toBe(2);
  expect(k.stderr).toContain("--kinds takes dinit, bosun");
});
