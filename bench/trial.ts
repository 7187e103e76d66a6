/**
 * @module bench/trial
 * One measured run of one supervisor: a fresh directory with its native configuration, the
 * supervisor launched with its output in a file there, bounded polling for what a scenario waits
 * on, and at the end every process it started killed and the directory removed.
 */
import { closeSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, utimesSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Subprocess } from "bun";
import type { Kind, Service } from "./kinds/index.ts";
import { killTree, ownedByBun } from "./proc.ts";

/** The mount holding `path` (the longest mount point that is a prefix of it): its type and whether it allows exec. */
function mountOf(path: string): { type: string; exec: boolean } {
  let best = { point: "", type: "?", exec: true };
  for (const line of readFileSync("/proc/mounts", "utf8").split("\n")) {
    const [, point, type, options] = line.split(" ");
    if (!point || !type || !options) continue;
    const inside = path === point || path.startsWith(point.endsWith("/") ? point : `${point}/`);
    if (inside && point.length >= best.point.length) best = { point, type, exec: !options.split(",").includes("noexec") };
  }
  return best;
}

/**
 * Where trial directories go: $BENCH_TMP, else an exec-able tmpfs (supervision state lives on
 * tmpfs in a container, /run; s6 and runit write state files per service, so a disk would make
 * their start measure the disk), else the temp dir. Returns the directory and its filesystem.
 */
export function trialBase(): { dir: string; fs: string } {
  const tmpfs = [process.env.XDG_RUNTIME_DIR, "/dev/shm"].find((d) => d && mountOf(d).type === "tmpfs" && mountOf(d).exec);
  const chosen = process.env.BENCH_TMP || tmpfs || tmpdir();
  return { dir: chosen, fs: mountOf(chosen).type };
}

/** What every trial shares: where it goes, how long any wait may take, whether to keep its directory. */
export interface TrialSettings {
  base: string;
  timeoutMs: number;
  keep: boolean;
}

/**
 * `p`'s value, or undefined if it takes longer than `ms`; the timer is cleared either way, so a
 * finished run does not wait for it to expire.
 *
 * @example
 * if ((await within(proc.exited, 5000)) === undefined) throw new Error("still running after 5 s");
 */
export async function within<T>(p: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: Timer | undefined;
  try {
    return await Promise.race([p, new Promise<undefined>((resolve) => (timer = setTimeout(resolve, ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

/** A wait that ran out; start and memory runs that time out skip their remaining repetitions. */
export class TimedOut extends Error {}

/**
 * A supervisor with its configuration, launched at most once.
 *
 * @example
 * await using t = new Trial(kind, services, settings);
 * const t0 = t.launch();
 * const at = await t.until("100 running", () => tree.count() >= 100);
 */
export class Trial {
  readonly dir: string;
  proc: Subprocess | null = null;
  private out: number | null = null;

  constructor(
    readonly kind: Kind,
    services: Service[],
    private readonly settings: TrialSettings,
    prepare?: (dir: string) => void,
  ) {
    this.dir = mkdtempSync(join(settings.base, `bench-${kind.name.replace(/[^\w.-]+/g, "_")}-`));
    prepare?.(this.dir);
    kind.write(this.dir, services);
    // as if written well before boot: runsvdir puts off its first look at a directory changed
    // within the current second
    const past = new Date(Date.now() - 60_000);
    for (const entry of readdirSync(this.dir, { recursive: true }) as string[]) utimesSync(join(this.dir, entry), past, past);
    utimesSync(this.dir, past, past);
  }

  /** Starts the supervisor (as PID 1 of a new pid namespace when `pid1`); returns the launch time (performance.now). */
  launch(pid1 = false): number {
    this.out = openSync(join(this.dir, "supervisor.out"), "w");
    const argv = pid1 ? this.kind.pid1Argv(this.dir) : this.kind.argv(this.dir);
    const t0 = performance.now();
    this.proc = Bun.spawn(argv, {
      cwd: this.dir,
      env: { ...process.env, ...this.kind.env(this.dir) },
      stdio: ["ignore", this.out, this.out],
      detached: true,
    });
    ownedByBun(this.proc.pid);
    return t0;
  }

  /** The supervisor's last line of output, for failure messages. */
  lastLine(): string {
    try {
      const lines = readFileSync(join(this.dir, "supervisor.out"), "utf8").trimEnd().split("\n");
      return lines.at(-1)?.slice(0, 200) || "(no output)";
    } catch {
      return "(no output)";
    }
  }

  /**
   * Polls `ready` until it holds and returns the middle of the poll that saw it (performance.now).
   * Polls get sparser as the wait goes on (about 2% of the time waited so far, at least 1 ms) and
   * never take more than a quarter of the time. Rejects if the supervisor exits or `timeoutMs`
   * (default the settings') passes, naming `what`.
   */
  async until(what: string, ready: () => boolean, timeoutMs = this.settings.timeoutMs): Promise<number> {
    const start = performance.now();
    for (;;) {
      if (this.proc && this.proc.exitCode !== null) throw new Error(`${this.kind.name} exited (${this.proc.exitCode}) before ${what}: ${this.lastLine()}`);
      const a = performance.now();
      if (ready()) return (a + performance.now()) / 2;
      const b = performance.now();
      if (b - start > timeoutMs) throw new TimedOut(`${this.kind.name}: no ${what} within ${timeoutMs / 1000} s`);
      await Bun.sleep(Math.max(1, Math.min(100, (b - start) / 50), 3 * (b - a)));
    }
  }

  /** Kills everything the supervisor started and removes the directory. */
  async [Symbol.asyncDispose](): Promise<void> {
    try {
      if (this.proc) await killTree(this.proc.pid);
      await this.proc?.exited;
    } finally {
      if (this.out !== null) closeSync(this.out);
      if (this.settings.keep) console.error(`  kept ${this.dir}`);
      else rmSync(this.dir, { recursive: true, force: true });
    }
  }
}
