#!/usr/bin/env bun
/**
 * @module main
 * argv -> one command. Each command group lives in cli/ and is imported only when used, so a
 * control command does not pay for loading the supervisor, and `--help` or `--version` load
 * nothing at all.
 */

type Runner = (command: string, argv: string[]) => Promise<number>;

const control = () => import("./cli/control.ts").then((m) => m.run as Runner);

const commands: Record<string, () => Promise<Runner>> = {
  boot: () => import("./cli/boot.ts").then((m) => m.run),
  check: () => import("./cli/check.ts").then((m) => m.run),
  graph: () => import("./cli/graph.ts").then((m) => m.run),
  logs: () => import("./cli/logs.ts").then((m) => m.run),
  ...Object.fromEntries(
    [
      "list", "status", "start", "stop", "restart", "wake", "release", "unpin", "reload", "unload",
      "signal", "trigger", "untrigger", "add-dep", "rm-dep", "enable", "disable", "setenv",
      "unsetenv", "is-started", "is-failed", "shutdown", "health", "events", "info", "run",
    ].map((name) => [name, control]),
  ),
};

const USAGE = `usage: bosun COMMAND [ARGS]   (bosun COMMAND --help for one command; bosun --version)
commands: ${Object.keys(commands).join(", ")}`;

/** Runs one CLI invocation and returns its exit status. */
export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined) {
    console.error(USAGE);
    return 2;
  }
  if (command === "--help" || command === "-h" || command === "help") {
    console.log(USAGE);
    return 0;
  }
  if (command === "--version" || command === "-V") {
    console.log(`bosun ${(await import("./version.ts")).VERSION}`);
    return 0;
  }
  const load = commands[command];
  if (!load) {
    console.error(`bosun: unknown command '${command}'\n${USAGE}`);
    return 2;
  }
  try {
    return await (await load())(command, rest);
  } catch (e) {
    // Thrown while parsing the command's flags, so cli/args is loaded by now.
    const { HelpRequested, UsageError } = await import("./cli/args.ts");
    if (e instanceof HelpRequested) {
      console.log(e.usage);
      return 0;
    }
    if (e instanceof UsageError) {
      console.error(`bosun ${command}: ${e.message}\nusage: ${e.usage.split("\n")[0]}`);
      return 2;
    }
    throw e;
  }
}

if (import.meta.main) process.exitCode = await main(process.argv.slice(2));
