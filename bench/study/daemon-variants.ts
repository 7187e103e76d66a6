/**
 * @module bench/study/daemon-variants
 * The real daemon with one thing changed at a time, without touching its sources: Pss with a
 * few and with many `sleep` services, and what that gives per service.
 * - dist/bosun as built;
 * - dist/bosun with every service's output going straight to a file (`log-type = file`,
 *   `logfile = /dev/null`: the child gets the fd, bosun holds no pipe and reads nothing);
 * - runDaemon (src/daemon.ts) compiled with a log router whose console is Bun's own stdout and
 *   stderr writers instead of Node's process.stdout/stderr streams;
 * - the same without a control socket (no Hono app, no Bun.serve).
 *
 *   bun bench/study/daemon-variants.ts [--small 3] [--large 1000] [--settle 3]
 */
import { appendFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { ensureCompiled } from "../build.ts";
import { COMPILED, ROOT } from "../kinds/bosun.ts";
import { writeDinitServices } from "../kinds/dinit-format.ts";
import { becomeSubreaper, killTree, ownedByBun, Workload } from "../proc.ts";
import { breakdown, compileSource, total, workspace } from "./memory.ts";

const { values } = parseArgs({ options: { small: { type: "string", default: "3" }, large: { type: "string", default: "1000" }, settle: { type: "string", default: "3" } } });
const sizes = [Number(values.small), Number(values.large)];
const settleS = Number(values.settle);
const problem = ensureCompiled();
if (problem) throw new Error(problem);

const src = (p: string) => JSON.stringify(join(ROOT, "src", p));
/** runDaemon with a console of Bun's FileSink writers; `socket` "none" runs without a control server. */
const PROGRAM = `
import { runDaemon } from ${src("daemon.ts")};
import { createLogRouter } from ${src("log/router.ts")};
/** Bun's own writer behind the small part of a Node stream the router uses. */
function bunConsole(sink: ReturnType<typeof Bun.stdout.writer>) {
  return { write(chunk: string | Uint8Array) { sink.write(chunk); sink.flush(); return true; }, once() {}, on() {}, isTTY: false };
}
const [dir, socket] = process.argv.slice(2);
const logs = createLogRouter({ stdout: bunConsole(Bun.stdout.writer()), stderr: bunConsole(Bun.stderr.writer()) });
process.exit(await runDaemon({ dirs: [dir!], services: [], mainCommand: null, socket: socket === "none" ? null : socket!, logs }));
`;

becomeSubreaper();
using ws = workspace();
const probe = compileSource(ws, "daemon-bun-console", PROGRAM);
const variants: [string, (sd: string, sock: string) => string[], boolean][] = [
  ["dist/bosun as built", (sd, sock) => [COMPILED, "boot", "-d", sd, "-p", sock], false],
  ["dist/bosun, output to a file fd (no pipes)", (sd, sock) => [COMPILED, "boot", "-d", sd, "-p", sock], true],
  ["runDaemon, console on Bun's writers", (sd, sock) => [probe, sd, sock], false],
  ["runDaemon, Bun's writers, no control socket", (sd) => [probe, sd, "none"], false],
];

console.log(`Pss after ${settleS} s with ${sizes.join(" and ")} sleep services (MiB: total = executable code / anonymous / rest), and per added service`);
for (const [label, argv, toFile] of variants) {
  const pss: number[] = [];
  const parts: string[] = [];
  for (const n of sizes) {
    const sd = join(ws.bin, `sd-${n}-${toFile}`);
    writeDinitServices(sd, Array.from({ length: n }, (_, i) => ({ name: `s${i}`, argv: [Bun.which("sleep")!, "1000"] })));
    if (toFile) for (let i = 0; i < n; i++) appendFileSync(join(sd, `s${i}`), "log-type = file\nlogfile = /dev/null\n");
    const p = Bun.spawn(argv(sd, join(ws.bin, `s${n}.sock`)), { stdio: ["ignore", "ignore", "ignore"] });
    ownedByBun(p.pid);
    try {
      const sleeps = new Workload(p.pid, "sleep");
      const deadline = performance.now() + 120_000;
      while (sleeps.count() < n) {
        if (p.exitCode !== null) throw new Error(`${label}: exited ${p.exitCode}`);
        if (performance.now() > deadline) throw new Error(`${label}: ${n} services did not start within 120 s`);
        await Bun.sleep(50);
      }
      await Bun.sleep(settleS * 1000);
      const b = breakdown(p.pid);
      const t = total(b);
      const code = b["executable: code"]?.pss ?? 0;
      const anon = b["anonymous (JS heap, allocators, thread stacks)"]?.pss ?? 0;
      pss.push(t.pss);
      parts.push(`${n}: ${(t.pss / 1024).toFixed(1)} = ${(code / 1024).toFixed(1)} / ${(anon / 1024).toFixed(1)} / ${((t.pss - code - anon) / 1024).toFixed(1)}`);
    } finally {
      await killTree(p.pid);
      await p.exited;
    }
  }
  console.log(`  ${label.padEnd(46)} ${parts.join("   ")}   per service ${((pss[1]! - pss[0]!) / (sizes[1]! - sizes[0]!)).toFixed(1)} KiB`);
}
