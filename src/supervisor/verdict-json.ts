/**
 * @module supervisor/verdict-json
 * The readiness verdict (supervisor/verdict.ts builds it) as the control socket carries it,
 * and its two wordings: one line for people (`summary`, the words of `bosun health`) and
 * Kubernetes' `?verbose` convention (`verboseText`). Apart from the verdict's rules so a
 * control command reads and words a verdict without loading them.
 */
import * as v from "valibot";

/** The verdict: ok, and per service why not (the body of `GET /v1/health`). */
export const VerdictJson = v.object({
  ok: v.boolean(),
  services: v.array(
    v.object({
      name: v.string(),
      ok: v.boolean(),
      reason: v.nullable(v.string()),
      /** Wanted only through waits-for: shown, never counted. */
      optional: v.optional(v.boolean(), false),
    }),
  ),
});
export type Verdict = v.InferOutput<typeof VerdictJson>;

/**
 * One line for people: `ready` or the counted services that are not, with why.
 *
 * @example
 * summary(ready(sup), "ready") // "not ready: web: starting"
 */
export function summary(result: Verdict, what: string): string {
  if (result.ok) return what;
  const bad = result.services.filter((s) => !s.ok && !s.optional).map((s) => `${s.name}: ${s.reason}`);
  return `not ${what}: ${bad.join("; ")}`;
}

/**
 * The `?verbose` body of a probe, in Kubernetes' convention: a `[+]name ok` or
 * `[-]name failed: reason` line per check, then `<check> check passed|failed`.
 *
 * @example
 * verboseText(ready(sup), "readyz") // "[+]db ok\n[-]web failed: starting\nreadyz check failed\n"
 */
export function verboseText(result: Verdict, check: string): string {
  const lines = result.services.map((s) => {
    const optional = s.optional ? (s.ok ? " (optional)" : " (optional: not counted)") : "";
    return s.ok ? `[+]${s.name} ok${optional}` : `[-]${s.name} failed: ${s.reason}${optional}`;
  });
  lines.push(`${check} check ${result.ok ? "passed" : "failed"}`);
  return `${lines.join("\n")}\n`;
}
