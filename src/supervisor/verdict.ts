/**
 * @module supervisor/verdict
 * The readiness verdict orchestrators ask for: is startup done (/startupz), is everything that
 * must be up up and ready (/readyz, `bosun health`), with a reason per service that is not.
 */
import * as v from "valibot";
import type { ServiceStatus } from "../engine/types.ts";
import type { ServiceRuntime } from "./status.ts";

/** The verdict: ok, and per service why not (the body of /readyz?verbose and `GET /v1/health`). */
export const VerdictJson = v.object({
  ok: v.boolean(),
  services: v.array(v.object({ name: v.string(), ok: v.boolean(), reason: v.nullable(v.string()) })),
});
export type Verdict = v.InferOutput<typeof VerdictJson>;

/** What the verdict reads of the running supervisor. */
export interface VerdictSource {
  status(name: string): ServiceStatus | null;
  list(): ServiceStatus[];
  runtime(name: string): ServiceRuntime;
  /** The services boot was asked to start, and the ad-hoc main. */
  readonly bootServices: readonly string[];
  readonly shuttingDown: boolean;
}

/** Why one service is not up and ready, or null when it is. */
function notReady(src: VerdictSource, name: string): string | null {
  const s = src.status(name);
  if (!s) return "not loaded";
  if (s.state !== "started") {
    const why = s.failure?.message ?? s.reason;
    return why ? `${s.state} (${why})` : s.state;
  }
  const rt = src.runtime(name);
  if (rt.readiness === "waiting") return "started, waiting for its readiness notification";
  if (rt.health && rt.health.status !== "healthy") {
    return `health ${rt.health.status}${rt.health.lastError ? `: ${rt.health.lastError}` : ""}`;
  }
  return null;
}

function judge(src: VerdictSource, names: Iterable<string>): Verdict {
  const services = [...new Set(names)].sort().map((name) => {
    const reason = notReady(src, name);
    return { name, ok: reason === null, reason };
  });
  return { ok: services.every((s) => s.ok), services };
}

/**
 * /startupz: every service boot was asked for has started (and is ready).
 *
 * @example
 * startup(sup).ok // false while "web" is still starting
 */
export function startup(src: VerdictSource): Verdict {
  return judge(src, src.bootServices);
}

/** The boot set and everything it depends on, soft dependencies included. */
function bootClosure(src: VerdictSource): Set<string> {
  const seen = new Set<string>();
  const visit = (name: string) => {
    if (seen.has(name)) return;
    seen.add(name);
    for (const dep of src.status(name)?.depends ?? []) visit(dep.name);
  };
  src.bootServices.forEach(visit);
  return seen;
}

/**
 * /readyz and `bosun health`: the boot set, everything it depends on (a stopped waits-for
 * counts: boot wants it) and every service whose target is started are started and, where
 * they have a readiness protocol or a health check, ready and healthy. Not ready while bosun
 * shuts down.
 */
export function ready(src: VerdictSource): Verdict {
  const wanted = [...bootClosure(src), ...src.list().filter((s) => s.target === "started").map((s) => s.name)];
  const result = judge(src, wanted);
  if (src.shuttingDown) return { ok: false, services: [{ name: "bosun", ok: false, reason: "shutting down" }, ...result.services] };
  return result;
}

/**
 * One line for people: `ready` or the services that are not, with why.
 *
 * @example
 * summary(ready(sup), "ready") // "not ready: web: starting"
 */
export function summary(result: Verdict, what: string): string {
  if (result.ok) return what;
  const bad = result.services.filter((s) => !s.ok).map((s) => `${s.name}: ${s.reason}`);
  return `not ${what}: ${bad.join("; ")}`;
}
