/**
 * @module cli/logs
 * `bosun logs [-f] [-n LINES] [--clear] NAME`: a service's recent output from the daemon's log
 * router; `-f` keeps following new lines until interrupted, `--clear` empties a buffer log
 * after printing it.
 */
import * as v from "valibot";
import { client, ControlError } from "../control/client.ts";
import { LogsJson } from "../control/answers.ts";
import { MAX_LOG_LINES } from "../control/schemas.ts";
import { socketPath } from "../paths.ts";
import { nameArg, parseCommand } from "./args.ts";
import { say } from "./control.ts";

const spec = {
  usage: "bosun logs [-p SOCKET] [-f] [-n LINES] [--clear] [--json] NAME\nPrint NAME's recent output; -f follows new lines, --clear empties a buffer log after printing.",
  options: {
    socket: { type: "string", short: "p" },
    follow: { type: "boolean", short: "f" },
    lines: { type: "string", short: "n" },
    clear: { type: "boolean" },
    json: { type: "boolean" },
  },
  schema: v.pipe(
    v.object({
      socket: v.optional(v.string()),
      follow: v.optional(v.boolean(), false),
      lines: v.optional(v.pipe(v.string(), v.regex(/^\d+$/, "LINES is a whole number"), v.check((n) => Number(n) <= MAX_LOG_LINES, `LINES is at most ${MAX_LOG_LINES}`)), "100"),
      clear: v.optional(v.boolean(), false),
      json: v.optional(v.boolean(), false),
      positionals: v.strictTuple([nameArg()], "give exactly one service NAME"),
    }),
    v.check((a) => !(a.follow && a.json), "--json cannot be combined with -f"),
  ),
} as const;

/**
 * Runs `bosun logs`.
 *
 * @example
 * await run("logs", ["-n", "20", "web"]) // prints web's last 20 lines
 */
export async function run(_command: string, argv: string[]): Promise<number> {
  const args = parseCommand(spec, argv);
  const c = client(socketPath({ flag: args.socket }));
  const name = args.positionals[0];
  const query = new URLSearchParams({ lines: args.lines, follow: args.follow ? "1" : "0", clear: args.clear ? "1" : "0" });
  const path = `/v1/services/${encodeURIComponent(name)}/logs?${query}`;
  try {
    if (!args.follow) {
      const { lines, elsewhere } = await c.get(path, LogsJson);
      // console.log, not process.stdout: see cli/control's out().
      if (args.json) console.log(JSON.stringify(elsewhere ? { lines, elsewhere } : { lines }));
      else if (lines.length) console.log(lines.join("\n"));
      if (elsewhere && !args.json) (await say()).info(elsewhere);
      return 0;
    }
    for await (const { line } of await c.follow(path)) console.log(line);
    (await say()).info("bosun closed the log stream");
    return 0;
  } catch (e) {
    if (!(e instanceof ControlError)) throw e;
    (await say()).fail(e.message);
    return 1;
  }
}
