/**
 * @module bench/own/floor
 * What Bun itself costs a supervisor in memory, measured with a bare compiled program
 * (floor-probe.ts): idle, and holding N `sleep` children with piped (and read) or inherited
 * output. The time side of the floor (spawning, restarting) is the bun-floor kind, measured
 * beside the peers.
 *
 *   bun bench/own/floor.ts [--quick]
 */
import { tmpdir } from "node:os";
import { join } from "node:path";
import { compileLike } from "../build.ts";
import { killTree, memoryOf, ownedByBun } from "../proc.ts";
import type { OwnRow } from "../results.ts";
import { within } from "../trial.ts";
import { type OwnBench, runAlone, scratch } from "./context.ts";

/** Runs the probe until it says it is ready; its Pss (KiB) after `settleS`. */
async function probePss(probe: string, args: string[], settleS: number, timeoutMs: number): Promise<number> {
  const p = Bun.spawn([probe, ...args], { stdin: "ignore", stdout: "pipe", stderr: "inherit" });
  ownedByBun(p.pid);
  try {
    const reader = (p.stdout as ReadableStream<Uint8Array>).getReader();
    const first = await within(reader.read(), timeoutMs);
    if (first === undefined) throw new Error(`floor-probe ${args.join(" ")}: not ready within ${timeoutMs / 1000} s`);
    if (first.done) throw new Error(`floor-probe ${args.join(" ")} exited before it was ready`);
    await Bun.sleep(settleS * 1000);
    return memoryOf(p.pid).pss;
  } finally {
    await killTree(p.pid);
    await p.exited;
  }
}

const bench: OwnBench = async (ctx) => {
  const n = ctx.quick ? 10 : 1000;
  // on the disk, as dist/bosun is (a binary mapped from tmpfs shows less resident memory)
  using tmp = scratch(tmpdir(), "bench-floor-");
  const probe = join(tmp.dir, "floor-probe");
  compileLike(join(import.meta.dir, "floor-probe.ts"), probe);
  const pss = (args: string[]) => probePss(probe, args, ctx.settleS, ctx.timeoutMs);

  const idle: number[] = [];
  const three: number[] = [];
  const piped: number[] = [];
  const inherited: number[] = [];
  for (let rep = 0; rep < ctx.reps; rep++) {
    idle.push(await pss(["idle"]));
    three.push(await pss(["hold", "3", "pipe"]));
    piped.push(await pss(["hold", String(n), "pipe"]));
    inherited.push(await pss(["hold", String(n), "inherit"]));
  }
  const mib = (kib: number[]) => kib.map((k) => k / 1024);
  const rows: OwnRow[] = [
    { label: "compiled Bun program, a timer only: Pss", unit: "MiB", samples: mib(idle), note: "the floor under any compiled Bun supervisor" },
    { label: "holding 3 sleeps, output piped and read: Pss", unit: "MiB", samples: mib(three), note: "compare bosun with 3 services" },
    { label: `holding ${n} sleeps, output piped and read: Pss`, unit: "MiB", samples: mib(piped) },
    { label: `holding ${n} sleeps, output inherited: Pss`, unit: "MiB", samples: mib(inherited) },
    { label: "per child, piped and read", unit: "KiB", samples: piped.map((x, i) => (x - three[i]!) / (n - 3)), note: "compare bosun's growth per service" },
    { label: "per child, inherited", unit: "KiB", samples: inherited.map((x, i) => (x - idle[i]!) / n) },
  ];
  return {
    name: "floor",
    title: "Bun's floor (memory)",
    method: `A bare program compiled with the same flags as dist/bosun (bench/own/floor-probe.ts): idle, or holding \`sleep\`s it spawned detached, as bosun does, with their output piped and read or inherited. Pss after ${ctx.settleS} s; ${ctx.reps} repetition(s).`,
    rows,
  };
};
export default bench;

if (import.meta.main) await runAlone(bench);
