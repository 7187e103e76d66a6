/**
 * @module control/readiness
 * The answers of the probes: is startup done (/startupz), is everything that must be up up
 * and ready (/readyz, `bosun health`), with a reason per service that is not.
 */
import * as v from "valibot";
import type { ControlContext } from "./types.ts";

/** The answer of /readyz?verbose, /startupz?verbose and `GET /v1/health`: ok, and per service why not. */
export const ProbeJson = v.object({
  ok: v.boolean(),
  services: v.array(v.object({ name: v.string(), ok: v.boolean(), reason: v.nullable(v.string()) })),
});
export type ProbeJson = v.InferOutput<typeof ProbeJson>;

/** Why one service is not up and ready, or null when it is. */
function notReady(ctx: ControlContext, name: string): string | null {
  const s = ctx.engine.status(name);
  if (!s) return "not loaded";
  if (s.state !== "started") {
    const why = s.failure?.message ?? s.reason;
    return why ? `${s.state} (${why})` : s.state;
  }
  const rt = ctx.runtime(name);
  if (rt.readiness === "waiting") return "started, waiting for its readiness notification";
  if (rt.health && rt.health.status !== "healthy") {
    return `health ${rt.health.status}${rt.health.lastError ? `: ${rt.health.lastError}` : ""}`;
  }
  return null;
}

function probe(ctx: ControlContext, names: Iterable<string>): ProbeJson {
  const services = [...new Set(names)].sort().map((name) => {
    const reason = notReady(ctx, name);
    return { name, ok: reason === null, reason };
  });
  return { ok: services.every((s) => s.ok), services };
}

/**
 * /startupz: every service `boot` was asked for has started (and is ready).
 *
 * @example
 * startup(ctx).ok // false while "web" is still starting
 */
export function startup(ctx: ControlContext): ProbeJson {
  return probe(ctx, ctx.bootServices);
}

/** The boot set and everything it depends on, soft dependencies included. */
function bootClosure(ctx: ControlContext): Set<string> {
  const seen = new Set<string>();
  const visit = (name: string) => {
    if (seen.has(name)) return;
    seen.add(name);
    for (const dep of ctx.engine.status(name)?.depends ?? []) visit(dep.name);
  };
  ctx.bootServices.forEach(visit);
  return seen;
}

/**
 * /readyz and `bosun health`: the boot set, everything it depends on (a stopped waits-for
 * counts: boot wants it) and every service whose target is started are started and, where
 * they have a readiness protocol or a health check, ready and healthy. Not ready while bosun
 * shuts down.
 */
export function ready(ctx: ControlContext): ProbeJson {
  const wanted = [...bootClosure(ctx), ...ctx.engine.list().filter((s) => s.target === "started").map((s) => s.name)];
  const result = probe(ctx, wanted);
  if (ctx.engine.shuttingDown) return { ok: false, services: [{ name: "bosun", ok: false, reason: "shutting down" }, ...result.services] };
  return result;
}

/** One line for people: `ready` or the services that are not, with why. */
export function summary(result: ProbeJson, what: string): string {
  if (result.ok) return what;
  const bad = result.services.filter((s) => !s.ok).map((s) => `${s.name}: ${s.reason}`);
  return `not ${what}: ${bad.join("; ")}`;
}
