/**
 * @module config/problems
 * What goes wrong in service descriptions, as values: a `Problem` names the file, line and
 * service it concerns and says what is wrong; `ConfigError` carries the problems of a failed
 * load so callers can print every one of them instead of a stack trace.
 */
import type { ServiceDescription } from "./schema.ts";

/** One finding about a service description; `file`/`line`/`service` are null when unknown. */
export interface Problem {
  file: string | null;
  line: number | null;
  service: string | null;
  severity: "error" | "warning";
  message: string;
}

/**
 * Formats a problem the way compilers do, so editors can jump to it.
 *
 * @example
 * formatProblem({ file: "/s/web", line: 3, service: "web", severity: "error", message: "unknown setting 'comand'" })
 * // "/s/web:3: service 'web': unknown setting 'comand'"
 */
export function formatProblem(p: Problem): string {
  const where = p.file === null ? "" : p.line === null ? `${p.file}: ` : `${p.file}:${p.line}: `;
  const who = p.service === null ? "" : `service '${p.service}': `;
  return `${where}${who}${p.message}`;
}

/** A load that failed: `problems` holds every error found (at least one); the message is the first. */
export class ConfigError extends Error {
  constructor(readonly problems: Problem[]) {
    super(problems.length > 0 ? formatProblem(problems[0]!) : "invalid service description");
    this.name = "ConfigError";
  }
}

/**
 * A service file with errors. `partial` is what could be read of it (each setting that did not
 * read left at its default), so `check` can follow the services it names and check what it
 * asks of this machine in the same run; nothing ever runs it. Null when even that failed.
 */
export class InvalidService extends ConfigError {
  constructor(
    problems: Problem[],
    readonly partial: ServiceDescription | null,
  ) {
    super(problems);
    this.name = "InvalidService";
  }
}

/** The named service has no description file in any service directory. */
export class ServiceNotFound extends ConfigError {
  constructor(
    readonly service: string,
    dirs: string[],
  ) {
    super([
      {
        file: null,
        line: null,
        service,
        severity: "error",
        message: `no service description found (searched ${dirs.join(", ") || "no directories"}); create a file named '${service.split("@")[0]}' in one of them`,
      },
    ]);
    this.name = "ServiceNotFound";
  }
}

/** Shorthand for an error problem. */
export function error(file: string | null, line: number | null, service: string | null, message: string): Problem {
  return { file, line, service, severity: "error", message };
}

/** Shorthand for a warning problem. */
export function warning(file: string | null, line: number | null, service: string | null, message: string): Problem {
  return { file, line, service, severity: "warning", message };
}

/**
 * Problems once each (a fragment included twice would report each of its bad lines twice),
 * grouped by file (in order of first mention), by line within a file.
 *
 * @example
 * byLocation([atLine(5), atLine(2), atLine(5)]) // [atLine(2), atLine(5)]
 */
export function byLocation(all: Problem[]): Problem[] {
  const seen = new Set<string>();
  const problems = all.filter((p) => {
    const key = `${p.file}:${p.line}:${p.service}:${p.severity}:${p.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  const files = [...new Set(problems.map((p) => p.file))];
  return problems.toSorted((a, b) => files.indexOf(a.file) - files.indexOf(b.file) || (a.line ?? Infinity) - (b.line ?? Infinity));
}
