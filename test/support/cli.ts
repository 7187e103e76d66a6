/**
 * @module test/support/cli
 * Runs one bosun CLI invocation in this process, capturing what it writes: the same code path
 * as the executable minus a process start (~150 ms each), which keeps the suite fast.
 */
import { main } from "../../src/main.ts";

/** What a CLI invocation returned and wrote. */
export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs `bosun ARGV...` with `env` laid over process.env for its duration.
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
