/**
 * @module config/names
 * The words of a service description that also cross the control socket and the command line:
 * a service's name, its type and the dependency kinds. They live apart from config/schema.ts
 * (which re-exports them) so a control command checks a NAME argument or an answer without
 * building the whole description schema.
 */
import * as v from "valibot";

/** dinit's service types; `internal` is the default when `type` is absent. */
export const ServiceType = v.picklist(["process", "bgprocess", "scripted", "internal", "triggered"]);
export type ServiceType = v.InferOutput<typeof ServiceType>;

/** Dependency kinds that start (or wait for) the target. `before`/`after` only order. */
export const DepKind = v.picklist(["need", "milestone", "waits-for", "prepared-by"]);
export type DepKind = v.InferOutput<typeof DepKind>;

/** A service name: alnum plus `.-_` and bytes >= 0x80, no leading dot, optional `@arg`. */
export const ServiceName = v.pipe(
  v.string(),
  v.minLength(1, "a service name cannot be empty"),
  v.regex(
    /^(?!\.)[A-Za-z0-9._\-\u{80}-\u{10FFFF}]+(@[^/\x00]*)?$/u,
    "a service name is letters, digits, '.', '-', '_' (no leading '.', no '/'), optionally '@arg'",
  ),
);
