/**
 * @module bench/cli
 * Wall time of one `bosun list` against a running bosun: from a checkout (`bun src/main.ts`)
 * and as the compiled binary, next to a bare `bun -e 0`. Prints median / p90 / min wall ms,
 * and the median CPU ms (user + system), which a busy machine disturbs less.
 *
 * Run: node_modules/.bin/bun bench/cli.ts [RUNS]
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const runs = Number(process.argv[2] ?? 30);
const root = join(import.meta.dir, "..");
const bun = process.execPath;
const dir = mkdtempSync(join(tmpdir(), "bctl-bench-"));
const socket = join(dir, "bosun.sock");
mkdirSync(join(dir, "services"));
for (let i = 0; i < 10; i++) writeFileSync(join(dir, "services", `svc${i}`), "type = internal\n");
writeFileSync(join(dir, "services", "boot"), `type = internal\n${Array.from({ length: 10 }, (_, i) => `depends-on = svc${i}`).join("\n")}\n`);

const daemon = Bun.spawn([bun, join(root, "src/main.ts"), "boot", "-p", socket, "-d", join(dir, "services")], { stdout: "ignore", stderr: "ignore" });
try {
  const deadline = Date.now() + 10000;
  for (;;) {
    try {
      if ((await fetch("http://bosun/v1/services", { unix: socket })).ok) break;
    } catch {}
    if (Date.now() > deadline) throw new Error("bosun did not answer on its socket within 10 s");
    await Bun.sleep(20);
  }

  // Exactly what `bun run build` makes, written to the temp dir instead of dist/.
  const binary = join(dir, "bosun");
  const script = ((await Bun.file(join(root, "package.json")).json()) as { scripts: { build: string } }).scripts.build;
  const words = script.split(/\s+/);
  const argv = words.map((w, i) => (i === 0 ? bun : words[i - 1] === "--outfile" ? binary : w));
  const build = Bun.spawnSync(argv, { cwd: root, stdout: "ignore", stderr: "pipe" });
  if (build.exitCode !== 0) throw new Error(`build failed: ${build.stderr}`);

  const measure = (label: string, argv: string[]) => {
    const times: number[] = [];
    const cpu: number[] = [];
    for (let i = 0; i < runs + 2; i++) {
      const t0 = performance.now();
      const r = Bun.spawnSync(argv, { stdout: "ignore", stderr: "pipe", env: { ...process.env, BOSUN_SOCKET: socket } });
      const ms = performance.now() - t0;
      if (r.exitCode !== 0) throw new Error(`${label} exited ${r.exitCode}: ${r.stderr}`);
      if (i < 2) continue; // the first runs warm the page cache
      times.push(ms);
      const used = r.resourceUsage?.cpuTime;
      if (used) cpu.push(Number(used.user + used.system) / 1000);
    }
    times.sort((a, b) => a - b);
    cpu.sort((a, b) => a - b);
    const at = (list: number[], q: number) => list[Math.min(list.length - 1, Math.floor(q * list.length))] ?? NaN;
    const f = (n: number) => n.toFixed(1).padStart(6);
    console.log(`${label.padEnd(30)} wall median ${f(at(times, 0.5))} ms  p90 ${f(at(times, 0.9))} ms  min ${f(times[0]!)} ms   cpu median ${f(at(cpu, 0.5))} ms`);
    return at(times, 0.5);
  };

  console.log(`${runs} runs each, 11 services loaded`);
  const bare = measure("bun -e 0", [bun, "-e", "0"]);
  const src = measure("bun src/main.ts list", [bun, join(root, "src/main.ts"), "list"]);
  const compiled = measure("compiled: bosun list", [binary, "list"]);
  measure("compiled: bosun list --json", [binary, "list", "--json"]);
  measure("compiled: bosun status svc1", [binary, "status", "svc1"]);
  console.log(`ratio source/compiled ${(src / compiled).toFixed(2)}; compiled over bare bun ${(compiled - bare).toFixed(1)} ms`);
} finally {
  daemon.kill("SIGTERM");
  await daemon.exited;
  rmSync(dir, { recursive: true, force: true });
}
