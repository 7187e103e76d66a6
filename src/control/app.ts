/**
 * @module control/app
 * The control API as a Hono app: the routes of DESIGN.md over the engine, the log router and
 * the daemon environment. Every input is checked by a valibot schema (control/schemas.ts);
 * every failure is an ErrorJson with the status its code maps to.
 */
import { Hono, type Context } from "hono";
import { bodyLimit } from "hono/body-limit";
import { HTTPException } from "hono/http-exception";
import type { CommandResult } from "../engine/types.ts";
import { signalName as nameOfNumber, signalNumber } from "../process/signals.ts";
import { persistDisable, persistEnable } from "./enable.ts";
import { errorBody, refusal } from "./errors.ts";
import { ready } from "./readiness.ts";
import { ActionBody, ActionParams, EnvBody, LogsQuery, NameParam, type ActionResult } from "./schemas.ts";
import { eventStream, sseEvent, type Gauges } from "./stream.ts";
import type { ControlContext } from "./types.ts";
import { check } from "./validate.ts";
import { eventJson, serviceJson, statusJson } from "./view.ts";

/** Limits that keep a misbehaving client from growing bosun's memory. */
export interface ControlLimits {
  /** Largest request body in bytes (413 past it). */
  maxBody: number;
  /** Requests handled at once across all clients (503 past it). */
  maxInFlight: number;
  /** Open follow streams (events, logs -f) at once (503 past it). */
  maxStreams: number;
  /** Bytes queued for one stream (beyond what the socket took) before its client is dropped as too slow. */
  maxQueuedBytes: number;
}

/** The limits a daemon serves with unless `startControl` is given others. */
export const defaultLimits: ControlLimits = { maxBody: 64 * 1024, maxInFlight: 64, maxStreams: 32, maxQueuedBytes: 512 * 1024 };

/** A signal argument as the engine wants it (name without SIG), or null when there is no such signal. */
function signalName(sig: string | number): string | null {
  const name = typeof sig === "number" ? nameOfNumber(sig) : sig.toUpperCase().replace(/^SIG/, "");
  return signalNumber(name) === undefined ? null : name;
}

/**
 * Builds the control app for one daemon; `gauges` counts what its server has open.
 *
 * @example
 * const gauges = { inFlight: 0, streams: 0 };
 * Bun.serve({ unix: "/run/bosun.sock", fetch: controlApp(ctx, defaultLimits, gauges).fetch });
 */
export function controlApp(ctx: ControlContext, limits: ControlLimits, gauges: Gauges): Hono {
  const app = new Hono();
  const { engine } = ctx;

  app.use(async (c, next) => {
    if (gauges.inFlight >= limits.maxInFlight) {
      return c.json(errorBody("busy", `bosun is handling ${gauges.inFlight} requests already; retry shortly`), 503);
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
      onError: (c) => c.json(errorBody("too-large", `request body over ${limits.maxBody} bytes`), 413),
    }),
  );

  app.onError((err, c) => {
    if (err instanceof HTTPException) {
      if (err.res) return err.res;
      // Hono's json validator throws a 400 HTTPException for a body that is not JSON.
      return c.json(errorBody("invalid", `body: ${err.message}`, { field: "body" }), 400);
    }
    ctx.logs.system("error", `control: ${c.req.method} ${c.req.path}: ${(err as Error).stack ?? err}`);
    return c.json(errorBody("internal", `bosun failed handling this request: ${(err as Error).message}`), 500);
  });
  app.notFound((c) => c.json(errorBody("not-found", `no route ${c.req.method} ${c.req.path}`), 404));

  const missing = (name: string) => errorBody("not-found", `no service named ${name} is loaded`);
  const tooManyStreams = () => errorBody("busy", `${gauges.streams} follow streams (events, logs -f) are open already; close one`);
  /** The answer to an action: the service afterwards, or the refusal. */
  const answer = (c: Context, name: string, result: CommandResult, extra: Partial<ActionResult> = {}) => {
    if (!result.ok) {
      const { body, status } = refusal(result);
      return c.json(body, status);
    }
    const s = engine.status(name);
    const body: ActionResult = { ok: true, service: s ? statusJson(ctx, s) : null, ...extra };
    return c.json(body, 200);
  };

  app.get("/v1/services", (c) => c.json(engine.list().map(serviceJson)));

  app.get("/v1/services/:name", check("param", NameParam), (c) => {
    const { name } = c.req.valid("param");
    const s = engine.status(name);
    return s ? c.json(statusJson(ctx, s)) : c.json(missing(name), 404);
  });

  app.get("/v1/services/:name/logs", check("param", NameParam), check("query", LogsQuery), (c) => {
    const { name } = c.req.valid("param");
    const q = c.req.valid("query");
    if (!engine.status(name)) return c.json(missing(name), 404);
    const lines = ctx.logs.tail(name, q.lines) ?? [];
    // Like dinitctl catlog --clear: what was printed is what was cleared.
    // A buffer service that has not run yet has nothing to clear, which is not a refusal.
    const type = engine.description(name)?.logType;
    if (q.clear && !ctx.logs.clear(name) && type !== "buffer") {
      return c.json(errorBody("refused", `cannot clear ${name}'s log: its log-type is ${type ?? "unknown"}, and only a buffer log can be cleared`), 409);
    }
    if (!q.follow) return c.json({ lines });
    if (gauges.streams >= limits.maxStreams) return c.json(tooManyStreams(), 503);
    const body = eventStream(
      (push) => ctx.logs.follow(name, (line, stream) => push(sseEvent("line", { line, stream }))),
      { maxQueuedBytes: limits.maxQueuedBytes, gauges, first: lines.map((line) => sseEvent("line", { line, stream: null })) },
    );
    return c.body(body, 200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
  });

  app.post("/v1/services/:name/:action", check("param", ActionParams), check("json", ActionBody), (c) => {
    const { name, action } = c.req.valid("param");
    const body = c.req.valid("json");
    switch (action) {
      case "start":
        return answer(c, name, engine.start(name, { pin: body.pin }));
      case "stop":
        return answer(c, name, engine.stop(name, { force: body.force, pin: body.pin }));
      case "restart":
        return answer(c, name, engine.restart(name));
      case "wake":
        return answer(c, name, engine.wake(name));
      case "release":
        return answer(c, name, engine.release(name));
      case "unpin":
        return answer(c, name, engine.unpin(name));
      case "trigger":
        return answer(c, name, engine.trigger(name));
      case "untrigger":
        return answer(c, name, engine.untrigger(name));
      case "unload":
        return answer(c, name, engine.unload(name));
      case "signal": {
        if (body.signal === undefined) return c.json(errorBody("invalid", "body.signal: which signal to send is required", { field: "body.signal" }), 400);
        const sig = signalName(body.signal);
        if (!sig) return c.json(errorBody("invalid", `body.signal: no signal ${body.signal} on this system`, { field: "body.signal" }), 400);
        return answer(c, name, engine.signal(name, sig));
      }
      case "add-dep":
      case "rm-dep": {
        if (!body.kind) return c.json(errorBody("invalid", "body.kind: the dependency kind is required", { field: "body.kind" }), 400);
        if (!body.to) return c.json(errorBody("invalid", "body.to: the service depended on is required", { field: "body.to" }), 400);
        const result = action === "add-dep" ? engine.addDep(body.kind, name, body.to) : engine.rmDep(body.kind, name, body.to);
        return answer(c, name, result);
      }
      case "reload": {
        if (!engine.status(name)) return c.json(missing(name), 404);
        let desc;
        try {
          desc = ctx.loadFromDisk(name);
        } catch (e) {
          return c.json(errorBody("refused", `cannot reload ${name}: ${(e as Error).message}`), 409);
        }
        if (body.plan) {
          // Until this answer's schema and the CLI carry the plan's `changes`, it keeps the old
          // `restart` list: the services a restart to take the waiting changes would take down.
          const { changes, ...plan } = engine.plan([desc]);
          const restart = changes.flatMap((ch) => (ch.restartNeeded.length > 0 ? [ch.service, ...ch.restartsWith] : [])).sort();
          return answer(c, name, { ok: true }, { plan: { restart, ...plan } });
        }
        const result = engine.reload(desc);
        return answer(c, name, result, result.ok && result.restartNeeded?.length ? { restartNeeded: result.restartNeeded } : {});
      }
      case "enable":
      case "disable":
        return toggle(c, name, action);
    }
  });

  /** enable/disable: the waits-for link from `enable-via` (default boot), live and on disk. */
  const toggle = (c: Context, name: string, action: "enable" | "disable") => {
    if (!engine.description(name)) {
      if (action === "disable") return c.json(missing(name), 404);
      try {
        const added = engine.add(ctx.loadFromDisk(name));
        if (!added.ok) return answer(c, name, added);
      } catch (e) {
        return c.json(errorBody("not-found", `cannot load ${name}: ${(e as Error).message}`), 404);
      }
    }
    const via = engine.description(name)?.enableVia ?? "boot";
    const viaDesc = engine.description(via);
    if (action === "disable") {
      const failed = persistDisable(via, viaDesc, name);
      if (failed) return c.json(errorBody("refused", failed.message), 409);
      return answer(c, name, engine.rmDep("waits-for", via, name));
    }
    const failed = persistEnable(via, viaDesc, name, engine.description(name)?.file ?? null);
    if (failed) return c.json(errorBody("refused", failed.message), 409);
    const added = engine.addDep("waits-for", via, name);
    if (!added.ok) return answer(c, name, added);
    const viaState = engine.status(via)?.state;
    // dinit starts what it enables when the service it hangs off is up.
    if (viaState === "started" || viaState === "starting") return answer(c, name, engine.wake(name));
    return answer(c, name, added);
  };

  app.get("/v1/events", (c) => {
    if (gauges.streams >= limits.maxStreams) return c.json(tooManyStreams(), 503);
    const body = eventStream((push) => engine.subscribe((e) => push(sseEvent("state", eventJson(e), e.seq))), {
      maxQueuedBytes: limits.maxQueuedBytes,
      gauges,
    });
    return c.body(body, 200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
  });

  app.get("/v1/env", (c) => c.json({ env: Object.fromEntries(ctx.env) }));
  app.post("/v1/env", check("json", EnvBody), (c) => {
    const { set, unset } = c.req.valid("json");
    for (const [k, val] of Object.entries(set)) ctx.env.set(k, val);
    for (const k of unset) ctx.env.delete(k);
    return c.json({ env: Object.fromEntries(ctx.env) });
  });

  app.get("/v1/health", (c) => c.json(ready(ctx)));

  app.post("/v1/shutdown", (c) => {
    // After this answer is on its way: shutdown ends by closing this very server.
    setImmediate(() => ctx.shutdown());
    return c.json({ ok: true, service: null }, 202);
  });

  return app;
}
