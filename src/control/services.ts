/**
 * @module control/services
 * `/v1/services`: the list, one service's status, its logs, and one route per action, each
 * checking its own body and answering with the service as it is afterwards. Each handler is a
 * line over the supervisor; refusals are thrown and answered by the app's onError.
 */
import { Hono, type Context } from "hono";
import type * as v from "valibot";
import type { Supervisor } from "../supervisor/supervisor.ts";
import { OperationError } from "../supervisor/failure.ts";
import type { ControlLimits } from "./limits.ts";
import {
  ActionParams,
  DepBody,
  LogsQuery,
  NameParam,
  NoBody,
  ReloadBody,
  SignalBody,
  StartBody,
  StopBody,
  type ActionResult,
} from "./schemas.ts";
import { followStream, sseEvent, type Gauges, type streamSet } from "./stream.ts";
import { check } from "./validate.ts";
import { serviceJson, statusJson } from "./view.ts";

/**
 * The services sub-app, mounted with `app.route("/v1/services", services(...))`.
 *
 * @example
 * app.route("/v1/services", services(sup, limits, gauges, streams));
 */
export function services(sup: Supervisor, limits: ControlLimits, gauges: Gauges, streams: ReturnType<typeof streamSet>): Hono {
  const app = new Hono();

  /** The answer to an action: the service afterwards (null once unloaded), plus what the action adds. */
  const answer = (c: Context, name: string, extra: Partial<ActionResult> = {}) => {
    const loaded = sup.status(name) !== null;
    const body: ActionResult = { ok: true, service: loaded ? statusJson(sup.report(name)) : null, ...extra };
    return c.json(body);
  };

  /** One action route: its body schema and the supervisor call it makes. */
  const action = <S extends v.GenericSchema>(name: string, schema: S, run: (service: string, body: v.InferOutput<S>) => Partial<ActionResult> | void) => {
    app.post(`/:name/${name}`, check("param", NameParam), check("json", schema), (c) => {
      const service = c.req.valid("param").name;
      return answer(c, service, run(service, c.req.valid("json") as v.InferOutput<S>) ?? {});
    });
  };

  app.get("/", (c) => c.json(sup.list().map(serviceJson)));
  app.get("/:name", check("param", NameParam), (c) => c.json(statusJson(sup.report(c.req.valid("param").name))));

  app.get("/:name/logs", check("param", NameParam), check("query", LogsQuery), (c) => {
    const { name } = c.req.valid("param");
    const q = c.req.valid("query");
    const lines = sup.logTail(name, q);
    if (!q.follow) return c.json({ lines, elsewhere: sup.logElsewhere(name) });
    if (gauges.streams >= limits.maxStreams) throw tooManyStreams(gauges);
    return followStream(c, (push) => sup.followLogs(name, (line, stream) => push(sseEvent("line", { line, stream }))), {
      maxQueuedBytes: limits.maxQueuedBytes,
      gauges,
      streams,
      first: lines.map((line) => sseEvent("line", { line, stream: null })),
    });
  });

  action("start", StartBody, (name, b) => sup.start(name, { pin: b.pin }));
  action("stop", StopBody, (name, b) => sup.stop(name, { force: b.force, pin: b.pin }));
  action("restart", NoBody, (name) => sup.restart(name));
  action("wake", NoBody, (name) => sup.wake(name));
  action("release", NoBody, (name) => sup.release(name));
  action("unpin", NoBody, (name) => sup.unpin(name));
  action("trigger", NoBody, (name) => sup.trigger(name));
  action("untrigger", NoBody, (name) => sup.untrigger(name));
  action("run", NoBody, (name) => ({ run: sup.run(name) }));
  action("unload", NoBody, (name) => sup.unload(name));
  action("signal", SignalBody, (name, b) => sup.signal(name, b.signal));
  action("add-dep", DepBody, (name, b) => sup.addDep(b.kind, name, b.to));
  action("rm-dep", DepBody, (name, b) => sup.rmDep(b.kind, name, b.to));
  action("enable", NoBody, (name) => sup.enable(name));
  action("disable", NoBody, (name) => sup.disable(name));
  action("reload", ReloadBody, (name, b) => {
    return b.plan ? { plan: sup.plan(name) } : { reloaded: sup.reload(name) };
  });
  // Reached only by an action that has no route: the check names `param.action` and the actions.
  app.post("/:name/:action", check("param", ActionParams), (c) => c.notFound());

  return app;
}

/** The refusal of one more follow stream. */
export function tooManyStreams(gauges: Gauges): OperationError {
  return new OperationError("busy", `${gauges.streams} follow streams (events, logs -f) are open already; close one`);
}
