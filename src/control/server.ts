/**
 * @module control/server
 * Serves the control app on the unix socket (0600 from the first instant) and, when asked,
 * the probe/metrics listener on TCP.
 */
import * as v from "valibot";
import type { Supervisor } from "../supervisor/supervisor.ts";
import { controlApp } from "./app.ts";
import { defaultLimits, type ControlLimits } from "./limits.ts";
import { probeApp } from "./probes.ts";
import { HostPort } from "./schemas.ts";
import { claimSocketPath } from "./socket.ts";
import { streamSet } from "./stream.ts";

/** Where and how to serve: the unix socket, an optional HOST:PORT for probes, an optional token for control over TCP. */
export interface ControlOptions {
  socket: string;
  healthListen?: string | null;
  token?: string | null;
  limits?: Partial<ControlLimits>;
}

/**
 * Bun's own cap, a backstop far above the app's limit: below it the app answers 413 in JSON;
 * past it Bun refuses before the app sees the request.
 */
const BUN_BODY_CAP = 1024 * 1024;

/** How long closing waits for follow streams to write out what is queued for them. */
const STREAM_END_MS = 1000;

/** A connection left silent this long is closed (follow streams send keepalives). */
const IDLE_SECONDS = 10;

/**
 * Starts the control server; throws a clear Error when another bosun answers on the socket,
 * the path is not a socket, or the TCP address is bad or taken.
 *
 * @example
 * const server = await startControl(sup, { socket: "/run/bosun.sock", healthListen: ":8080" });
 * server.healthPort; // 8080
 * await server.close();
 */
export async function startControl(
  sup: Supervisor,
  opts: ControlOptions,
): Promise<{ close(): Promise<void>; healthPort: number | null }> {
  const limits = { ...defaultLimits, ...opts.limits };
  let listen = null;
  if (opts.healthListen) {
    const parsed = v.safeParse(HostPort, opts.healthListen);
    if (!parsed.success) throw new Error(`${parsed.issues[0].message} (got ${JSON.stringify(opts.healthListen)})`);
    listen = parsed.output;
  }
  await claimSocketPath(opts.socket);
  const gauges = { inFlight: 0, streams: 0 };
  const streams = streamSet();
  const app = controlApp(sup, limits, gauges, streams);
  // umask, not chmod after listen: there is no instant where the socket is wider than 0600.
  const old = process.umask(0o177);
  let unix;
  try {
    // Bun closes a connection idle for 10 s by default, the same as IDLE_SECONDS.
    unix = Bun.serve({ unix: opts.socket, fetch: (req) => app.fetch(req), maxRequestBodySize: BUN_BODY_CAP });
  } catch (e) {
    throw new Error(`control socket ${opts.socket}: ${(e as Error).message}; pass -p SOCKET (or BOSUN_SOCKET) in a directory bosun can write`);
  } finally {
    process.umask(old);
  }
  let tcp = null;
  if (listen) {
    const tcpApp = probeApp(sup, opts.token ?? null, limits, gauges, streams);
    try {
      tcp = Bun.serve({
        ...listen,
        fetch: (req) => tcpApp.fetch(req),
        idleTimeout: IDLE_SECONDS,
        maxRequestBodySize: BUN_BODY_CAP,
      });
    } catch (e) {
      await unix.stop(true);
      throw new Error(`--health-listen ${opts.healthListen}: ${(e as Error).message}`);
    }
  }
  return {
    healthPort: tcp?.port ?? null,
    async close() {
      // Followers get what is queued for them (the last events and lines) before the server goes:
      // the streams end themselves, then the server lets their responses finish (bounded, since a
      // client may keep an idle connection open), and only then cuts what is left.
      await streams.endAll(STREAM_END_MS);
      let timer: ReturnType<typeof setTimeout> | undefined;
      const bound = new Promise<void>((resolve) => (timer = setTimeout(resolve, STREAM_END_MS)));
      await Promise.race([Promise.all([unix.stop(false), tcp?.stop(false)]), bound]);
      clearTimeout(timer);
      await Promise.all([unix.stop(true), tcp?.stop(true)]);
    },
  };
}
