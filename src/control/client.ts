/**
 * @module control/client
 * The CLI's side of the control socket: fetch over the unix socket, answers parsed with the
 * schemas of control/answers.ts, failures turned into a ControlError with a reason. Imports
 * neither hono nor the engine, so a client command starts fast.
 */
import * as v from "valibot";
import { ErrorJson, EventJson, LogLineJson } from "./answers.ts";

/** A request bosun refused or could not be asked: `code` as in ErrorJson, `unreachable` when no bosun answered. */
export class ControlError extends Error {
  constructor(
    message: string,
    readonly code: ErrorJson["error"]["code"] | "unreachable" | "protocol",
    readonly dependents: string[] = [],
  ) {
    super(message);
  }
}

function jsonOrUndefined(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** A connection to one bosun's control socket. */
export interface Client {
  get<S extends v.GenericSchema>(path: string, schema: S): Promise<v.InferOutput<S>>;
  post<S extends v.GenericSchema>(path: string, body: unknown, schema: S): Promise<v.InferOutput<S>>;
  /** Server-sent events of /v1/events; resolves once subscribed, so nothing after it is missed. `return()` closes the stream, even before the first event. */
  events(): Promise<AsyncGenerator<EventJson>>;
  /** The lines of a `logs?follow` stream: the opening tail, then each new line. */
  follow(path: string): Promise<AsyncGenerator<v.InferOutput<typeof LogLineJson>>>;
}

/**
 * A client for the socket at `socket`.
 *
 * @example
 * const list = await client("/run/bosun.sock").get("/v1/services", ServiceList);
 */
export function client(socket: string): Client {
  const request = async (method: string, path: string, body?: unknown): Promise<Response> => {
    let res: Response;
    try {
      res = await fetch(`http://bosun${path}`, {
        method,
        unix: socket,
        headers: body === undefined ? {} : { "content-type": "application/json" },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      const hint =
        code === "EACCES" || code === "EPERM"
          ? "permission denied: the socket is owner-only (0600); run this as the user bosun runs as"
          : code === "ENOENT" || code === "ECONNREFUSED" || code === "FailedToOpenSocket"
            ? "is bosun running? (-p SOCKET or $BOSUN_SOCKET)"
            : (e as Error).message;
      throw new ControlError(`cannot reach bosun at ${socket}: ${hint}`, "unreachable");
    }
    if (res.ok) return res;
    const parsed = v.safeParse(ErrorJson, await res.json().catch(() => null));
    if (!parsed.success) throw new ControlError(`bosun answered ${res.status} to ${method} ${path}`, "protocol");
    const { code, message, dependents } = parsed.output.error;
    throw new ControlError(message, code, dependents);
  };
  const parse = async <S extends v.GenericSchema>(res: Response, schema: S) => {
    // Not JSON (something else answers on the socket) fails the schema like a wrong shape does.
    const parsed = v.safeParse(schema, await res.json().catch(() => undefined));
    if (!parsed.success) {
      const issue = parsed.issues[0];
      throw new ControlError(`unexpected answer on ${socket} (${issue.path?.map((p) => String(p.key)).join(".") ?? "body"}: ${issue.message}); is a bosun of the same version listening there?`, "protocol");
    }
    return parsed.output as v.InferOutput<S>;
  };
  async function* chunks(res: Response): AsyncGenerator<string> {
    const decoder = new TextDecoder();
    if (!res.body) return;
    try {
      for await (const chunk of res.body) yield decoder.decode(chunk, { stream: true });
    } catch {
      // The daemon went away or dropped us as too slow: the stream just ends.
    }
  }
  /** The `data:` payloads of a server-sent event stream, parsed with `schema`; comments skipped. */
  async function* sse<S extends v.GenericSchema>(res: Response, schema: S): AsyncGenerator<v.InferOutput<S>> {
    let pending = "";
    for await (const text of chunks(res)) {
      pending += text;
      let end;
      while ((end = pending.indexOf("\n\n")) >= 0) {
        const block = pending.slice(0, end);
        pending = pending.slice(end + 2);
        const data = block.split("\n").find((l) => l.startsWith("data: "));
        if (!data) continue;
        const parsed = v.safeParse(schema, jsonOrUndefined(data.slice(6)));
        if (!parsed.success) throw new ControlError(`unexpected event on ${socket} (${parsed.issues[0].message}); is a bosun of the same version listening there?`, "protocol");
        yield parsed.output;
      }
    }
  }
  /**
   * A stream's events whose `return()` always lets go of the connection. An async generator
   * returned before its first `next()` never runs its body, so nothing would cancel the
   * response: bosun kept counting (and feeding) that stream until the Response was collected,
   * which a `bosun start` that finds the service already settled did every time.
   */
  const subscribe = async <S extends v.GenericSchema>(path: string, schema: S): Promise<AsyncGenerator<v.InferOutput<S>>> => {
    const res = await request("GET", path);
    const events = sse(res, schema);
    const finish = events.return.bind(events);
    events.return = async (value) => {
      // A body being read is locked: the generator's own unwinding cancels that reader.
      // A body that already ended or failed has nothing left to release.
      if (res.body && !res.body.locked) await res.body.cancel().catch(() => {});
      return finish(value);
    };
    return events;
  };
  return {
    get: async (path, schema) => parse(await request("GET", path), schema),
    post: async (path, body, schema) => parse(await request("POST", path, body), schema),
    events: () => subscribe("/v1/events", EventJson),
    follow: (path) => subscribe(path, LogLineJson),
  };
}
