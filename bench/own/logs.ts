/**
 * @module bench/own/logs
 * Throughput of each log sink and the worst event-loop lag while it runs, against `cat > file`
 * as the reference. A child writes 256 MiB (4 in quick mode) of 100-byte lines as fast as it can.
 *
 *   bun bench/own/logs.ts [--quick]
 */
import { createWriteStream, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, type ServiceDescriptionInput } from "../../src/config/schema.ts";
import { createLogRouter } from "../../src/log/router.ts";
import type { LogRouter } from "../../src/log/types.ts";
import type { OwnRow } from "../results.ts";
import { quantile } from "../stats.ts";
import { type OwnBench, runAlone, scratch } from "./context.ts";

const LINE = "x".repeat(99);

/** Worst lateness of a 5 ms interval timer while `run` goes. */
async function measure(run: () => Promise<void>): Promise<{ seconds: number; lagMs: number }> {
  let worst = 0;
  let last = performance.now();
  const timer = setInterval(() => {
    const now = performance.now();
    worst = Math.max(worst, now - last - 5);
    last = now;
  }, 5);
  const start = performance.now();
  await run();
  const seconds = (performance.now() - start) / 1000;
  clearInterval(timer);
  return { seconds, lagMs: worst };
}

/** One launch through the router, as the process layer does it, until its output has landed. */
async function throughRouter(logs: LogRouter, input: Partial<ServiceDescriptionInput>, argv: string[]): Promise<void> {
  const desc = describe({ name: "bench", type: "process", ...input });
  const out = logs.open(desc);
  const proc = Bun.spawn(argv, { stdin: out.stdin, stdout: out.stdout, stderr: out.stderr });
  out.attach({
    stdout: out.stdout === "pipe" ? (proc.stdout as ReadableStream<Uint8Array>) : null,
    stderr: out.stderr === "pipe" ? (proc.stderr as ReadableStream<Uint8Array>) : null,
  });
  await proc.exited;
  out.release();
  await out.delivered;
}

const bench: OwnBench = async (ctx) => {
  const mib = ctx.quick ? 4 : 256;
  const bytes = mib * 1024 * 1024;
  const produce = `yes ${LINE} | head -c ${bytes}`;
  // on the disk, not the trials' tmpfs: a file sink is measured writing where logs go
  using tmp = scratch(tmpdir(), "bench-logs-");
  const dir = tmp.dir;

  function consoleTo(name: string) {
    const stream = createWriteStream(join(dir, name));
    return { logs: createLogRouter({ stdout: stream, stderr: stream, runtimeDir: dir }), end: () => new Promise<void>((r) => stream.end(r)) };
  }

  /** A case: the producer's output through a fresh router, with these log settings. */
  function sink(consoleName: string, input: Partial<ServiceDescriptionInput>): () => Promise<void> {
    return async () => {
      const { logs, end } = consoleTo(consoleName);
      await throughRouter(logs, input, ["sh", "-c", produce]);
      await logs.close();
      await end();
    };
  }

  const cases: [string, () => Promise<void>][] = [
    ["reference: cat > file", async () => void (await Bun.spawn(["sh", "-c", `${produce} | cat > ${join(dir, "ref")}`]).exited)],
    ["file, direct fd", sink("c1", { logType: "file", logfile: join(dir, "direct.log") })],
    ["file, rotated at 64 MiB", sink("c2", { logType: "file", logfile: join(dir, "rot.log"), logMaxSize: 64 << 20, logMaxFiles: 2 })],
    ["file, JSON lines", sink("c3", { logType: "file", logfile: join(dir, "json.log"), logFormat: "json" })],
    ["console, text prefixed", sink("console.txt", {})],
    ["console, JSON lines", sink("console.json", { logFormat: "json" })],
    ["buffer (64 KiB ring)", sink("c4", { logType: "buffer", logBufferSize: 65536 })],
    [
      "pipe to a consumer (cat > file)",
      async () => {
        const { logs, end } = consoleTo("c5");
        const consumer = describe({ name: "consumer", type: "process", consumerOf: "bench", logType: "file", logfile: join(dir, "consumed") });
        const out = logs.open(consumer);
        // The consumer stops after exactly the produced bytes (the held pipe never gives it EOF).
        const reader = Bun.spawn(["sh", "-c", `head -c ${bytes}`], { stdin: out.stdin, stdout: out.stdout, stderr: out.stderr });
        await throughRouter(logs, { logType: "pipe" }, ["sh", "-c", produce]);
        await reader.exited;
        out.release();
        await logs.close();
        await end();
      },
    ],
  ];

  const rates = new Map<string, number[]>(cases.map(([name]) => [name, []]));
  const lags = new Map<string, number[]>(cases.map(([name]) => [name, []]));
  for (let rep = 0; rep < ctx.reps; rep++) {
    for (const [name, run] of cases) {
      const { seconds, lagMs } = await measure(run);
      for (const f of readdirSync(dir)) rmSync(join(dir, f), { recursive: true, force: true });
      rates.get(name)!.push(mib / seconds);
      lags.get(name)!.push(lagMs);
    }
  }
  const reference = quantile(rates.get(cases[0]![0])!, 0.5);
  const rows: OwnRow[] = cases.flatMap(([name]): OwnRow[] => [
    { label: `${name}: throughput`, unit: "MiB/s", samples: rates.get(name)!, note: `${(quantile(rates.get(name)!, 0.5) / reference).toFixed(2)}× cat` },
    { label: `${name}: worst event-loop lag`, unit: "ms", samples: lags.get(name)! },
  ]);
  return {
    name: "logs",
    title: "log sinks",
    method: `A child writes ${mib} MiB of 100-byte lines as fast as it can through each sink of the log router (in this process, as the daemon wires it), ${ctx.reps} time(s); a 5 ms interval timer measures the worst event-loop lag meanwhile. \`cat > file\` is the reference.`,
    rows,
  };
};
export default bench;

if (import.meta.main) await runAlone(bench);
