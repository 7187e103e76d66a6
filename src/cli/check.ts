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
import { parseCommand, type CommandSpec } from "./args.ts";
import { scheduleLines } from "./schedules.ts";

const spec = {
  usage: `bosun check [-d DIR]... [-e ENVFILE] [--json] [-v|--verbose] [SERVICE...]
Check service descriptions offline: syntax, settings, values, dependencies (missing files,
cycles), consumer-of targets, executables and users. Default SERVICE is boot. -e reads the
same global env file as 'bosun boot -e', so substitution sees what the daemon would.
--verbose also shows each scheduled service's next five due times.`,
  options: {
    "services-dir": { type: "string", short: "d", multiple: true },
    "env-file": { type: "string", short: "e" },
    json: { type: "boolean" },
    verbose: { type: "boolean", short: "v" },
  },
  schema: v.object({
    "services-dir": v.optional(v.array(v.string()), []),
    "env-file": v.optional(v.pipe(v.string(), v.minLength(1, "the env file path cannot be empty"))),
    json: v.optional(v.boolean(), false),
    verbose: v.optional(v.boolean(), false),
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
  let problems: Problem[];
  let env: Record<string, string | undefined> = process.env;
  try {
    env = args["env-file"] ? readGlobalEnvFile(args["env-file"], process.env) : process.env;
    problems = checkServices({ dirs, env }, names);
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
  // --verbose: the next due times of the scheduled services checked
  if (args.verbose && !args.json) for (const line of scheduleLines({ dirs, env }, names)) console.log(line);
  return problems.length === 0 ? 0 : 1;
}
