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
 * log.info("listening");   // logs.system("info", "listening", undefined)
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

/** bosun's lines about one service: consola's levels, with the service as the tag. */
export type Tagged = Record<"debug" | "info" | "warn" | "error", (message: string) => void>;

/**
 * Lines about service `name` through `log`. Not `log.withTag(name)`: consola builds a whole
 * instance for each, about 38 KiB that would stay per service if kept and is built again per
 * line if not (thousands of lines when many services start); a line object carrying its tag
 * costs nothing of the kind.
 *
 * @example
 * taggedLine(log, "web").info("started"); // logs.system("info", "started", "web")
 */
export function taggedLine(log: ConsolaInstance, name: string): Tagged {
  return {
    debug: (message) => log.debug({ message, tag: name }),
    info: (message) => log.info({ message, tag: name }),
    warn: (message) => log.warn({ message, tag: name }),
    error: (message) => log.error({ message, tag: name }),
  };
}
