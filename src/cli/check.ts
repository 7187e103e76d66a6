/**
 * @module cli/check
 * `bosun check [-d DIR]... [-e ENVFILE] [--stop-grace SECS] [--json] [--strict] [SERVICE...]`: loads the named
 * services (default `boot`) and everything they reach without a daemon, and prints every problem
 * as `file:line: service 'x': error|warning: message`. Exit 1 with any error, 0 with warnings
 * alone (a setting this version reads but does not honour must not fail a CI job), unless
 * `--strict` makes warnings fail too (dinit-check's rule).
 */
import * as v from "valibot";
import { detectCgroups } from "../cgroup/detect.ts";
import { cgroupSettings } from "../cgroup/needs.ts";
import { checkServices } from "../config/check.ts";
import { readGlobalEnvFile } from "../config/envfile.ts";
import { runsAProcess } from "../config/kinds.ts";
import { serviceDirWarnings } from "../config/loader.ts";
import { ConfigError, formatProblem, type Problem } from "../config/problems.ts";
import { ServiceName, type ServiceDescription } from "../config/schema.ts";
import { serviceDirs } from "../paths.ts";
import { fromEnv, parseCommand, SecondsArg, type CommandSpec } from "./args.ts";
import { scheduleLines } from "./schedules.ts";

const spec = {
  usage: `bosun check [-d DIR]... [-e ENVFILE] [--stop-grace SECS] [--json] [--strict] [-v|--verbose] [SERVICE...]
Check service descriptions offline: syntax, settings, values, dependencies (missing files,
cycles), consumer-of targets, executables, working directories and users; where this
machine's cgroup filesystem is read-only or absent, the settings that need a writable one.
Default SERVICE is boot. -e reads the same global env file as 'bosun boot -e', so
substitution sees what the daemon would. --stop-grace (env BOSUN_STOP_GRACE) is the grace boot
will have: stop-timeouts longer than it warn. Exits 1 on errors, 0 on warnings alone; --strict
fails on warnings too. --verbose also shows each scheduled service's next five due times.`,
  options: {
    "services-dir": { type: "string", short: "d", multiple: true },
    "env-file": { type: "string", short: "e" },
    "stop-grace": { type: "string" },
    json: { type: "boolean" },
    strict: { type: "boolean" },
    verbose: { type: "boolean", short: "v" },
  },
  schema: v.object({
    "services-dir": v.optional(v.array(v.string()), []),
    "env-file": v.optional(v.pipe(v.string(), v.minLength(1, "the env file path cannot be empty"))),
    "stop-grace": v.optional(SecondsArg),
    json: v.optional(v.boolean(), false),
    strict: v.optional(v.boolean(), false),
    verbose: v.optional(v.boolean(), false),
    positionals: v.array(ServiceName),
  }),
} satisfies CommandSpec<v.GenericSchema>;

/** Formats one problem for people: the location, then `error:` or `warning:`. */
function formatCheckLine(p: Problem): string {
  const located = formatProblem({ ...p, message: "" });
  return `${located}${p.severity}: ${p.message}`;
}

/**
 * The settings that need a writable cgroup filesystem, where this machine has none: what
 * `bosun boot` here would refuse (or, best-effort, start without).
 */
function cgroupLint(): (d: ServiceDescription) => { setting: string; message: string }[] {
  const found = detectCgroups();
  if (found.reason === null) return () => [];
  // a service that runs no process gets no cgroup (its settings are warned about as ignored)
  return (d) =>
    (runsAProcess(d.type) ? cgroupSettings(d) : []).map((setting) => ({
      setting,
      message:
        `${setting}: needs a writable cgroup filesystem, but here ${found.reason}: bosun boot refuses ${d.name} ` +
        `(give bosun a writable cgroupfs, e.g. a container with a writable cgroup namespace; or boot with --cgroups=best-effort to run it without ${setting})`,
    }));
}

/** Runs `bosun check`; returns the exit status. */
export async function run(_command: string, argv: string[]): Promise<number> {
  const args = parseCommand(spec, argv);
  const dirs = serviceDirs({ flags: args["services-dir"] });
  const names = args.positionals.length > 0 ? args.positionals : ["boot"];
  // 0 means no grace, as for boot
  const stopGrace = (args["stop-grace"] ?? fromEnv("BOSUN_STOP_GRACE", SecondsArg, spec.usage)) || null;
  const problems = serviceDirWarnings(args["services-dir"]);
  let env: Record<string, string | undefined> = process.env;
  try {
    env = args["env-file"] ? readGlobalEnvFile(args["env-file"], process.env) : process.env;
    problems.push(...checkServices({ dirs, env, stopGrace, lint: cgroupLint() }, names));
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    problems.push(...e.problems);
  }
  const errors = problems.filter((p) => p.severity === "error").length;
  if (args.json) {
    console.log(JSON.stringify(problems, null, 2));
  } else if (problems.length === 0) {
    console.log(`No problems found in ${names.join(", ")} and the services they reach.`);
  } else {
    for (const p of problems) console.error(formatCheckLine(p));
    console.error(`${errors} error(s), ${problems.length - errors} warning(s)`);
  }
  // --verbose: the next due times of the scheduled services checked
  if (args.verbose && !args.json) for (const line of scheduleLines({ dirs, env }, names)) console.log(line);
  return errors > 0 || (args.strict && problems.length > 0) ? 1 : 0;
}
