/**
 * @module engine/outbox
 * The engine's way out: launcher calls and events are queued while the state machine works and
 * delivered afterwards, in the order they were decided. Delivering outside the state change makes
 * re-entry safe: a launcher or subscriber that calls back into the engine finds it consistent,
 * and whatever that call queues is delivered after what was already waiting.
 */

export interface Outbox {
  /** Queue one delivery. */
  push(delivery: () => void): void;
  /** Deliver everything queued, including what deliveries queue; a no-op when already delivering. */
  flush(): void;
}

/**
 * Builds an outbox. `onError` receives what a delivery threw; deliveries after it still run.
 *
 * @example
 * const out = createOutbox((e) => {});
 * out.push(() => launcher.start(desc));
 * out.flush();
 */
export function createOutbox(onError: (error: unknown) => void): Outbox {
  const queue: (() => void)[] = [];
  let head = 0;
  let delivering = false;
  return {
    push(delivery) {
      queue.push(delivery);
    },
    flush() {
      if (delivering) return;
      delivering = true;
      try {
        while (head < queue.length) {
          const delivery = queue[head]!;
          head += 1;
          try {
            delivery();
          } catch (error) {
            onError(error);
          }
        }
        queue.length = 0;
        head = 0;
      } finally {
        delivering = false;
      }
    },
  };
}
