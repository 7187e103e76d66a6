/**
 * @module bench/cli
 * Wall time of one `bosun list` against a running bosun: from a checkout (`bun src/main.ts`)
 * and as the compiled binary, next to a bare `bun -e 0`. Prints median / p90 / min in ms.
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

  const binary = join(dir, "bosun");
  const build = Bun.spawnSync([bun, "build", join(root, "src/main.ts"), "--compile", "--bytecode", "--format=esm", "--outfile", binary], { stdout: "ignore", stderr: "pipe" });
  if (build.exitCode !== 0) throw new Error(`build failed: ${build.stderr}`);

  const measure = (label: string, argv: string[]) => {
    const times: number[] = [];
    for (let i = 0; i < runs + 2; i++) {
      const t0 = performance.now();
      const r = Bun.spawnSync(argv, { stdout: "ignore", stderr: "pipe", env: { ...process.env, BOSUN_SOCKET: socket } });
      const ms = performance.now() - t0;
      if (r.exitCode !== 0) throw new Error(`${label} exited ${r.exitCode}: ${r.stderr}`);
      if (i >= 2) times.push(ms); // the first runs warm the page cache
    }
    times.sort((a, b) => a - b);
    const at = (q: number) => times[Math.min(times.length - 1, Math.floor(q * times.length))]!;
    console.log(`${label.padEnd(34)} median ${at(0.5).toFixed(1).padStart(6)} ms   p90 ${at(0.9).toFixed(1).padStart(6)} ms   min ${times[0]!.toFixed(1).padStart(6)} ms`);
    return at(0.5);
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
