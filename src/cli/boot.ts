/**
 * @module cli/boot
 * `bosun boot`: flags to DaemonOptions, then the supervisor runs until it decides its exit code.
 */
import { readFileSync } from "node:fs";
import * as v from "valibot";
import { runDaemon } from "../daemon.ts";
import { serviceDirs, socketPath } from "../paths.ts";
import { parseCommand, UsageError } from "./args.ts";

const usage = `bosun boot [-d DIR]... [-p SOCKET] [--health-listen HOST:PORT] [--control-token TOKEN | --control-token-file FILE] [-q|-v] [SERVICE...] [-- CMD ARG...]
Runs the supervisor: starts SERVICE (default 'boot') and, after '--', CMD as the service 'main'
whose exit code becomes bosun's. Stops everything in order on SIGTERM/SIGINT.
  -d, --services-dir DIR   service directory (repeatable; default by user, see README)
  -p, --socket SOCKET      control socket (default $BOSUN_SOCKET, /run/bosun.sock as root)
  --health-listen H:P      serve /livez /readyz /startupz /metrics on TCP (env BOSUN_HEALTH_LISTEN)
  --control-token TOKEN    allow control over TCP with this bearer token
  --control-token-file F   the same, read from a file
  -q, --quiet              only warnings and errors from bosun itself
  -v, --verbose            also bosun's debug lines`;

const spec = {
  usage,
  options: {
    "services-dir": { type: "string", short: "d", multiple: true },
    socket: { type: "string", short: "p" },
    "health-listen": { type: "string" },
    "control-token": { type: "string" },
    "control-token-file": { type: "string" },
    quiet: { type: "boolean", short: "q" },
    verbose: { type: "boolean", short: "v" },
  },
  schema: v.pipe(
    v.object({
      "services-dir": v.optional(v.array(v.pipe(v.string(), v.minLength(1, "a service directory cannot be empty"))), []),
      socket: v.optional(v.pipe(v.string(), v.minLength(1, "the socket path cannot be empty"))),
      "health-listen": v.optional(v.string()),
      "control-token": v.optional(v.pipe(v.string(), v.minLength(1, "the token cannot be empty"))),
      "control-token-file": v.optional(v.string()),
      quiet: v.optional(v.boolean(), false),
      verbose: v.optional(v.boolean(), false),
      positionals: v.array(v.string()),
    }),
    v.check((o) => !(o.quiet && o.verbose), "--quiet and --verbose exclude each other"),
    v.check((o) => !(o["control-token"] && o["control-token-file"]), "give --control-token or --control-token-file, not both"),
  ),
} as const;

/** Runs `bosun boot`; exits the process with the supervisor's exit code. */
export async function run(_command: string, argv: string[]): Promise<number> {
  const dash = argv.indexOf("--");
  const mainCommand = dash < 0 ? null : argv.slice(dash + 1);
  if (mainCommand !== null && mainCommand.length === 0) throw new UsageError("'--' must be followed by a command", usage);
  const flags = parseCommand(spec, dash < 0 ? argv : argv.slice(0, dash));
  let token = flags["control-token"] ?? null;
  if (flags["control-token-file"]) {
    try {
      token = readFileSync(flags["control-token-file"], "utf8").trim();
    } catch (e) {
      console.error(`bosun boot: cannot read --control-token-file ${flags["control-token-file"]}: ${(e as Error).message}`);
      return 1;
    }
  }
  let socket: string;
  try {
    socket = socketPath({ flag: flags.socket, create: true });
  } catch (e) {
    console.error(`bosun boot: ${(e as Error).message}`);
    return 1;
  }
  const code = await runDaemon({
    dirs: serviceDirs({ flags: flags["services-dir"] }),
    services: flags.positionals,
    mainCommand,
    socket,
    healthListen: flags["health-listen"] ?? process.env.BOSUN_HEALTH_LISTEN ?? null,
    token,
    verbosity: flags.quiet ? "quiet" : flags.verbose ? "verbose" : "normal",
  });
  // a grandchild still holding an output pipe must not keep the supervisor alive
  process.exit(code);
}
