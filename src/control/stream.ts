/**
 * @module control/stream
 * Server-sent event streams fed by a subscription (engine events, a service's new log lines)
 * with a bounded queue: a client that stops reading is cut off once the queue is full, so it
 * can neither grow bosun's memory nor hold up the other subscribers. A comment line every few
 * seconds keeps a quiet stream from being closed as idle.
 */

const encoder = new TextEncoder();

/** Open follow streams, for the cap on them and for /metrics. */
export const openStreams = { count: 0 };

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
 * falls `maxQueued` chunks behind (then the stream errors, which closes the connection). It
 * opens with a comment, so a client knows it is subscribed before anything happens.
 *
 * @example
 * const body = eventStream((push) => engine.subscribe((e) => push(sseEvent("state", e))), 256);
 */
export function eventStream(
  subscribe: (push: (chunk: string) => void) => () => void,
  maxQueued: number,
  first: string[] = [],
): ReadableStream<Uint8Array> {
  let unsubscribe: (() => void) | null = null;
  let keepalive: ReturnType<typeof setInterval> | undefined;
  const end = () => {
    if (!unsubscribe) return;
    unsubscribe();
    unsubscribe = null;
    clearInterval(keepalive);
    openStreams.count--;
  };
  return new ReadableStream<Uint8Array>(
    {
      start(controller) {
        openStreams.count++;
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
        controller.enqueue(encoder.encode(": subscribed\n\n"));
        for (const chunk of first) controller.enqueue(encoder.encode(chunk));
        unsubscribe = subscribe(push);
        keepalive = setInterval(() => push(": keepalive\n\n"), KEEPALIVE_MS);
      },
      cancel: end,
    },
    new CountQueuingStrategy({ highWaterMark: maxQueued }),
  );
}
