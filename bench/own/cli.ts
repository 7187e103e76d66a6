/**
 * @module bench/own/cli
 * The CLI against a running daemon with 100 `sleep` services (5 in quick mode): wall time of
 * `bosun list`, `bosun status`, `bosun list --json`, compiled and from source, beside what they
 * are compared with in the same rounds (a compiled Bun program printing one line with
 * console.log; `bun -e 0`; `dinitctl list` when dinit is found); a start+stop cycle through the
 * CLI; a control round trip over the socket; and the daemon's CPU while idle.
 *
 *   bun bench/own/cli.ts [--quick]
 */
import { closeSync, openSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Subprocess } from "bun";
import { compileLike } from "../build.ts";
import { ROOT } from "../kinds/bosun.ts";
import { findDinit } from "../kinds/dinit.ts";
import { writeDinitServices } from "../kinds/dinit-format.ts";
import { binary } from "../kinds/types.ts";
import { cpuMs, killTree, ownedByBun, peakRss, timed } from "../proc.ts";
import type { OwnRow } from "../results.ts";
import { type OwnBench, runAlone, scratch } from "./context.ts";

/** Polls `ready` every 20 ms until it holds, or throws naming `what` after `ms`. */
export async function until(what: string, ready: () => boolean | Promise<boolean>, ms: number): Promise<void> {
  const deadline = performance.now() + ms;
  while (!(await ready())) {
    if (performance.now() > deadline) throw new Error(`no ${what} within ${ms / 1000} s`);
    await Bun.sleep(20);
  }
}

const bench: OwnBench = async (ctx) => {
  if (!ctx.compiled) throw new Error("the compiled bosun is missing (bun run build failed)");
  const bosun = ctx.compiled;
  const n = ctx.quick ? 5 : 100;
  const runs = ctx.quick ? 3 : 30;
  using tmp = scratch(tmpdir(), "bench-cli-");
  const sd = join(tmp.dir, "sd");
  writeDinitServices(sd, Array.from({ length: n }, (_, i) => ({ name: `s${i}`, argv: [Bun.which("sleep")!, "1000"] })));
  const socket = join(tmp.dir, "bosun.sock");
  const env = { BOSUN_SOCKET: socket };

  const hello = join(tmp.dir, "hello");
  writeFileSync(join(tmp.dir, "hello.ts"), 'console.log("hello");\n');
  compileLike(join(tmp.dir, "hello.ts"), hello);

  const daemons: Subprocess[] = [];
  const out = openSync(join(tmp.dir, "daemons.out"), "w");
  const spawnDaemon = (argv: string[]) => {
    const p = Bun.spawn(argv, { stdio: ["ignore", out, out], detached: true });
    ownedByBun(p.pid);
    daemons.push(p);
    return p;
  };
  try {
    const daemon = spawnDaemon([bosun, "boot", "-d", sd, "-p", socket]);
    const allStarted = async () => {
      try {
        const list = (await (await fetch("http://bosun/v1/services", { unix: socket })).json()) as { state: string }[];
        return list.filter((s) => s.state === "started").length === n + 1;
      } catch {
        return false;
      }
    };
    await until(`${n} services started in bosun`, allStarted, ctx.timeoutMs);

    const commands: [string, string[]][] = [
      ["compiled Bun program: console.log one line", [hello]],
      ["compiled: bosun list", [bosun, "list"]],
      ["compiled: bosun status s1", [bosun, "status", "s1"]],
      ["compiled: bosun list --json", [bosun, "list", "--json"]],
      ["bun -e 0", [ctx.bun, "-e", "0"]],
      ["from source: bosun list", [ctx.bun, join(ROOT, "src", "main.ts"), "list"]],
      ["from source: bosun status s1", [ctx.bun, join(ROOT, "src", "main.ts"), "status", "s1"]],
    ];
    const dinit = findDinit();
    const dinitctl = binary("DINIT_BIN_DIR", "dinitctl");
    if (!("missing" in dinit) && dinitctl) {
      // dinit reads the same sd/ directory; its socket is tmp/sock
      spawnDaemon(dinit.argv(tmp.dir));
      const names = Array.from({ length: n }, (_, i) => `s${i}`);
      await until(`${n} services started in dinit`, () => dinit.countUp?.(tmp.dir, names) === n, ctx.timeoutMs);
      commands.push([`dinitctl list (dinit with the same ${n} services)`, [dinitctl, "-p", join(tmp.dir, "sock"), "list"]]);
    }

    // idle CPU first, before the CLI runs disturb it
    await Bun.sleep(ctx.settleS * 1000);
    const idleS = ctx.quick ? 1 : 10;
    const cpu0 = cpuMs(daemon.pid);
    await Bun.sleep(idleS * 1000);
    const idleCpu = cpuMs(daemon.pid) - cpu0;

    // round robin, so drift on a busy machine hits every command alike; two rounds to warm up
    const wall = new Map<string, number[]>(commands.map(([label]) => [label, []]));
    const cpu = new Map<string, number[]>(commands.map(([label]) => [label, []]));
    for (let round = 0; round < runs + 2; round++) {
      for (const [label, argv] of commands) {
        const t = timed(argv, env);
        if (round < 2) continue;
        wall.get(label)!.push(t.wall);
        cpu.get(label)!.push(t.cpu);
      }
    }
    const peaks: number[] = [];
    const helloPeaks: number[] = [];
    for (let i = 0; i < (ctx.quick ? 1 : 5); i++) {
      const p = peakRss([bosun, "list"], env);
      const h = peakRss([hello]);
      if (p !== null) peaks.push(p);
      if (h !== null) helloPeaks.push(h);
    }
    const diff = (a: string, b: string) => wall.get(a)!.map((x, i) => x - wall.get(b)![i]!);

    const cycles: number[] = [];
    for (let i = 0; i < (ctx.quick ? 2 : 20); i++) {
      const t0 = performance.now();
      timed([bosun, "stop", "s0"], env);
      timed([bosun, "start", "s0"], env);
      cycles.push(performance.now() - t0);
    }

    const trips: number[] = [];
    for (let i = 0; i < (ctx.quick ? 20 : 500); i++) {
      const t0 = performance.now();
      const r = await fetch("http://bosun/v1/services/s1", { unix: socket });
      await r.arrayBuffer();
      trips.push(performance.now() - t0);
    }

    const rows: OwnRow[] = commands.map(([label]) => ({ label: `${label}: wall`, unit: "ms", samples: wall.get(label)!, note: `CPU ${(cpu.get(label)!.sort((a, b) => a - b)[Math.floor(runs / 2)] ?? NaN).toFixed(1)} ms (median)` }));
    rows.push(
      { label: "compiled bosun list − console.log program (same round)", unit: "ms", samples: diff("compiled: bosun list", commands[0]![0]) },
      { label: "compiled bosun status − console.log program (same round)", unit: "ms", samples: diff("compiled: bosun status s1", commands[0]![0]) },
      { label: "from source bosun list − bun -e 0 (same round)", unit: "ms", samples: diff("from source: bosun list", "bun -e 0") },
      { label: "compiled bosun list: peak RSS", unit: "MiB", samples: peaks, note: peaks.length ? "GNU time's %M" : "not measured: no /usr/bin/time" },
      { label: "compiled console.log program: peak RSS", unit: "MiB", samples: helloPeaks },
      { label: "stop + start of one service through the compiled CLI", unit: "ms", samples: cycles },
      { label: "control round trip: GET /v1/services/s1 over the socket (fetch)", unit: "ms", samples: trips },
      { label: `daemon CPU while idle with ${n} services, per 10 s`, unit: "ms", samples: [(idleCpu * 10) / idleS], note: `measured over ${idleS} s, ${ctx.settleS} s after all started` },
    );
    return {
      name: "cli",
      title: "CLI and control",
      method: `A compiled bosun daemon with ${n} \`sleep\` services; each command run ${runs} times (after 2 warm-up rounds), the commands interleaved round by round. Wall time from spawn to exit as seen by the bench; CPU from the child's rusage.`,
      rows,
    };
  } finally {
    for (const d of daemons) await killTree(d.pid);
    closeSync(out);
  }
};
export default bench;

if (import.meta.main) await runAlone(bench);
