/**
 * @module process/tree
 * A service's processes where it has no cgroup of its own (no writable cgroupfs, best-effort
 * mode, a `run-in-cgroup` shared with others): every process in the sessions its commands were
 * started in (each spawn is a session leader), every process bosun saw in its tree at a stop,
 * and every descendant of those. A grandchild that left the session with `setsid` is still
 * found while its parent lives or once it has been seen at a stop; one whose parents all died
 * before anyone looked is reparented to bosun and no longer tells whose it was (only a cgroup
 * keeps that).
 *
 * Read from /proc/PID/stat, pids paired with their start time so that a pid reused by a
 * stranger is never taken for the service's: a session is its leader's pid and start time (the
 * kernel frees a session's number only once its last member is gone, so a later session of the
 * same number, led by another process, is not the service's). bosun itself, its own session and
 * process group, and PID 1 are never counted.
 */
import { readdirSync, readFileSync } from "node:fs";
import { waitUntil } from "../cgroup/wait.ts";
import { isOwnChild } from "./spawn.ts";
import { isSubreaper } from "./sys.ts";

/** One process as /proc/PID/stat tells it. */
export interface ProcessEntry {
  pid: number;
  ppid: number;
  pgrp: number;
  session: number;
  /** `Z` for a zombie (dead, waiting for its parent). */
  state: string;
  /** Start time in clock ticks since boot: with the pid, a process's identity. */
  start: number;
}

/** How often the kill loop and the wait re-read /proc while processes remain. */
const POLL_MS = 20;

/** One /proc/PID/stat, or null when the process is gone. */
export function readEntry(pid: number): ProcessEntry | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "latin1");
    // the command name in parentheses may itself hold spaces or parentheses
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return { pid, state: f[0]!, ppid: Number(f[1]), pgrp: Number(f[2]), session: Number(f[3]), start: Number(f[19]) };
  } catch {
    return null;
  }
}

/** The children of `pid` (alive or zombies), from each of its threads' children list: an orphan may be adopted by any of them. */
export function childPids(pid: number): number[] {
  try {
    const pids: number[] = [];
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      const text = readFileSync(`/proc/${pid}/task/${tid}/children`, "latin1").trim();
      if (text) for (const p of text.split(" ")) pids.push(Number(p));
    }
    return pids;
  } catch {
    // a kernel without CONFIG_PROC_CHILDREN: the whole table
    return [...(processTable().byParent.get(pid) ?? [])].map((e) => e.pid);
  }
}

/** Whether a process group `pgrp` has a process (alive or a zombie) now. */
function groupExists(pgrp: number): boolean {
  try {
    process.kill(-pgrp, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code !== "ESRCH";
  }
}

/** The process table, indexed the ways a service's members are looked up. */
export interface ProcessTable {
  byPid: Map<number, ProcessEntry>;
  bySession: Map<number, ProcessEntry[]>;
  byParent: Map<number, ProcessEntry[]>;
}

/**
 * One read of the whole table serves every caller in the same turn of the event loop, and is
 * indexed. Reading /proc costs about 10 µs a process; in a shutdown of 1000 services without
 * cgroups the exits arrive in bursts, and each service reading (and walking) the table for
 * itself took that shutdown from a fraction of a second to 52 s. A later turn reads afresh, so
 * a caller never sees a table older than what has happened since it last looked.
 */
let lastTable: ProcessTable | null = null;

function push(index: Map<number, ProcessEntry[]>, key: number, e: ProcessEntry): void {
  const list = index.get(key);
  if (list) list.push(e);
  else index.set(key, [e]);
}

/** Every process this /proc shows, indexed (read once per turn of the event loop, shared by all callers). */
export function processTable(): ProcessTable {
  if (lastTable !== null) return lastTable;
  const table: ProcessTable = { byPid: new Map(), bySession: new Map(), byParent: new Map() };
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    const e = readEntry(Number(name));
    if (!e) continue;
    table.byPid.set(e.pid, e);
    push(table.bySession, e.session, e);
    push(table.byParent, e.ppid, e);
  }
  lastTable = table;
  setImmediate(() => (lastTable = null));
  return table;
}

/** The processes of one service without a cgroup: what `tree` finds, killed and waited for like a cgroup's. */
export interface ProcessTree {
  /**
   * Adds the session `sid` leads now: its every member is the service's (a command bosun
   * spawned, a daemon that made a session of its own).
   */
  addSession(sid: number): void;
  /** Remembers the service's processes now (at a stop), so they are found after their parents die. */
  snapshot(): void;
  /** The live processes of the service now (zombies are dead: not counted). */
  pids(): number[];
  /** SIGKILL to each, again until none is left or `waitMs` passed; resolves to the pids left. */
  killAll(waitMs: number): Promise<number[]>;
  /** Waits up to `waitMs` for none to be left; resolves to the pids left. */
  waitEmpty(waitMs: number): Promise<number[]>;
}

/**
 * The process tree of one service, from the sessions its commands run in.
 *
 * @example
 * const tree = processTree();
 * tree.addSession(proc.pid); // spawned detached: its own session
 * await tree.killAll(5000); // [] once every process of the service is gone
 */
export function processTree(): ProcessTree {
  /** sid -> start time of the process that led it when it was added. */
  const sessions = new Map<number, number>();
  /** pid -> start time of processes seen at a stop. */
  const seen = new Map<number, number>();
  const self = readEntry(process.pid);
  const spared = (e: ProcessEntry) =>
    e.pid === process.pid || e.pid === 1 || (self !== null && (e.session === self.session || e.pgrp === self.pgrp));

  /** The service's processes in `table`: its sessions' members, those seen at a stop, and their descendants. */
  function members(table: ProcessTable): ProcessEntry[] {
    const found = new Map<number, ProcessEntry>();
    const take = (e: ProcessEntry) => {
      if (!found.has(e.pid) && !spared(e)) found.set(e.pid, e);
    };
    for (const [sid, start] of sessions) {
      // a member began after its leader, while no other process leads that number
      const leader = table.byPid.get(sid);
      if (leader !== undefined && leader.start !== start) continue;
      for (const e of table.bySession.get(sid) ?? []) if (e.start >= start) take(e);
    }
    for (const [pid, start] of seen) {
      const e = table.byPid.get(pid);
      if (e !== undefined && e.start === start) take(e);
    }
    // descendants of those, whatever session they made for themselves
    const queue = [...found.values()];
    for (let i = 0; i < queue.length; i++) {
      for (const child of table.byParent.get(queue[i]!.pid) ?? []) {
        if (found.has(child.pid) || spared(child)) continue;
        found.set(child.pid, child);
        queue.push(child);
      }
    }
    return [...found.values()];
  }

  /** Sessions added but not yet read: their leaders' start times, read now. */
  const pending = new Set<number>();
  function resolvePending(): void {
    for (const sid of pending) {
      const leader = readEntry(sid);
      if (leader !== null && leader.session === sid && sid !== self?.session) sessions.set(sid, leader.start);
    }
    pending.clear();
  }

  /**
   * Whether a process of the service may be left, told without reading the whole table (every
   * process of the machine, at each exit of a service restarting at once). What members() can
   * find is a process of one of its sessions, or one seen at a stop, or a descendant of those.
   * A session's process is in the leader's process group, or in another group whose topmost
   * process, its parent gone, bosun has adopted; one seen at a stop is looked at itself; a
   * descendant has one of those above it. Orphans that go elsewhere (bosun neither PID 1 nor a
   * subreaper) can only be found in the table.
   */
  function mayHaveMembers(): boolean {
    for (const sid of sessions.keys()) if (groupExists(sid)) return true;
    for (const [pid, start] of seen) if (readEntry(pid)?.start === start) return true;
    if (process.pid !== 1 && !isSubreaper()) return true;
    for (const pid of childPids(process.pid)) {
      if (isOwnChild(pid)) continue;
      const e = readEntry(pid);
      if (e !== null && sessions.has(e.session)) return true;
    }
    return false;
  }

  /** The service's live processes now (zombies are dead: not counted). */
  function live(): ProcessEntry[] {
    resolvePending();
    // nothing spawned yet (a launch that failed before its spawn), or nothing left
    if ((sessions.size === 0 && seen.size === 0) || !mayHaveMembers()) return [];
    return members(processTable()).filter((e) => e.state !== "Z");
  }

  return {
    addSession(sid) {
      // Read on the next turn, not now: a child still busy in exec keeps its /proc/PID/stat
      // waiting until exec is done, which made every spawn of a 1000-service start wait too.
      // Whatever asks for the members before then reads it at once.
      pending.add(sid);
      if (pending.size === 1) setImmediate(resolvePending);
    },
    snapshot() {
      for (const e of live()) seen.set(e.pid, e.start);
    },
    pids: () => live().map((e) => e.pid),
    async killAll(waitMs) {
      const deadline = Date.now() + waitMs;
      for (;;) {
        const now = live();
        if (now.length === 0) return [];
        for (const e of now) {
          // still that process, not a pid reused since the table was read
          if (readEntry(e.pid)?.start !== e.start) continue;
          try {
            process.kill(e.pid, "SIGKILL");
          } catch {
            // gone already
          }
          seen.set(e.pid, e.start);
        }
        const round = Math.min(POLL_MS * 5, Math.max(0, deadline - Date.now()));
        if (await waitUntil(() => live().length === 0, { ms: round, pollMs: POLL_MS })) return [];
        if (Date.now() >= deadline) return live().map((e) => e.pid);
      }
    },
    async waitEmpty(waitMs) {
      return (await waitUntil(() => live().length === 0, { ms: waitMs, pollMs: POLL_MS })) ? [] : live().map((e) => e.pid);
    },
  };
}
