/**
 * @module supervisor/verdict
 * The readiness verdict orchestrators ask for, built from the service graph.
 * - Ready (/readyz, `bosun health`): every service the boot set needs is started and, where it
 *   has a readiness protocol or a health check, ready and healthy. The boot set is the services
 *   boot was asked to start plus the ad-hoc main; what they need is everything they reach
 *   through depends-on, depends-ms and prepared-by. What they reach only through waits-for is
 *   optional: shown, never counted (starting, stopped by hand, failed or given up alike).
 *   Services started by hand later do not count. Never ready while bosun drains or shuts down.
 * - Started (/startupz): the boot set finished starting, once; it stays so.
 * Each service not up and ready has its reason. The same words serve people (`summary`) and
 * Kubernetes' `?verbose` convention (`verboseText`), both in verdict-json.ts with the shape.
 */
import type { ServiceStatus } from "../engine/types.ts";
import type { ServiceRuntime } from "./status.ts";
import type { Verdict } from "./verdict-json.ts";

/** The verdict's shape and words, which a control command loads without the rules here. */
export { summary, verboseText, VerdictJson, type Verdict } from "./verdict-json.ts";

/** What the verdict reads of the running supervisor. */
export interface VerdictSource {
  status(name: string): ServiceStatus | null;
  runtime(name: string): ServiceRuntime;
  /** The services boot was asked to start, and the ad-hoc main. */
  readonly bootServices: readonly string[];
  /** The boot set has finished starting once (see `bootSetStarted`). */
  readonly startedOnce: boolean;
  /** Draining before a shutdown (--drain-delay): still running, no longer ready. */
  readonly draining: boolean;
  readonly shuttingDown: boolean;
}

/**
 * Why one service is not up and ready, or null when it is.
 *
 * @example
 * notReady(sup, "web") // "health unhealthy: HTTP 503"
 */
export function notReady(src: Pick<VerdictSource, "status" | "runtime">, name: string): string | null {
  const s = src.status(name);
  if (!s) return "not loaded";
  const rt = src.runtime(name);
  if (s.state !== "started") {
    // a start waiting for its first healthy check says what the check says
    if (s.state === "starting" && rt.health?.checking && rt.health.output) return `starting (health check: ${rt.health.output})`;
    // a stop that was asked for needs no explanation
    const why = s.failure?.message ?? (s.reason === "normal" ? null : s.reason);
    const cause = s.cause ? `, ${s.cause}` : "";
    return why ? `${s.state} (${why}${cause})` : s.state;
  }
  if (rt.readiness === "waiting") return "started, waiting for its readiness notification";
  if (rt.health && rt.health.state !== "healthy") {
    return `health ${rt.health.state}${rt.health.output ? `: ${rt.health.output}` : ""}`;
  }
  return null;
}

/** The services reached from the boot set: `needed` through every dependency but waits-for, `optional` the rest. */
export function bootReach(src: Pick<VerdictSource, "status" | "bootServices">): { needed: Set<string>; optional: Set<string> } {
  const needed = new Set<string>();
  const all = new Set<string>();
  const visit = (name: string, hard: boolean) => {
    if (hard ? needed.has(name) : all.has(name)) return;
    all.add(name);
    if (hard) needed.add(name);
    for (const dep of src.status(name)?.depends ?? []) visit(dep.name, hard && dep.kind !== "waits-for");
  };
  for (const name of src.bootServices) visit(name, true);
  return { needed, optional: new Set([...all].filter((n) => !needed.has(n))) };
}

type Entry = Verdict["services"][number];

function judge(src: Pick<VerdictSource, "status" | "runtime">, names: Iterable<string>, optional = false): Entry[] {
  return [...new Set(names)].sort().map((name) => {
    const reason = notReady(src, name);
    return { name, ok: reason === null, reason, optional };
  });
}

/**
 * True when every boot service is started (and ready and healthy) right now: the moment the
 * supervisor records as the boot set having finished starting.
 */
export function bootSetStarted(src: Pick<VerdictSource, "status" | "runtime" | "bootServices">): boolean {
  return judge(src, src.bootServices).every((s) => s.ok);
}

/**
 * /startupz: the boot set finished starting once (then it stays ok), else which boot services
 * have not.
 *
 * @example
 * startup(sup).ok // false while "web" is still starting
 */
export function startup(src: VerdictSource): Verdict {
  if (src.startedOnce) return { ok: true, services: [...new Set(src.bootServices)].sort().map((name) => ({ name, ok: true, reason: null, optional: false })) };
  const services = judge(src, src.bootServices);
  return { ok: services.every((s) => s.ok), services };
}

/** /readyz and `bosun health`: see the module's comment. */
export function ready(src: VerdictSource): Verdict {
  const { needed, optional } = bootReach(src);
  const services = [...judge(src, needed), ...judge(src, optional, true)];
  const ok = services.every((s) => s.ok || s.optional);
  const why = src.shuttingDown ? "shutting down" : src.draining ? "draining before shutdown" : null;
  if (why) return { ok: false, services: [{ name: "bosun", ok: false, reason: why, optional: false }, ...services] };
  return { ok, services };
}

/**
 * One service's verdict (`bosun health NAME`): up and ready, or why not.
 *
 * @example
 * serviceReady(sup, "web") // { ok: false, services: [{ name: "web", ok: false, reason: "health starting", optional: false }] }
 */
export function serviceReady(src: Pick<VerdictSource, "status" | "runtime">, name: string): Verdict {
  const services = judge(src, [name]);
  return { ok: services[0]!.ok, services };
}
