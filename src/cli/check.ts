/**
 * @module cli/check
 * `bosun check [-d DIR]... [-e ENVFILE] [--json] [SERVICE...]`: loads the named services (default `boot`)
 * and everything they reach without a daemon, and prints every problem as
 * `file:line: service 'x': error|warning: message`. Exit 0 when clean, 1 with any problem.
 */
import * as v from "valibot";
import { checkServices } from "../config/check.ts";
import { readGlobalEnvFile } from "../config/envfile.ts";
import { ConfigError, formatProblem, type Problem } from "../config/problems.ts";
import { ServiceName } from "../config/schema.ts";
import { serviceDirs } from "../paths.ts";
import { fromEnv, parseCommand, SecondsArg, type CommandSpec } from "./args.ts";

const spec = {
  usage: `bosun check [-d DIR]... [-e ENVFILE] [--stop-grace SECS] [--json] [SERVICE...]
Check service descriptions offline: syntax, settings, values, dependencies (missing files,
cycles), consumer-of targets, executables and users. Default SERVICE is boot. -e reads the
same global env file as 'bosun boot -e', so substitution sees what the daemon would.
--stop-grace (env BOSUN_STOP_GRACE) is the grace boot will have: longer stop-timeouts warn.`,
  options: {
    "services-dir": { type: "string", short: "d", multiple: true },
    "env-file": { type: "string", short: "e" },
    "stop-grace": { type: "string" },
    json: { type: "boolean" },
  },
  schema: v.object({
    "services-dir": v.optional(v.array(v.string()), []),
    "env-file": v.optional(v.pipe(v.string(), v.minLength(1, "the env file path cannot be empty"))),
    "stop-grace": v.optional(SecondsArg),
    json: v.optional(v.boolean(), false),
    positionals: v.array(ServiceName),
  }),
} satisfies CommandSpec<v.GenericSchema>;

/** Formats one problem for people: the location, then `error:` or `warning:`. */
function formatCheckLine(p: Problem): string {
  const located = formatProblem({ ...p, message: "" });
  return `${located}${p.severity}: ${p.message}`;
}

/** Runs `bosun check`; returns the exit status. */
export async function run(_command: string, argv: string[]): Promise<number> {
  const args = parseCommand(spec, argv);
  const dirs = serviceDirs({ flags: args["services-dir"] });
  const names = args.positionals.length > 0 ? args.positionals : ["boot"];
  // 0 means no grace, as for boot
  const stopGrace = (args["stop-grace"] ?? fromEnv("BOSUN_STOP_GRACE", SecondsArg, spec.usage)) || null;
  let problems: Problem[];
  try {
    const env = args["env-file"] ? readGlobalEnvFile(args["env-file"], process.env) : process.env;
    problems = checkServices({ dirs, env, stopGrace }, names);
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    problems = e.problems;
  }
  if (args.json) {
    console.log(JSON.stringify(problems, null, 2));
  } else if (problems.length === 0) {
    console.log(`No problems found in ${names.join(", ")} and the services they reach.`);
  } else {
    for (const p of problems) console.error(formatCheckLine(p));
    const errors = problems.filter((p) => p.severity === "error").length;
    console.error(`${errors} error(s), ${problems.length - errors} warning(s)`);
  }
  return problems.length === 0 ? 0 : 1;
}
