/**
 * @module config/envfile
 * Reads an `env-file`: `NAME=VALUE` lines (the value is taken literally, to the end of the
 * line), `#` comments, and dinit's meta lines `!clear`, `!unset NAME...`, `!import NAME...`.
 */
import { error, warning, type Problem } from "./problems.ts";

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Parses env-file text. `inherited` is bosun's environment, for `!import`.
 *
 * @example
 * parseEnvFile("# db\nDB_HOST=localhost\nGREETING=hello world\n", "/s/web.env", {}).vars
 * // { DB_HOST: "localhost", GREETING: "hello world" }
 */
export function parseEnvFile(
  text: string,
  file: string,
  inherited: Record<string, string | undefined>,
): { vars: Record<string, string>; problems: Problem[] } {
  const vars: Record<string, string> = {};
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
        problems.push(warning(file, line, null, "'!unset' removes variables set earlier in this file only; the service still inherits bosun's environment"));
      } else if (command === "clear") {
        for (const name of Object.keys(vars)) delete vars[name];
        problems.push(warning(file, line, null, "'!clear' forgets variables set earlier in this file only; the service still inherits bosun's environment"));
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
