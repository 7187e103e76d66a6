/**
 * @module config/problems
 * What goes wrong in service descriptions, as values: a `Problem` names the file, line and
 * service it concerns and says what is wrong; `ConfigError` carries the problems of a failed
 * load so callers can print every one of them instead of a stack trace.
 */

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
