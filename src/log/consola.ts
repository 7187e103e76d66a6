/**
 * @module log/consola
 * bosun's own log lines (service started, stopped with reason, restarting, waiting on X during
 * shutdown) as a consola logger whose only reporter hands each line to the log router's
 * `system`, so they share the console and format of the services' output. The service is
 * consola's tag.
 */
import { createConsola, type ConsolaInstance, type LogType } from "consola/core";
import { format } from "node:util";
import type { LogRouter, SystemLevel } from "./types.ts";

/** How much of bosun's own log: quiet = warnings and errors, verbose = also debug lines. */
export type Verbosity = "quiet" | "normal" | "verbose";

const levels: Record<Verbosity, number> = { quiet: 1, normal: 3, verbose: 4 };

function systemLevel(type: LogType): SystemLevel {
  if (type === "fatal" || type === "error") return "error";
  if (type === "warn") return "warn";
  if (type === "debug" || type === "trace" || type === "verbose") return "debug";
  return "info";
}

/**
 * A consola logger writing through `logs.system`.
 *
 * @example
 * const log = systemLogger(logs, "normal");
 * log.withTag("web").info("started");   // logs.system("info", "started", "web")
 */
export function systemLogger(logs: LogRouter, verbosity: Verbosity): ConsolaInstance {
  return createConsola({
    level: levels[verbosity],
    // consola holds back a line repeated within a second and prints it later as "(repeated N
    // times)"; each of bosun's lines is an event of its own and must come out when it happens.
    throttle: 0,
    reporters: [
      {
        log(obj) {
          logs.system(systemLevel(obj.type), format(...obj.args), obj.tag || undefined);
        },
      },
    ],
  });
}

/**
 * `log.withTag(name)`, made once per name: consola builds a whole instance for each call, and
 * bosun's lines about services come one per state change (thousands when many services start).
 *
 * @example
 * const about = taggedBy(log);
 * about("web").info("started");
 */
export function taggedBy(log: ConsolaInstance): (name: string) => ConsolaInstance {
  const made = new Map<string, ConsolaInstance>();
  return (name) => {
    let tagged = made.get(name);
    if (!tagged) made.set(name, (tagged = log.withTag(name)));
    return tagged;
  };
}
