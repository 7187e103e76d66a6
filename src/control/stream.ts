/**
 * @module control/stream
 * Server-sent event streams fed by a subscription (engine events, a service's new log lines)
 * with a queue bounded in bytes: a client that stops reading is cut off once the queue is full,
 * so it can neither grow bosun's memory nor hold up the other subscribers. Bun pulls from the
 * queue only while the client's socket takes data (measured, Bun 1.4.5), so the queue is where
 * a slow client's backlog shows. A comment line every few
 * seconds keeps a quiet stream from being closed as idle.
 */

const encoder = new TextEncoder();

/** What one server has open right now: for its limits and for /metrics. */
export interface Gauges {
  /** Requests being handled. */
  inFlight: number;
  /** Follow streams (events, logs -f) open. */
  streams: number;
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

/**
 * Builds an event stream that receives what `subscribe` pushes until the client goes away or
 * falls `maxQueuedBytes` behind (then the stream errors, which closes the connection): bytes,
 * not chunks, since a log line can be 16 KiB and a state event a few hundred bytes. It opens
 * with a comment, so a client knows it is subscribed before anything happens; it counts itself
 * in `gauges.streams` from its construction (not Bun's first read) until it ends.
 *
 * @example
 * const body = eventStream((push) => engine.subscribe((e) => push(sseEvent("state", e))), { maxQueuedBytes: 512 * 1024, gauges });
 */
export function eventStream(
  subscribe: (push: (chunk: string) => void) => () => void,
  opts: { maxQueuedBytes: number; gauges: Gauges; first?: string[] },
): ReadableStream<Uint8Array> {
  let unsubscribe: (() => void) | null = null;
  let keepalive: ReturnType<typeof setInterval> | undefined;
  const opening = [": subscribed\n\n", ...(opts.first ?? [])].map((chunk) => encoder.encode(chunk));
  // The limit is on what piles up after the opening tail (which can be `lines=100000` long):
  // a client still reading a long tail is not dropped for the tail's own size.
  const limit = opts.maxQueuedBytes + opening.reduce((n, chunk) => n + chunk.byteLength, 0);
  const end = () => {
    if (!unsubscribe) return;
    unsubscribe();
    unsubscribe = null;
    clearInterval(keepalive);
    opts.gauges.streams--;
  };
  return new ReadableStream<Uint8Array>(
    {
      start(controller) {
        opts.gauges.streams++;
        const push = (chunk: string) => {
          if (!unsubscribe) return;
          if ((controller.desiredSize ?? 0) <= 0) {
            end();
            // error() drops the queued chunks at once rather than keeping them for a reader that may never come.
            controller.error(new Error("subscriber too slow"));
            return;
          }
          controller.enqueue(encoder.encode(chunk));
        };
        for (const chunk of opening) controller.enqueue(chunk);
        unsubscribe = subscribe(push);
        keepalive = setInterval(() => push(": keepalive\n\n"), KEEPALIVE_MS);
      },
      cancel: end,
    },
    new ByteLengthQueuingStrategy({ highWaterMark: limit }),
  );
}
