/**
 * @module cli/boot
 * `bosun boot`: flags to DaemonOptions, then the supervisor runs until it decides its exit code.
 */
import { readFileSync } from "node:fs";
import * as v from "valibot";
import { serviceDirWarnings } from "../config/loader.ts";
import { formatProblem } from "../config/problems.ts";
import { HostPort } from "../control/schemas.ts";
import { runDaemon } from "../daemon.ts";
import { serviceDirs, socketPath } from "../paths.ts";
import { PID1_STOP_GRACE_SECONDS } from "../supervisor/termination.ts";
import { fromEnv, nameArg, parseCommand, SecondsArg as Seconds } from "./args.ts";

const usage = `bosun boot [-d DIR]... [-p SOCKET] [-e ENVFILE] [--health-listen HOST:PORT] [--control-token-file FILE] [--log-format text|json] [--max-starting N [--starting-grace SECS]] [--drain-delay SECS] [--stop-grace SECS] [--cgroups strict|best-effort] [-q|-v] [SERVICE...] [-- CMD ARG...]
Runs the supervisor: starts SERVICE (default 'boot') and, after '--', CMD as the service 'main'
whose exit code becomes bosun's ('--' alone adds nothing). Stops everything in order on
SIGTERM/SIGINT.
  -d, --services-dir DIR   service directory (repeatable; default by user, see README)
  -p, --socket SOCKET      control socket (default $BOSUN_SOCKET, /run/bosun.sock as root)
  -e, --env-file FILE      NAME=VALUE lines (and !clear, !unset NAME, !import NAME) applied to
                           bosun's environment, which every service inherits
  --health-listen H:P      serve /livez /readyz /startupz /metrics on TCP (env BOSUN_HEALTH_LISTEN)
  --control-token-file F   allow control over TCP with the bearer token in this file
                           (or env BOSUN_CONTROL_TOKEN)
  --control-token TOKEN    the same, but every user sees it in ps: use the file or the env
  --log-format text|json   console format for services without log-format, and for bosun's own
                           lines (env BOSUN_LOG_FORMAT; default text)
  --max-starting N         start at most N services at once (default unlimited)
  --starting-grace SECS    a service starting longer than this stops counting against
                           --max-starting (default 10)
  --drain-delay SECS       on SIGTERM, fail /readyz first and stop the services only after
                           this long (a second SIGTERM stops them at once; env BOSUN_DRAIN_DELAY)
  --stop-grace SECS        the whole shutdown, drain included, ends within this: before it
                           ends, what still runs is killed with SIGKILL and bosun exits with
                           the main service's code (env BOSUN_STOP_GRACE; default 9 as PID 1,
                           none otherwise; 0 for none)
  --cgroups MODE           strict (default): a service whose cgroup settings (memory-max, ...)
                           cannot be applied, as in a container with a read-only cgroupfs, is
                           refused; best-effort: it starts without them after one warning, and
                           stops by its process tree (env BOSUN_CGROUPS)
  -q, --quiet              only warnings and errors from bosun itself
  -v, --verbose            also bosun's debug lines
Every flag has an environment variable for images whose ENTRYPOINT is fixed (the flag wins):
BOSUN_SERVICES_DIRS (-d, ':'-separated), BOSUN_SERVICES (SERVICE..., space-separated),
BOSUN_SOCKET, BOSUN_ENV_FILE, BOSUN_HEALTH_LISTEN, BOSUN_CONTROL_TOKEN, BOSUN_LOG_FORMAT,
BOSUN_VERBOSITY (quiet|normal|verbose), BOSUN_MAX_STARTING, BOSUN_STARTING_GRACE,
BOSUN_DRAIN_DELAY, BOSUN_STOP_GRACE, BOSUN_CGROUPS.`;

/** `--control-token` and `$BOSUN_CONTROL_TOKEN`. */
const Token = v.pipe(v.string(), v.minLength(1, "the token cannot be empty"));
/** `--log-format` and `$BOSUN_LOG_FORMAT` accept the same values, checked by the same schema. */
const LogFormat = v.picklist(["text", "json"], "the log format is text or json");
/** `--health-listen` and `$BOSUN_HEALTH_LISTEN`, kept as written (the server parses it again). */
const Listen = v.pipe(v.string(), v.check((s) => v.is(HostPort, s), "HOST:PORT, [IPv6]:PORT or :PORT, with a port up to 65535"));
/** `--max-starting` and `$BOSUN_MAX_STARTING`. */
const MaxStarting = v.pipe(v.string(), v.regex(/^\d+$/, "a whole number of services, at least 1"), v.toNumber(), v.minValue(1, "at least 1"));
/** A path given on the command line or in the environment. */
const Path = (what: string) => v.pipe(v.string(), v.minLength(1, `the ${what} cannot be empty`));
/** `$BOSUN_SERVICES_DIRS`: what `-d` gives, `:`-separated (as PATH). */
const DirList = v.pipe(v.string(), v.transform((s) => s.split(":").filter(Boolean)), v.minLength(1, "name at least one directory"));
/** `$BOSUN_SERVICES`: the services to start, space-separated. */
const ServiceList = v.pipe(v.string(), v.transform((s) => s.split(/\s+/).filter(Boolean)), v.array(nameArg()));
/** `--cgroups` and `$BOSUN_CGROUPS`. */
const CgroupsMode = v.picklist(["strict", "best-effort"], "the cgroups mode is strict or best-effort");
/** `$BOSUN_VERBOSITY`: what `-q`/`-v` say. */
const Verbosity = v.picklist(["quiet", "normal", "verbose"], "the verbosity is quiet, normal or verbose");

const spec = {
  usage,
  options: {
    "services-dir": { type: "string", short: "d", multiple: true },
    socket: { type: "string", short: "p" },
    "env-file": { type: "string", short: "e" },
    "health-listen": { type: "string" },
    "control-token": { type: "string" },
    "control-token-file": { type: "string" },
    "log-format": { type: "string" },
    "max-starting": { type: "string" },
    "starting-grace": { type: "string" },
    "drain-delay": { type: "string" },
    "stop-grace": { type: "string" },
    cgroups: { type: "string" },
    quiet: { type: "boolean", short: "q" },
    verbose: { type: "boolean", short: "v" },
  },
  schema: v.pipe(
    v.object({
      "services-dir": v.optional(v.array(Path("service directory")), []),
      socket: v.optional(Path("socket path")),
      "env-file": v.optional(Path("env file path")),
      "health-listen": v.optional(Listen),
      "control-token": v.optional(Token),
      "control-token-file": v.optional(v.string()),
      "log-format": v.optional(LogFormat),
      "max-starting": v.optional(MaxStarting),
      "starting-grace": v.optional(Seconds),
      "drain-delay": v.optional(Seconds),
      "stop-grace": v.optional(Seconds),
      cgroups: v.optional(CgroupsMode),
      quiet: v.optional(v.boolean(), false),
      verbose: v.optional(v.boolean(), false),
      positionals: v.array(nameArg()),
    }),
    v.check((o) => !(o.quiet && o.verbose), "--quiet and --verbose exclude each other"),
    v.check((o) => !(o["control-token"] && o["control-token-file"]), "give --control-token or --control-token-file, not both"),
  ),
} as const;

/** The stop grace given (0: none), else bosun's default: under the container runtimes' 10 s as PID 1, none otherwise. */
function stopGraceMs(seconds: number | undefined): number | null {
  if (seconds === undefined) return process.pid === 1 ? PID1_STOP_GRACE_SECONDS * 1000 : null;
  return seconds > 0 ? seconds * 1000 : null;
}

/** Runs `bosun boot`; exits the process with the supervisor's exit code. */
export async function run(_command: string, argv: string[]): Promise<number> {
  const dash = argv.indexOf("--");
  // A bare trailing '--' is no main command: an image's ENTRYPOINT ["bosun","boot","--"] with no
  // CMD boots the services on disk, as if the '--' were not there.
  const mainCommand = dash < 0 || dash === argv.length - 1 ? null : argv.slice(dash + 1);
  const flags = parseCommand(spec, dash < 0 ? argv : argv.slice(0, dash));
  // bosun's own setting, not the services': they inherit bosun's environment, so it goes.
  let token = fromEnv("BOSUN_CONTROL_TOKEN", Token, usage) ?? null;
  delete process.env.BOSUN_CONTROL_TOKEN;
  // Each flag, else the environment variable that stands for it (an image's ENTRYPOINT is fixed).
  const env = <S extends v.GenericSchema>(name: string, schema: S) => fromEnv(name, schema, usage);
  const givenDirs = flags["services-dir"].length > 0 ? flags["services-dir"] : (env("BOSUN_SERVICES_DIRS", DirList) ?? []);
  const verbosity = flags.quiet ? "quiet" : flags.verbose ? "verbose" : (env("BOSUN_VERBOSITY", Verbosity) ?? "normal");
  const warnings = serviceDirWarnings(givenDirs).map(formatProblem);
  if (flags["control-token"]) {
    token = flags["control-token"];
    warnings.push("--control-token shows the token to every user of this machine (ps, /proc/PID/cmdline); use --control-token-file FILE or $BOSUN_CONTROL_TOKEN");
  }
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
    dirs: serviceDirs({ flags: givenDirs }),
    services: flags.positionals.length > 0 ? flags.positionals : (env("BOSUN_SERVICES", ServiceList) ?? []),
    mainCommand,
    socket,
    healthListen: flags["health-listen"] ?? env("BOSUN_HEALTH_LISTEN", Listen) ?? null,
    token,
    verbosity,
    envFile: flags["env-file"] ?? env("BOSUN_ENV_FILE", Path("env file path")) ?? null,
    logFormat: flags["log-format"] ?? env("BOSUN_LOG_FORMAT", LogFormat) ?? "text",
    maxStarting: flags["max-starting"] ?? env("BOSUN_MAX_STARTING", MaxStarting) ?? null,
    startingGraceMs: (flags["starting-grace"] ?? env("BOSUN_STARTING_GRACE", Seconds) ?? 10) * 1000,
    drainDelayMs: (flags["drain-delay"] ?? env("BOSUN_DRAIN_DELAY", Seconds) ?? 0) * 1000,
    stopGraceMs: stopGraceMs(flags["stop-grace"] ?? env("BOSUN_STOP_GRACE", Seconds)),
    cgroups: flags.cgroups ?? env("BOSUN_CGROUPS", CgroupsMode) ?? "strict",
    warnings,
  });
  // a grandchild still holding an output pipe must not keep the supervisor alive
  process.exit(code);
}
