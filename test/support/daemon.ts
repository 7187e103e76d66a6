/**
 * @module test/support/daemon
 * A real bosun for the tests that drive one from outside: `bosun boot` as a child process with
 * its control socket in a directory of the test's and its services in DIR/services (or the -d
 * directories given), optionally with the probe listener on a free port, optionally as PID 1 of
 * a pid namespace of its own (a container's init); its output collected as it comes; a wait for
 * its socket to answer; and a stop the way a container runtime stops one. `stopDaemons` stops
 * every one still running, for a test file's afterEach or afterAll.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { bosunArgv } from "./cli.ts";
import { tempDir, writeFiles, type Files } from "./files.ts";
import { waitFor } from "./wait.ts";

/** The argv prefix that makes bosun PID 1 of a fresh pid namespace, dying with this test's child. */
const PID1 = ["unshare", "--pid", "--fork", "--mount-proc", "--kill-child"];

/** Every daemon `boot` started in this process, for `stopDaemons`. */
const started: Daemon[] = [];

/** How `boot` runs bosun; everything is optional. */
export interface BootOptions {
  /** The -d directories, in order; default DIR/services. `[]` gives none (the environment's then). */
  dirs?: string[];
  /** What follows the socket and -d flags: more flags, services, `-- CMD ARG...`. */
  args?: string[];
  /** Laid over this process's environment. */
  env?: Record<string, string>;
  /** Adds `--health-listen 127.0.0.1:PORT` on a port nothing listens on (`Daemon.port`). */
  healthListen?: boolean;
  /** Runs bosun as PID 1 of a fresh pid namespace (`unshare --pid --fork --mount-proc`). */
  pid1?: boolean;
  /** An argv that execs bosun (`unshare --mount ...` for a mount namespace of its own, say). */
  prefix?: string[];
}

/** A bosun started by `boot`. */
export interface Daemon {
  /** The directory it was booted in. */
  dir: string;
  /** Its control socket, DIR/bosun.sock. */
  socket: string;
  /** DIR/services, the default -d. */
  services: string;
  /** The probe listener's port with `healthListen`, else null. */
  port: number | null;
  /** The process started: bosun itself, or unshare holding it as PID 1. */
  proc: Bun.Subprocess<"ignore", "pipe", "pipe">;
  /** Its exit code, once it has exited and all its output is read. */
  exited: Promise<number>;
  /** bosun's pid as seen from here (inside its namespace it is 1). */
  pid(): Promise<number>;
  /** Sends `sig` to bosun itself. */
  signal(sig: NodeJS.Signals): Promise<void>;
  /** What it wrote so far to stdout, to stderr, and to both in the order it came. */
  stdout(): string;
  stderr(): string;
  output(): string;
  /** Resolves to this daemon once its socket answers; stops it and fails (with its output) when it exits first or `ms` pass. */
  answering(ms?: number): Promise<Daemon>;
  /**
   * Ends it as a runtime does: SIGTERM, a second SIGTERM after 10 s (bosun then kills its
   * services and exits), SIGKILL 3 s later; so a PID-1 bosun still removes its cgroups. Resolves
   * to its exit code. Safe to call when it has exited already (for afterEach).
   */
  stop(): Promise<number>;
}

/**
 * A TCP port on 127.0.0.1 that nothing listens on right now.
 *
 * @example
 * const port = freePort();
 * const b = boot(dir, { args: ["--health-listen", `127.0.0.1:${port}`] });
 */
export function freePort(): number {
  const probe = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const port = probe.port;
  probe.stop(true);
  return port;
}

/**
 * A fresh temp dir to boot in, with `files` written into its services/ (made even when there are
 * none), the -d `boot` gives by default; removed by removeTempDirs.
 *
 * @example
 * const dir = bootDir({ boot: "type = internal\ndepends-on = web\n", web: "type = process\ncommand = sleep 100\n" });
 * const b = boot(dir, { pid1: true });
 */
export function bootDir(files: Files = {}): string {
  const dir = tempDir();
  writeFiles(join(dir, "services"), files);
  return dir;
}

/** The first child of `pid` (unshare's one child is the namespace's PID 1), or null while it has none. */
function firstChild(pid: number): number | null {
  try {
    const child = readFileSync(`/proc/${pid}/task/${pid}/children`, "latin1").trim().split(" ")[0];
    return child ? Number(child) : null;
  } catch {
    return null;
  }
}

/**
 * Starts `bosun boot -p DIR/bosun.sock -d DIR/services ARGS...` as a child process and returns
 * at once; `await boot(dir).answering()` waits until its socket answers.
 *
 * @example
 * const d = await boot(dir, { healthListen: true }).answering();
 * expect((await cli(d.socket, "list")).code).toBe(0);
 * expect(await d.stop()).toBe(0);
 *
 * const b = boot(dir, { pid1: true, args: ["--", "sh", "-c", "exit 7"] });
 * expect(await b.exited).toBe(7);
 */
export function boot(dir: string, opts: BootOptions = {}): Daemon {
  const socket = join(dir, "bosun.sock");
  const services = join(dir, "services");
  const port = opts.healthListen ? freePort() : null;
  const flags = [
    ...(opts.dirs ?? [services]).flatMap((d) => ["-d", d]),
    ...(port === null ? [] : ["--health-listen", `127.0.0.1:${port}`]),
    ...(opts.args ?? []),
  ];
  const argv = [...(opts.prefix ?? []), ...(opts.pid1 ? PID1 : []), ...bosunArgv(["boot", "-p", socket, ...flags])];
  const proc = Bun.spawn(argv, { stdin: "ignore", stdout: "pipe", stderr: "pipe", env: { ...process.env, ...opts.env } });
  const text = { stdout: "", stderr: "", both: "" };
  const collect = async (stream: ReadableStream<Uint8Array>, into: "stdout" | "stderr") => {
    const decoder = new TextDecoder();
    for await (const chunk of stream) {
      const t = decoder.decode(chunk, { stream: true });
      text[into] += t;
      text.both += t;
    }
  };
  const read = Promise.all([collect(proc.stdout, "stdout"), collect(proc.stderr, "stderr")]);
  const gone = () => proc.exitCode !== null || proc.signalCode !== null;
  const inside = () => (opts.pid1 ? firstChild(proc.pid) : proc.pid);
  const pid = async () => (opts.pid1 ? waitFor("bosun inside the namespace", inside, 10_000) : proc.pid);
  /** True once bosun has exited within `ms`. */
  const within = (ms: number) => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    return Promise.race([proc.exited.then(() => true), new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), ms)))]).finally(() => clearTimeout(timer));
  };
  const daemon: Daemon = {
    dir,
    socket,
    services,
    port,
    proc,
    exited: proc.exited.then(async (code) => {
      await read;
      return code;
    }),
    pid,
    async signal(sig) {
      process.kill(await pid(), sig);
    },
    stdout: () => text.stdout,
    stderr: () => text.stderr,
    output: () => text.both,
    async answering(ms = 10_000) {
      try {
        await waitFor("bosun to answer on its socket", async () => {
          if (gone()) {
            await read;
            throw new Error(`bosun boot exited ${proc.exitCode ?? proc.signalCode}: ${text.both}`);
          }
          try {
            return (await fetch("http://bosun/v1/services", { unix: socket })).ok;
          } catch {
            return false;
          }
        }, ms);
      } catch (e) {
        await daemon.stop();
        throw e;
      }
      return daemon;
    },
    async stop() {
      for (const ms of [10_000, 3000]) {
        if (gone()) break;
        const target = inside();
        try {
          if (target !== null) process.kill(target, "SIGTERM");
        } catch {
          // gone meanwhile
        }
        if (await within(ms)) break;
      }
      if (!gone()) proc.kill("SIGKILL");
      return proc.exited;
    },
  };
  started.push(daemon);
  return daemon;
}

/**
 * Stops every daemon `boot` started that is still running (each as `Daemon.stop` does), so a
 * failed test leaves no bosun behind; for afterEach or afterAll, before removeTempDirs.
 *
 * @example
 * afterEach(async () => {
 *   await stopDaemons();
 *   removeTempDirs();
 * });
 */
export async function stopDaemons(): Promise<void> {
  await Promise.all(started.splice(0).map((d) => d.stop()));
}
