/**
 * @module control/probes
 * The TCP app of `--health-listen`: /livez (bosun's loop answers), /readyz, /startupz (see
 * supervisor/verdict.ts; `?verbose` lists each check in Kubernetes' `[+]`/`[-]` text) and
 * /metrics, read-only. With a control token the control routes are served too, to callers
 * presenting it as a bearer token (compared in constant time by hono's bearerAuth); without
 * one they are forbidden.
 */
import { Hono } from "hono";
import { bearerAuth } from "hono/bearer-auth";
import { OperationError } from "../supervisor/failure.ts";
import type { Supervisor } from "../supervisor/supervisor.ts";
import { summary, verboseText, type Verdict } from "../supervisor/verdict.ts";
import { answerFailures, controlApp } from "./app.ts";
import { errorBody } from "./errors.ts";
import type { ControlLimits } from "./limits.ts";
import { metrics } from "./metrics.ts";
import { ProbeQuery } from "./schemas.ts";
import type { Gauges, streamSet } from "./stream.ts";
import { check } from "./validate.ts";

/**
 * Builds the TCP app. `gauges` are the whole daemon's (unix socket and TCP), for /metrics;
 * with a token, control over TCP counts against the same limits.
 *
 * @example
 * Bun.serve({ hostname: "0.0.0.0", port: 8080, fetch: probeApp(sup, null, defaultLimits, gauges, streams).fetch });
 */
export function probeApp(sup: Supervisor, token: string | null, limits: ControlLimits, gauges: Gauges, streams: ReturnType<typeof streamSet>): Hono {
  const app = new Hono();
  answerFailures(app, sup);
  const answer = (result: Verdict, check: string, what: string, verbose: boolean) =>
    new Response(verbose ? verboseText(result, check) : `${summary(result, what)}\n`, {
      status: result.ok ? 200 : 503,
      headers: { "content-type": "text/plain; charset=utf-8" },
    });
  // Answering at all is the check: the loop that answers is the one that supervises.
  const alive: Verdict = { ok: true, services: [{ name: "loop", ok: true, reason: null, optional: false }] };
  app.get("/livez", check("query", ProbeQuery), (c) => answer(alive, "livez", "ok", c.req.valid("query").verbose));
  app.get("/readyz", check("query", ProbeQuery), (c) => answer(sup.ready(), "readyz", "ready", c.req.valid("query").verbose));
  app.get("/startupz", check("query", ProbeQuery), (c) => answer(sup.startup(), "startupz", "started", c.req.valid("query").verbose));
  app.get("/metrics", (c) =>
    c.text(metrics(sup, gauges.inFlight + gauges.streams), 200, { "content-type": "text/plain; version=0.0.4; charset=utf-8" }),
  );
  if (token) {
    const unauthorized = { message: errorBody("unauthorized", "control over TCP needs the control token as 'Authorization: Bearer TOKEN'") };
    app.use("/v1/*", bearerAuth({ token, noAuthenticationHeader: unauthorized, invalidToken: unauthorized, invalidAuthenticationHeader: unauthorized }));
    app.route("/", controlApp(sup, limits, gauges, streams));
  } else {
    app.all("/v1/*", () => {
      throw new OperationError("forbidden", "control routes are not served over TCP without a control token (--control-token); use the unix socket");
    });
  }
  app.notFound((c) => c.json(errorBody("not-found", `no route ${c.req.method} ${c.req.path}; this listener serves /livez /readyz /startupz /metrics`), 404));
  return app;
}
