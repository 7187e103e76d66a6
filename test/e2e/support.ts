/**
 * @module test/e2e/support
 * Runs `bosun boot` for real: as PID 1 of a fresh pid namespace (`unshare --pid --fork
 * --mount-proc`) or as a plain child, with its output collected and its pid known for signals.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const MAIN = join(import.meta.dir, "..", "..", "src", "main.ts");

/** Polls `check` until truthy, or fails naming `what`. */
export async function waitFor<T>(what: string, check: () => T | undefined | false | null, ms = 10_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = check();
    if (v !== undefined && v !== false && v !== null) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await Bun.sleep(10);
  }
}

/** A temp dir with service files written from a name -> text map. */
export function serviceDir(files: Record<string, string>): { dir: string; root: string; cleanup(): void } {
  const root = mkdtempSync(join(tmpdir(), "be-"));
  const dir = join(root, "services");
  mkdirSync(dir);
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return { dir, root, cleanup: () => rmSync(root, { recursive: true, force: true }) };
}

export interface Running {
  /** bosun's pid as seen from here (inside the namespace it is 1). */
  pid(): Promise<number>;
  signal(sig: NodeJS.Signals): Promise<void>;
  /** Resolves to the exit code. */
  exited: Promise<number>;
  stdout(): string;
  stderr(): string;
  /**
   * Ends whatever is left (for afterEach) as a runtime does: SIGTERM, a second one (bosun then
   * kills its services and exits), SIGKILL last, each after a bounded wait; so bosun removes its
   * cgroups on the way out. Resolves once it is gone.
   */
  kill(): Promise<void>;
}

/**
 * Starts `bosun boot ARGS` (socket in `root`), as PID 1 when `pid1` is set, with `env` added to
 * this process's environment.
 *
 * @example
 * const b = boot(["-d", dir, "--", "sh", "-c", "exit 7"], { root, pid1: true });
 * expect(await b.exited).toBe(7);
 */
export function boot(args: string[], opts: { root: string; pid1?: boolean; env?: Record<string, string> }): Running {
  const argv = [process.execPath, MAIN, "boot", "-p", join(opts.root, "ctl.sock"), ...args];
  const cmd = opts.pid1 ? ["unshare", "--pid", "--fork", "--mount-proc", "--kill-child", ...argv] : argv;
  const proc = Bun.spawn(cmd, { stdin: "ignore", stdout: "pipe", stderr: "pipe", env: { ...process.env, ...opts.env } });
  let out = "";
  let err = "";
  const collect = async (s: ReadableStream<Uint8Array>, add: (t: string) => void) => {
    const dec = new TextDecoder();
    for await (const chunk of s) add(dec.decode(chunk, { stream: true }));
  };
  const outDone = collect(proc.stdout, (t) => (out += t));
  const errDone = collect(proc.stderr, (t) => (err += t));
  const pid = async () => {
    if (!opts.pid1) return proc.pid;
    // the namespace's PID 1 is unshare's only child
    return waitFor("bosun inside the namespace", () => {
      try {
        const child = readFileSync(`/proc/${proc.pid}/task/${proc.pid}/children`, "latin1").trim();
        return child ? Number(child.split(" ")[0]) : undefined;
      } catch {
        return undefined;
      }
    });
  };
  return {
    pid,
    async signal(sig) {
      process.kill(await pid(), sig);
    },
    exited: proc.exited.then(async (code) => {
      await Promise.all([outDone, errDone]);
      return code;
    }),
    stdout: () => out,
    stderr: () => err,
    async kill() {
      const gone = () => proc.exitCode !== null || proc.signalCode !== null;
      const within = (ms: number) => Promise.race([proc.exited.then(() => true), Bun.sleep(ms).then(() => false)]);
      for (const sig of ["SIGTERM", "SIGTERM"] as const) {
        if (gone()) return;
        const inside = opts.pid1 ? Number(readFileSync(`/proc/${proc.pid}/task/${proc.pid}/children`, "latin1").trim().split(" ")[0]) : proc.pid;
        try {
          if (inside > 0) process.kill(inside, sig);
        } catch {
          // gone meanwhile
        }
        if (await within(3000)) return;
      }
      proc.kill("SIGKILL");
      await proc.exited;
    },
  };
}
