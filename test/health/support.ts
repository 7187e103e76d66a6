/**
 * @module test/health/support
 * What the real-probe tests share: a SpawnProbe over the process layer's spawnChild (the
 * supervisor's own adds the service's identity, limits, cgroup and namespaces; these tests
 * need none of them), and the live members of a process group.
 */
import { readdirSync, readFileSync } from "node:fs";
import type { ProbeChild, SpawnProbe } from "../../src/health/types.ts";
import { errnoOf, launchFailure } from "../../src/process/failure.ts";
import { fromBun } from "../../src/process/signals.ts";
import { spawnChild } from "../../src/process/spawn.ts";

/**
 * Spawns detached (a process group of its own) with stdin closed and both outputs piped;
 * `spawned` records each child so a test can look at its group afterwards.
 */
export function plainSpawnProbe(spawned: ProbeChild[] = []): SpawnProbe {
  return (argv) => {
    let proc;
    try {
      proc = spawnChild(argv, { stdio: ["ignore", "pipe", "pipe"], detached: true });
    } catch (e) {
      return launchFailure("exec", errnoOf(e), argv[0] ?? "");
    }
    const child: ProbeChild = {
      pid: proc.pid,
      exited: proc.exited.then(() => fromBun(proc.exitCode, proc.signalCode)),
      stdout: proc.stdout,
      stderr: proc.stderr,
    };
    spawned.push(child);
    return child;
  };
}

/** Pids of the processes in group `pgid` that are still running (zombies count as gone). */
export function groupMembers(pgid: number): number[] {
  const members: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, "latin1");
    } catch {
      continue; // gone meanwhile
    }
    // after the command name: state, ppid, pgrp, ...
    const [state, , pgrp] = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    if (Number(pgrp) === pgid && state !== "Z") members.push(Number(entry));
  }
  return members;
}
