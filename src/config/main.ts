/**
 * @module config/main
 * `main = true`: the service whose exit ends bosun with its exit code. Only one service can
 * decide that, so two descriptions asking for it are an error, in `check` and at boot alike.
 */
import { error, type Problem } from "./problems.ts";
import { fileOf } from "./reach.ts";
import type { ServiceDescription } from "./schema.ts";

/**
 * The error for a second (third, ...) `main = true`, at that setting, naming every one of them.
 *
 * @example
 * mainConflicts([app, other]) // [error at other's `main` line: "main: ... (app at /s/app:3, other at /s/other:4) ..."]
 */
export function mainConflicts(descs: Iterable<ServiceDescription>): Problem[] {
  const mains = [...descs].filter((d) => d.main);
  if (mains.length < 2) return [];
  const where = (d: ServiceDescription) => `${d.name} at ${fileOf(d, "main") ?? "(ad-hoc)"}${d.lines.main ? `:${d.lines.main}` : ""}`;
  const message = `main: more than one service has 'main = true' (${mains.map(where).join(", ")}); only one can decide bosun's exit code: remove it from all but one`;
  return mains.slice(1).map((d) => error(fileOf(d, "main"), d.lines.main ?? null, d.name, message));
}
