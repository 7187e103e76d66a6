/**
 * @module test/control/harness
 * A real bosun for the control tests: service files in a fresh temp dir, `bosun boot` as a
 * child process on a socket there, the CLI run as its own process, and bounded waits.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { runCli, type CliResult } from "../support/cli.ts";
export type { CliResult };

const root = join(import.meta.dir, "..", "..");
const main = join(root, "src", "main.ts");
const bun = process.execPath;

/** Polls `check` until it holds; fails naming `what` after `ms`. */
export async function waitFor(what: string, check: () => boolean | Promise<boolean>, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await Bun.sleep(20);
  }
}

/** A fresh temp dir (short path: socket paths must stay < 107 bytes). */
export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), "bctl-"));
}

/** Writes service files (name -> content; names may contain a subdirectory). */
export function writeServices(dir: string, files: Record<string, string>): void {
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
}

/** A TCP port nothing listens on right now. */
export function freePort(): number {
  const probe = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const port = probe.port;
  probe.stop(true);
  return port;
}

export interface Daemon {
  socket: string;
  services: string;
  port: number;
  proc: Bun.Subprocess<"ignore", "pipe", "pipe">;
  /** Everything bosun wrote so far (stdout + stderr). */
  output(): string;
  /** SIGTERM, and SIGKILL if it has not exited within the deadline; returns its exit code. */
  stop(): Promise<number>;
}

/** Reads a stream into a growing string without blocking the child. */
function collect(stream: ReadableStream<Uint8Array>, into: { text: string }): void {
  void (async () => {
    const decoder = new TextDecoder();
    for await (const chunk of stream) into.text += decoder.decode(chunk, { stream: true });
  })();
}

/**
 * Starts `bosun boot` on a socket in `dir` with the service files in `dir/services`, under an
 * optional argv prefix that execs it (a namespace of its own, say); resolves once the socket answers.
 */
export async function boot(dir: string, args: string[] = [], env: Record<string, string> = {}, prefix: string[] = []): Promise<Daemon> {
  const socket = join(dir, "bosun.sock");
  const services = join(dir, "services");
  const port = freePort();
  const proc = Bun.spawn([...prefix, bun, main, "boot", "-p", socket, "-d", services, "--health-listen", `127.0.0.1:${port}`, ...args], {
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
    env: { ...process.env, ...env },
  });
  const out = { text: "" };
  collect(proc.stdout, out);
  collect(proc.stderr, out);
  const daemon: Daemon = {
    socket,
    services,
    port,
    proc,
    output: () => out.text,
    async stop() {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill("SIGTERM");
      const timer = setTimeout(() => proc.kill("SIGKILL"), 10000);
      const code = await proc.exited;
      clearTimeout(timer);
      return code;
    },
  };
  try {
    await waitFor("bosun to answer on its socket", async () => {
      if (proc.exitCode !== null) throw new Error(`bosun boot exited ${proc.exitCode}: ${out.text}`);
      try {
        return (await fetch("http://bosun/v1/services", { unix: socket })).ok;
      } catch {
        return false;
      }
    }, 10000);
  } catch (e) {
    await daemon.stop();
    throw e;
  }
  return daemon;
}

/** Runs `bosun ARGS...` against `socket` as a separate process (exit status, usage errors, streams). */
export async function spawnCli(socket: string, ...args: string[]): Promise<CliResult> {
  const proc = Bun.spawn([bun, main, ...args], {
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
    env: { ...process.env, BOSUN_SOCKET: socket, NO_COLOR: "1" },
  });
  const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  return { code, stdout, stderr };
}

/** Runs `bosun COMMAND -p SOCKET ARGS...` in this process (see test/support/cli.ts). */
export function cli(socket: string, command: string, ...args: string[]): Promise<CliResult> {
  return runCli([command, "-p", socket, ...args]);
}

/** Removes a temp dir made by `tempDir`. */
export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}
