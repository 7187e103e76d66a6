/**
 * @module test/support/cli
 * Runs the bosun CLI, two ways. In this process (`runCli`, `cli`), capturing what it writes: the
 * same code path as the executable minus a process start (~150 ms each), which keeps the suite
 * fast. As a process of its own (`spawnCli`, `bosunArgv`), where the process itself is under
 * test: its exit status, its output streams, a command that follows, a second daemon.
 */
import { join } from "node:path";
import { main } from "../../src/main.ts";

/** src/main.ts of this checkout: what a `bosun` process runs. */
export const BOSUN_MAIN = join(import.meta.dir, "..", "..", "src", "main.ts");

/** What a CLI invocation returned and wrote. */
export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs `bosun ARGV...` in this process with `env` laid over process.env for its duration.
 *
 * @example
 * const r = await runCli(["status"]); // { code: 2, stderr: "bosun status: give the service NAME\nusage: ..." }
 */
export async function runCli(argv: string[], env: Record<string, string> = {}): Promise<CliResult> {
  const captured = { stdout: "", stderr: "" };
  const decoder = new TextDecoder();
  const saved = { stdout: process.stdout.write, stderr: process.stderr.write, error: console.error, log: console.log };
  const capture = (into: "stdout" | "stderr") =>
    ((chunk: string | Uint8Array) => {
      captured[into] += typeof chunk === "string" ? chunk : decoder.decode(chunk);
      return true;
    }) as typeof process.stdout.write;
  const before = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
  process.stdout.write = capture("stdout");
  process.stderr.write = capture("stderr");
  // console.* of bun does not go through process.std*.write
  console.log = (...a: unknown[]) => void (captured.stdout += `${a.join(" ")}\n`);
  console.error = (...a: unknown[]) => void (captured.stderr += `${a.join(" ")}\n`);
  Object.assign(process.env, env);
  let code: number;
  try {
    code = await main(argv);
  } finally {
    process.stdout.write = saved.stdout;
    process.stderr.write = saved.stderr;
    console.log = saved.log;
    console.error = saved.error;
    for (const [k, v] of Object.entries(before)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
  return { code, ...captured };
}

/**
 * Runs `bosun COMMAND -p SOCKET ARGS...` in this process: a control command against a daemon.
 *
 * @example
 * const r = await cli(d.socket, "status", "--json", "web");
 */
export function cli(socket: string, command: string, ...args: string[]): Promise<CliResult> {
  return runCli([command, "-p", socket, ...args]);
}

/**
 * The argv that runs `bosun ARGS...` as a process from this checkout, for a test that reads the
 * process's streams as they come (`logs -f`, `events`).
 *
 * @example
 * const follow = Bun.spawn(bosunArgv(["logs", "-f", "-p", socket, "web"]), { stdout: "pipe" });
 */
export function bosunArgv(args: string[]): string[] {
  return [process.execPath, BOSUN_MAIN, ...args];
}

/**
 * Runs `bosun ARGS...` as a process of its own to its end: `env` laid over this process's
 * environment (with NO_COLOR=1), run under `prefix` (an argv that execs it: a namespace of its
 * own) and in `cwd` when given.
 *
 * @example
 * const r = await spawnCli(["check", "--json", "-d", dir]);
 * const listed = await spawnCli(["list"], { env: { BOSUN_SOCKET: socket } });
 */
export async function spawnCli(args: string[], opts: { env?: Record<string, string>; prefix?: string[]; cwd?: string } = {}): Promise<CliResult> {
  const proc = Bun.spawn([...(opts.prefix ?? []), ...bosunArgv(args)], {
    cwd: opts.cwd,
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
    env: { ...process.env, NO_COLOR: "1", ...opts.env },
  });
  const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  return { code, stdout, stderr };
}
