/**
 * @module control/stream
 * A response body fed by a subscription (engine events, a service's new log lines) with a
 * bounded queue: a client that stops reading is cut off once the queue is full, so it can
 * neither grow bosun's memory nor hold up the other subscribers.
 */

const encoder = new TextEncoder();

/** Open follow streams, for the cap on them and for /metrics. */
export const openStreams = { count: 0 };

/**
 * Builds a stream that receives what `subscribe` pushes until the client goes away or falls
 * `maxQueued` chunks behind (then the stream errors, which closes the connection).
 *
 * @example
 * const body = boundedStream((push) => engine.subscribe((e) => push(JSON.stringify(e))), 256);
 */
export function boundedStream(
  subscribe: (push: (chunk: string) => void) => () => void,
  maxQueued: number,
  first: string[] = [],
): ReadableStream<Uint8Array> {
  let unsubscribe: (() => void) | null = null;
  const end = () => {
    if (!unsubscribe) return;
    unsubscribe();
    unsubscribe = null;
    openStreams.count--;
  };
  return new ReadableStream<Uint8Array>(
    {
      start(controller) {
        openStreams.count++;
        for (const chunk of first) controller.enqueue(encoder.encode(chunk));
        unsubscribe = subscribe((chunk) => {
          if (!unsubscribe) return;
          if ((controller.desiredSize ?? 0) <= 0) {
            end();
            // error() drops the queued chunks at once rather than keeping them for a reader that may never come.
            controller.error(new Error("subscriber too slow"));
            return;
          }
          controller.enqueue(encoder.encode(chunk));
        });
      },
      cancel: end,
    },
    new CountQueuingStrategy({ highWaterMark: maxQueued }),
  );
}
