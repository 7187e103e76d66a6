/**
 * @module control/stream
 * Follow streams (`/v1/events`, `logs?follow`) as server-sent events, written with Hono's
 * `streamSSE`. Two things are bosun's own, because the helper cannot do them:
 * - a queue bounded in bytes between the subscription (which pushes synchronously, whatever the
 *   client does) and the stream (which takes data only as fast as the client reads): a client
 *   that stops reading is cut off once its queue is full, so it can neither grow bosun's memory
 *   nor hold up other subscribers;
 * - an orderly end: when bosun exits, every stream first writes out what is queued (the last
 *   state changes and log lines of the shutdown), then closes.
 * A comment line every few seconds keeps a quiet stream from being closed as idle.
 */
import type { Context } from "hono";
import { streamSSE } from "hono/streaming";

/** What one server has open right now: for its limits and for /metrics. */
export interface Gauges {
  /** Requests being handled. */
  inFlight: number;
  /** Follow streams (events, logs -f) open. */
  streams: number;
}

/** The open streams of a server, so it can end them in order before it stops. */
export interface StreamSet {
  /** Asks every open stream to write out what is queued and close; resolves when all have (or after `ms`). */
  endAll(ms: number): Promise<void>;
}

/**
 * Bun closes a connection after 10 s without traffic, and on a unix socket its per-request
 * `timeout()` does not lift that for a streamed response (Bun 1.4.5); a keepalive does.
 */
const KEEPALIVE_MS = 4000;

/** One server-sent event: a name and a JSON payload on a single `data:` line. */
export function sseEvent(event: string, data: unknown, id?: number): string {
  return `event: ${event}\n${id === undefined ? "" : `id: ${id}\n`}data: ${JSON.stringify(data)}\n\n`;
}

/** The registry of a server's open streams. */
export function streamSet(): StreamSet & { add(end: () => Promise<void>): () => void } {
  const open = new Set<() => Promise<void>>();
  return {
    add(end) {
      open.add(end);
      return () => void open.delete(end);
    },
    async endAll(ms) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const expired = new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)));
      await Promise.race([Promise.all([...open].map((end) => end())), expired]);
      clearTimeout(timer);
    },
  };
}

/**
 * Answers with an event stream fed by `subscribe` until the client goes away, falls
 * `maxQueuedBytes` behind (then it is cut off), or the server ends it. It opens with a comment,
 * so a client knows it is subscribed before anything happens, then `first` (a log's tail); it
 * counts itself in `gauges.streams` from the moment it is made until it ends.
 *
 * @example
 * return followStream(c, (push) => sup.subscribe((e) => push(sseEvent("state", eventJson(e)))), { maxQueuedBytes, gauges, streams });
 */
export function followStream(
  c: Context,
  subscribe: (push: (chunk: string) => void) => () => void,
  opts: { maxQueuedBytes: number; gauges: Gauges; streams: ReturnType<typeof streamSet>; first?: string[] },
): Response {
  return streamSSE(c, async (stream) => {
    // Everything up to the first await runs while the request is answered: the subscription
    // exists before the client sees the opening comment.
    const queue: string[] = [": subscribed\n\n", ...(opts.first ?? [])];
    // The limit is on what piles up after the opening tail (which can be `lines=100000` long):
    // a client still reading a long tail is not dropped for the tail's own size.
    let queued = 0;
    let state = "open" as "open" | "ending" | "gone";
    let wake: (() => void) | null = null;
    let ended: () => void = () => {};
    const finished = new Promise<void>((resolve) => (ended = resolve));
    const rouse = () => {
      wake?.();
      wake = null;
    };
    const push = (chunk: string) => {
      if (state !== "open") return;
      queued += Buffer.byteLength(chunk);
      if (queued > opts.maxQueuedBytes) {
        state = "gone";
        stream.abort(); // a write the client is not taking must not hold the stream open
      } else queue.push(chunk);
      rouse();
    };
    opts.gauges.streams++;
    const unsubscribe = subscribe(push);
    const keepalive = setInterval(() => push(": keepalive\n\n"), KEEPALIVE_MS);
    const forget = opts.streams.add(() => {
      if (state === "open") state = "ending";
      rouse();
      return finished;
    });
    stream.onAbort(() => {
      state = "gone";
      rouse();
    });
    try {
      let opening = queue.length;
      for (;;) {
        while (queue.length > 0 && state !== "gone") {
          const chunk = queue.shift()!;
          if (opening > 0) opening--;
          else queued -= Buffer.byteLength(chunk);
          await stream.write(chunk);
        }
        if (state !== "open") break;
        await new Promise<void>((resolve) => (wake = resolve));
      }
    } finally {
      unsubscribe();
      clearInterval(keepalive);
      forget();
      opts.gauges.streams--;
      // Closed here, not only by streamSSE afterwards: whoever waits on the end waits for this.
      await stream.close();
      ended();
    }
  });
}
