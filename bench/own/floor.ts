/**
 * @module bench/own/floor
 * What Bun itself costs a supervisor, measured with a bare compiled program (floor-probe.ts):
 * its memory idle and holding N `sleep` children with piped or inherited output, the time it
 * takes to spawn them, and the restart interval of a plain spawn-and-wait loop. bosun's
 * figures above these floors are bosun's own.
 *
 *   bun bench/own/floor.ts [--quick]
 */
import { tmpdir } from "node:os";
import { join } from "node:path";
import { compileLike } from "../build.ts";
import { writeFile } from "../kinds/types.ts";
import { killTree, memoryOf, ownedByBun } from "../proc.ts";
import type { OwnRow } from "../results.ts";
import { STAMPER, stampsIn } from "../scenarios.ts";
import { within } from "../trial.ts";
import { quantile } from "../stats.ts";
import { type OwnBench, runAlone, scratch } from "./context.ts";

/** Runs the probe until it says it is ready; its Pss/RSS (KiB) after `settleS`, and the time its work took (ms). */
async function probeRun(probe: string, args: string[], settleS: number, timeoutMs: number): Promise<{ pss: number; rss: number; ms: number }> {
  const p = Bun.spawn([probe, ...args], { stdin: "ignore", stdout: "pipe", stderr: "inherit" });
  ownedByBun(p.pid);
  try {
    const reader = (p.stdout as ReadableStream<Uint8Array>).getReader();
    let text = "";
    const deadline = performance.now() + timeoutMs;
    while (!text.includes("\n")) {
      const next = await within(reader.read(), Math.max(0, deadline - performance.now()));
      if (next === undefined) throw new Error(`floor-probe ${args.join(" ")}: not ready within ${timeoutMs / 1000} s`);
      if (next.done) throw new Error(`floor-probe ${args.join(" ")} exited before it was ready`);
      text += new TextDecoder().decode(next.value);
    }
    const ms = Number(/^ready (\S+)/.exec(text)?.[1]);
    await Bun.sleep(settleS * 1000);
    return { ...memoryOf(p.pid), ms };
  } finally {
    await killTree(p.pid);
    await p.exited;
  }
}

const bench: OwnBench = async (ctx) => {
  const n = ctx.quick ? 10 : 1000;
  const restarts = ctx.quick ? 10 : 100;
  // on the disk, as dist/bosun is (a binary mapped from tmpfs shows less resident memory)
  using tmp = scratch(tmpdir(), "bench-floor-");
  const probe = join(tmp.dir, "floor-probe");
  compileLike(join(import.meta.dir, "floor-probe.ts"), probe);
  const run = (args: string[]) => probeRun(probe, args, ctx.settleS, ctx.timeoutMs);

  const idle: number[] = [];
  const three: number[] = [];
  const piped: { pss: number; ms: number }[] = [];
  const inherited: { pss: number; ms: number }[] = [];
  const loop: number[] = [];
  for (let rep = 0; rep < ctx.reps; rep++) {
    idle.push((await run(["idle"])).pss);
    three.push((await run(["hold", "3", "pipe"])).pss);
    piped.push(await run(["hold", String(n), "pipe"]));
    inherited.push(await run(["hold", String(n), "inherit"]));
    const stamps = join(tmp.dir, `stamps${rep}`);
    const script = join(tmp.dir, "stamper.sh");
    writeFile(script, STAMPER, 0o755);
    await run(["restart", String(restarts + 1), script, stamps]);
    const at = stampsIn(stamps);
    loop.push(quantile(at.slice(1).map((t, i) => (t - at[i]!) * 1000), 0.5));
  }
  const mib = (kib: number[]) => kib.map((k) => k / 1024);
  const rows: OwnRow[] = [
    { label: "compiled Bun program, a timer only: Pss", unit: "MiB", samples: mib(idle), note: "the floor under any compiled Bun supervisor" },
    { label: "holding 3 sleeps, output piped and read: Pss", unit: "MiB", samples: mib(three), note: "compare bosun with 3 services" },
    { label: `holding ${n} sleeps, output piped and read: Pss`, unit: "MiB", samples: mib(piped.map((x) => x.pss)) },
    { label: `holding ${n} sleeps, output inherited: Pss`, unit: "MiB", samples: mib(inherited.map((x) => x.pss)) },
    { label: "per child, piped and read", unit: "KiB", samples: piped.map((x, i) => (x.pss - three[i]!) / (n - 3)) },
    { label: "per child, inherited", unit: "KiB", samples: inherited.map((x, i) => (x.pss - idle[i]!) / n) },
    { label: `spawn ${n} detached sleeps, output piped`, unit: "ms", samples: piped.map((x) => x.ms), note: "compare the start scenario" },
    { label: `spawn ${n} detached sleeps, output inherited`, unit: "ms", samples: inherited.map((x) => x.ms) },
    { label: "spawn-and-wait loop of the restart service: median interval", unit: "ms", samples: loop, note: "compare the restart scenario" },
  ];
  return {
    name: "floor",
    title: "Bun's floor",
    method: `A bare program compiled with the same flags as dist/bosun (bench/own/floor-probe.ts): idle, or holding sleeps it spawned detached (as bosun does), or restarting the restart scenario's service in a spawn-and-wait loop. Pss after ${ctx.settleS} s; ${ctx.reps} repetition(s).`,
    rows,
  };
};
export default bench;

if (import.meta.main) await runAlone(bench);
