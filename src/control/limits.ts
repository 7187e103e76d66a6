/**
 * @module control/limits
 * The limits that keep a misbehaving client from growing bosun's memory or starving others.
 */

/** Request and stream limits of one control server. */
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
