/**
 * @module cli/args
 * Flag parsing for every command: node's parseArgs splits argv, then the command's valibot
 * schema types and checks the values, so a bad flag is a usage error (exit 2) naming the flag.
 */
import { parseArgs, type ParseArgsConfig } from "node:util";
import * as v from "valibot";
import { ServiceName } from "../config/schema.ts";

/** A usage mistake: main prints the message and the command's usage line and exits 2. */
export class UsageError extends Error {
  constructor(
    message: string,
    readonly usage: string,
  ) {
    super(message);
  }
}

/** `--help` was asked for: main prints the usage and exits 0. */
export class HelpRequested extends Error {
  constructor(readonly usage: string) {
    super("help");
  }
}

/**
 * A service name argument; `what` names it in the message when it is missing.
 *
 * @example
 * v.strictTuple([nameArg("the service NAME")], "give exactly one service NAME")
 */
export function nameArg(what = "the service NAME") {
  return v.pipe(v.string(`give ${what}`), ServiceName);
}

/** A duration flag in seconds (fractions allowed), as `--stop-grace` and `--drain-delay` take it. */
export const SecondsArg = v.pipe(v.string(), v.regex(/^\d+(\.\d+)?$/, "seconds, 0 or more (e.g. 10 or 2.5)"), v.toNumber());

/**
 * An environment variable standing for a flag (an image's ENTRYPOINT is fixed), checked by the
 * flag's schema; undefined when unset or empty.
 *
 * @example
 * fromEnv("BOSUN_STOP_GRACE", SecondsArg, usage) // 30 for BOSUN_STOP_GRACE=30
 */
export function fromEnv<S extends v.GenericSchema>(name: string, schema: S, usage: string): v.InferOutput<S> | undefined {
  const value = process.env[name];
  if (value === undefined || value === "") return undefined;
  const parsed = v.safeParse(schema, value);
  if (!parsed.success) throw new UsageError(`${name}=${value}: ${parsed.issues[0].message}`, usage);
  return parsed.output;
}

/** A command's flags, positionals schema and usage text. */
export interface CommandSpec<S extends v.GenericSchema> {
  /** First line `bosun NAME [FLAGS] ARGS`, then a sentence or two. */
  usage: string;
  options: NonNullable<ParseArgsConfig["options"]>;
  /** Validates `{ ...flags, positionals }`. */
  schema: S;
}

/**
 * Parses argv for one command (without the command name) against its spec.
 *
 * @example
 * const spec = { usage: "bosun stop [--force] NAME", options: { force: { type: "boolean" } },
 *   schema: v.object({ force: v.optional(v.boolean(), false), positionals: v.tuple([v.string()]) }) };
 * parseCommand(spec, ["--force", "web"]) // { force: true, positionals: ["web"] }
 */
export function parseCommand<S extends v.GenericSchema>(spec: CommandSpec<S>, argv: string[]): v.InferOutput<S> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: { ...spec.options, help: { type: "boolean", short: "h" } },
      allowPositionals: true,
      strict: true,
    });
  } catch (e) {
    throw new UsageError((e as Error).message.split("\n")[0] ?? "bad arguments", spec.usage);
  }
  const { help, ...values } = parsed.values as Record<string, unknown>;
  if (help) throw new HelpRequested(spec.usage);
  const result = v.safeParse(spec.schema, { ...values, positionals: parsed.positionals });
  if (!result.success) {
    const issue = result.issues[0];
    const path = issue.path?.map((p) => String(p.key)).join(".");
    // An argument is named by what was given (nothing to name when it is missing), a flag by its name.
    const given = typeof issue.input === "string" ? `'${issue.input}': ` : "";
    const where = path === undefined ? "" : path.startsWith("positionals") ? given : `--${path}: `;
    throw new UsageError(`${where}${issue.message}`, spec.usage);
  }
  return result.output;
}
