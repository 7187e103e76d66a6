/**
 * @module control/app
 * The control API as a Hono app over the supervisor: `/v1/services` (a sub-app, see
 * control/services.ts), `/v1/events`, `/v1/env`, `/v1/health` (and one service's,
 * `/v1/health/:name`), `/v1/info`, `/v1/shutdown`. Limits on
 * requests in flight and body size come first; every failure, whoever throws it, is answered
 * by the one onError with the status its code maps to (control/errors.ts).
 */
import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { HTTPException } from "hono/http-exception";
import { OperationError } from "../supervisor/failure.ts";
import type { Supervisor } from "../supervisor/supervisor.ts";
import { errorBody, failureResponse } from "./errors.ts";
import type { ControlLimits } from "./limits.ts";
import { EnvBody, NameParam, type InfoJson } from "./schemas.ts";
import { services, tooManyStreams } from "./services.ts";
import { followStream, sseEvent, type Gauges, type streamSet } from "./stream.ts";
import { check } from "./validate.ts";
import { eventJson } from "./view.ts";

/**
 * Installs the one error path on an app: the supervisor's and the validators' failures by their
 * code, a body that is not JSON as `invalid` naming the body, anything else as `internal`
 * (logged, never a stack trace to the client). The probe app shares it.
 */
export function answerFailures(app: Hono, sup: Pick<Supervisor, "logError">): void {
  app.onError((err, c) => {
    if (err instanceof OperationError) return failureResponse(c, err);
    if (err instanceof HTTPException) {
      if (err.res) return err.res;
      // Hono's json validator throws a 400 HTTPException for a body that is not JSON.
      return failureResponse(c, new OperationError("invalid", `body: ${err.message}`, { field: "body" }));
    }
    sup.logError(`control: ${c.req.method} ${c.req.path}: ${(err as Error).stack ?? err}`);
    return c.json(errorBody("internal", `bosun failed handling this request: ${(err as Error).message}`), 500);
  });
  app.notFound((c) => c.json(errorBody("not-found", `no route ${c.req.method} ${c.req.path}`), 404));
}

/**
 * Builds the control app for one daemon; `gauges` counts what its server has open, `streams`
 * holds its follow streams so the server can end them in order.
 *
 * @example
 * const app = controlApp(sup, defaultLimits, { inFlight: 0, streams: 0 }, streamSet());
 * Bun.serve({ unix: "/run/bosun.sock", fetch: app.fetch });
 */
export function controlApp(sup: Supervisor, limits: ControlLimits, gauges: Gauges, streams: ReturnType<typeof streamSet>): Hono {
  const app = new Hono();

  app.use(async (_c, next) => {
    if (gauges.inFlight >= limits.maxInFlight) {
      throw new OperationError("busy", `bosun is handling ${gauges.inFlight} requests already; retry shortly`);
    }
    gauges.inFlight++;
    try {
      await next();
    } finally {
      gauges.inFlight--;
    }
  });
  app.use(
    bodyLimit({
      maxSize: limits.maxBody,
      onError: () => {
        throw new OperationError("too-large", `request body over ${limits.maxBody} bytes`);
      },
    }),
  );
  answerFailures(app, sup);

  app.route("/v1/services", services(sup, limits, gauges, streams));

  app.get("/v1/events", (c) => {
    if (gauges.streams >= limits.maxStreams) throw tooManyStreams(gauges);
    return followStream(c, (push) => sup.subscribe((e) => push(sseEvent("state", eventJson(e), e.seq))), {
      maxQueuedBytes: limits.maxQueuedBytes,
      gauges,
      streams,
    });
  });

  app.get("/v1/env", (c) => c.json({ env: sup.environment() }));
  app.post("/v1/env", check("json", EnvBody), (c) => {
    const { set, unset } = c.req.valid("json");
    return c.json({ env: sup.setenv(set, unset) });
  });

  app.get("/v1/health", (c) => c.json(sup.ready()));
  app.get("/v1/health/:name", check("param", NameParam), (c) => c.json(sup.serviceReady(c.req.valid("param").name)));
  app.get("/v1/info", (c) => c.json(sup.info() satisfies InfoJson));

  app.post("/v1/shutdown", (c) => {
    // After this answer is on its way: shutdown ends by closing this very server.
    setImmediate(() => sup.shutdown("shutdown command"));
    return c.json({ ok: true, service: null }, 202);
  });

  return app;
}
