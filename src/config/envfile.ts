/**
 * @module config/envfile
 * Reads an `env-file`: `NAME=VALUE` lines (the value is taken literally, to the end of the
 * line), `#` comments, and dinit's meta lines `!clear`, `!unset NAME...`, `!import NAME...`.
 */
import { FileProblem, readTextFile } from "./files.ts";
import { ConfigError, error, warning, type Problem } from "./problems.ts";

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Parses env-file text. `inherited` is bosun's environment, for `!import`. With `global` (the
 * daemon's `-e` file, as dinit's) the result is the whole new environment: it starts from
 * `inherited`, and `!clear`/`!unset` remove inherited variables too.
 *
 * @example
 * parseEnvFile("# db\nDB_HOST=localhost\nGREETING=hello world\n", "/s/web.env", {}).vars
 * // { DB_HOST: "localhost", GREETING: "hello world" }
 */
export function parseEnvFile(
  text: string,
  file: string,
  inherited: Record<string, string | undefined>,
  opts: { global?: boolean } = {},
): { vars: Record<string, string>; problems: Problem[] } {
  // The global file (boot -e) edits bosun's whole environment; a service's file only adds to it.
  const vars: Record<string, string> = opts.global ? defined(inherited) : {};
  const problems: Problem[] = [];
  text.split("\n").forEach((raw, index) => {
    const line = index + 1;
    const body = raw.replace(/\r$/, "").replace(/^[ \t]+/, "");
    if (body === "" || body.startsWith("#")) return;
    if (body.startsWith("!")) {
      const [command, ...names] = body.slice(1).trim().split(/\s+/);
      if (command === "import") {
        for (const name of names) if (inherited[name] !== undefined) vars[name] = inherited[name]!;
      } else if (command === "unset") {
        for (const name of names) delete vars[name];
        if (!opts.global) problems.push(warning(file, line, null, "'!unset' removes variables set earlier in this file only; the service still inherits bosun's environment"));
      } else if (command === "clear") {
        for (const name of Object.keys(vars)) delete vars[name];
        if (!opts.global) problems.push(warning(file, line, null, "'!clear' forgets variables set earlier in this file only; the service still inherits bosun's environment"));
      } else {
        problems.push(error(file, line, null, `unknown env-file command '!${command}': use !clear, !unset or !import`));
      }
      return;
    }
    const eq = body.indexOf("=");
    const name = eq < 0 ? body : body.slice(0, eq);
    if (eq < 0 || !NAME.test(name)) {
      problems.push(error(file, line, null, `'${body.slice(0, 40)}' is not NAME=VALUE (a name is letters, digits and '_')`));
      return;
    }
    vars[name] = body.slice(eq + 1);
  });
  return { vars, problems };
}

function defined(env: Record<string, string | undefined>): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined));
}

/**
 * Reads the daemon's global env file (`bosun boot -e FILE`): bosun's environment for loading
 * and for every launch. Throws ConfigError naming file:line on any problem.
 *
 * @example
 * const env = readGlobalEnvFile("/etc/bosun/environment", process.env);
 */
export function readGlobalEnvFile(file: string, inherited: Record<string, string | undefined>): Record<string, string> {
  let text: string;
  try {
    text = readTextFile(file);
  } catch (e) {
    if (!(e instanceof FileProblem)) throw e;
    throw new ConfigError([error(file, null, null, `env file: ${e.message}`)]);
  }
  const { vars, problems } = parseEnvFile(text, file, inherited, { global: true });
  if (problems.length > 0) throw new ConfigError(problems);
  return vars;
}
