/**
 * @module bench/proc
 * What the bench reads from /proc and how it clears up after a supervisor: the processes below
 * a pid (walked through each thread's `children` list), their memory, and killing a whole tree
 * so that nothing a supervisor started outlives its run.
 *
 * The walk goes down from the supervisor instead of scanning all of /proc: a poll then costs
 * in proportion to the supervisor's own tree, and the same code serves every peer.
 */
import { dlopen, FFIType } from "bun:ffi";
import { readdirSync, readFileSync } from "node:fs";

/** Reads a small /proc file; null once the process is gone. */
function readProc(path: string): string | null {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return null;
  }
}

/** The command name (`comm`) of a process, or null once it is gone. */
export function commOf(pid: number): string | null {
  return readProc(`/proc/${pid}/comm`)?.trimEnd() ?? null;
}

/** The one-letter state of a process (`R`, `S`, `Z`...), or null once it is gone. */
function stateOf(pid: number): string | null {
  const stat = readProc(`/proc/${pid}/stat`);
  // the name in parentheses may hold spaces and parentheses: the state follows the last ")"
  return stat === null ? null : stat.charAt(stat.lastIndexOf(")") + 2);
}

/** Direct children of a process: the union over its threads, since any thread may fork. */
export function childrenOf(pid: number): number[] {
  let tasks: string[];
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch {
    return [];
  }
  const out: number[] = [];
  for (const tid of tasks) {
    const text = readProc(`/proc/${pid}/task/${tid}/children`);
    if (!text) continue;
    for (const word of text.split(" ")) if (word) out.push(Number(word));
  }
  return out;
}

/** Every process below `root`, root first (a snapshot: processes come and go meanwhile). */
export function treeOf(root: number): number[] {
  const out: number[] = [];
  const stack = [root];
  const seen = new Set<number>();
  while (stack.length > 0) {
    const pid = stack.pop()!;
    if (seen.has(pid)) continue;
    seen.add(pid);
    if (pid !== root || commOf(pid) !== null) out.push(pid);
    stack.push(...childrenOf(pid));
  }
  return out;
}

/**
 * Counts the workload processes (by command name) below a supervisor, poll after poll. A pid
 * once seen running the workload is remembered (it does not exec again); any other process may
 * still exec it, so its name is read afresh each time.
 *
 * @example
 * const sleeps = new Workload(proc.pid, "sleep");
 * await until(() => sleeps.count() >= 1000);
 */
export class Workload {
  private readonly known = new Set<number>();

  constructor(
    private readonly root: number,
    private readonly comm: string,
  ) {}

  /** Workload processes alive below the root now. */
  count(): number {
    let found = 0;
    const stack = [this.root];
    while (stack.length > 0) {
      for (const child of childrenOf(stack.pop()!)) {
        if (this.known.has(child)) found++;
        else if (commOf(child) === this.comm) {
          this.known.add(child);
          found++;
        } else stack.push(child);
      }
    }
    return found;
  }

  /** The supervisor's own processes: everything in the tree that is not the workload. */
  supervisors(): number[] {
    return treeOf(this.root).filter((pid) => !this.known.has(pid) && commOf(pid) !== this.comm);
  }
}

/** CPU time (user + system, ms) a process has used so far, from /proc/PID/stat (USER_HZ is 100 on Linux). */
export function cpuMs(pid: number): number {
  const stat = readProc(`/proc/${pid}/stat`) ?? "";
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/**
 * Runs argv to its end: wall ms and CPU ms (from the child's rusage). Throws with its stderr
 * when it exits non-zero.
 *
 * @example
 * const { wall } = timed(["bosun", "list"], { BOSUN_SOCKET: sock });
 */
export function timed(argv: string[], env: Record<string, string> = {}): { wall: number; cpu: number } {
  const t0 = performance.now();
  const r = Bun.spawnSync(argv, { stdin: "ignore", stdout: "ignore", stderr: "pipe", env: { ...process.env, ...env } });
  const wall = performance.now() - t0;
  if (r.exitCode !== 0) throw new Error(`${argv.join(" ")} exited ${r.exitCode}: ${r.stderr.toString().trim()}`);
  const u = r.resourceUsage;
  return { wall, cpu: u ? Number(u.cpuTime.user + u.cpuTime.system) / 1000 : NaN };
}

/**
 * The peak resident memory (MiB) of argv run to its end, as GNU time reports it; null without
 * /usr/bin/time. Not from Bun's own rusage: Bun spawns with vfork, so a child's maxRSS starts
 * at the parent's resident size.
 */
export function peakRss(argv: string[], env: Record<string, string> = {}): number | null {
  if (!Bun.which("time", { PATH: "/usr/bin" })) return null;
  const r = Bun.spawnSync(["/usr/bin/time", "-f", "%M", ...argv], { stdin: "ignore", stdout: "ignore", stderr: "pipe", env: { ...process.env, ...env } });
  const kib = Number(r.stderr.toString().trim().split("\n").at(-1));
  return r.exitCode === 0 && Number.isFinite(kib) ? kib / 1024 : null;
}

/** Resident memory of one process in KiB: VmRSS (shared pages in full) and Pss (shared pages divided among sharers). */
export function memoryOf(pid: number): { rss: number; pss: number } {
  const field = (text: string | null, name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, "m").exec(text ?? "")?.[1] ?? 0);
  return { rss: field(readProc(`/proc/${pid}/status`), "VmRSS"), pss: field(readProc(`/proc/${pid}/smaps_rollup`), "Pss") };
}

const PR_SET_CHILD_SUBREAPER = 36;
const WNOHANG = 1;

let libc: ReturnType<typeof openLibc> | null = null;
function openLibc() {
  return dlopen("libc.so.6", {
    prctl: { args: [FFIType.i32, FFIType.u64, FFIType.u64, FFIType.u64, FFIType.u64], returns: FFIType.i32 },
    waitpid: { args: [FFIType.i32, FFIType.ptr, FFIType.i32], returns: FFIType.i32 },
  }).symbols;
}

/** Pids Bun spawned and reaps itself: never waited for here, or Bun would lose their status. */
const spawnedByBun = new Set<number>();

/** Notes a pid that Bun.spawn made, so the orphan reaper leaves it to Bun. */
export function ownedByBun(pid: number): void {
  spawnedByBun.add(pid);
}

/** Kills the trees of every process Bun spawned for the bench that still runs (an interrupted run). */
export async function killOwned(): Promise<void> {
  await Promise.allSettled([...spawnedByBun].map((pid) => killTree(pid)));
}

/**
 * Makes this process a child subreaper: what a supervisor's children leave behind when it is
 * killed comes back here instead of to the machine's init, so `killTree` still finds it. False
 * when the call is not available (then the tree is stopped before it is killed, which is enough
 * for supervisors that do not double-fork).
 */
export function becomeSubreaper(): boolean {
  try {
    libc ??= openLibc();
    return libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) === 0;
  } catch {
    return false;
  }
}

/** Reaps the orphans that came back to us as zombies (not those Bun spawned: Bun reaps them). */
function reapOrphans(): void {
  if (!libc) return;
  for (const pid of childrenOf(process.pid)) {
    if (spawnedByBun.has(pid)) continue;
    if (stateOf(pid) === "Z") libc.waitpid(pid, new Int32Array(new ArrayBuffer(4)), WNOHANG);
  }
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // gone already
  }
}

/**
 * Kills `root` and everything below it, by pid. The tree is frozen first (SIGSTOP, repeated
 * until no new process appears) so that no supervisor can start a replacement between the
 * listing and the kill. Resolves when none of them is left, or rejects naming what survived.
 */
export async function killTree(root: number, ms = 10_000): Promise<void> {
  const all = new Set<number>();
  for (let round = 0; round < 20; round++) {
    const before = all.size;
    for (const pid of treeOf(root)) {
      if (!all.has(pid)) signal(pid, "SIGSTOP");
      all.add(pid);
    }
    if (all.size === before) break;
  }
  for (const pid of all) signal(pid, "SIGKILL");
  const deadline = performance.now() + ms;
  for (;;) {
    reapOrphans();
    const left = [...all].filter((pid) => {
      const state = stateOf(pid);
      return state !== null && state !== "Z";
    });
    const orphans = childrenOf(process.pid).filter((pid) => !spawnedByBun.has(pid) && !all.has(pid));
    for (const pid of orphans) for (const p of treeOf(pid)) (all.add(p), signal(p, "SIGKILL"));
    if (left.length === 0 && orphans.length === 0) return;
    if (performance.now() > deadline) throw new Error(`could not kill pids ${left.slice(0, 10).join(", ")} below ${root}`);
    await Bun.sleep(10);
  }
}
