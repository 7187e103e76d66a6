/**
 * @module health/tcp
 * `health-tcp = HOST:PORT`: healthy when a TCP connection is accepted; it is closed at once.
 * node:net (Bun's own implementation) rather than Bun.connect, because a connect still
 * pending cannot be abandoned with Bun.connect: at a probe's timeout its socket would stay in
 * SYN-SENT until the kernel gives up (minutes), one more at every interval.
 */
import { connect } from "node:net";
import { abortText, connectionFailure } from "./text.ts";
import type { CheckResult, Probe } from "./types.ts";

/**
 * Splits `HOST:PORT` (`[::1]:80` for IPv6) at its last colon.
 *
 * @example
 * splitHostPort("[::1]:5432") // { host: "::1", port: 5432 }
 */
export function splitHostPort(address: string): { host: string; port: number } {
  const colon = address.lastIndexOf(":");
  return { host: address.slice(0, colon).replace(/^\[(.*)\]$/, "$1"), port: Number(address.slice(colon + 1)) };
}

/**
 * A probe that connects to `address` (HOST:PORT, as the loader stores health-tcp).
 *
 * @example
 * await tcpProbe("127.0.0.1:5432")(AbortSignal.timeout(30_000)); // { ok: true, text: "connected to 127.0.0.1:5432" }
 */
export function tcpProbe(address: string): Probe {
  const { host, port } = splitHostPort(address);
  return (signal) =>
    new Promise<CheckResult>((resolve) => {
      if (signal.aborted) return resolve({ ok: false, text: abortText(signal) });
      const socket = connect({ host, port });
      const done = (result: CheckResult) => {
        signal.removeEventListener("abort", onAbort);
        socket.destroy();
        resolve(result);
      };
      const onAbort = () => done({ ok: false, text: `${abortText(signal)} connecting to ${address}` });
      signal.addEventListener("abort", onAbort, { once: true });
      socket.once("connect", () => done({ ok: true, text: `connected to ${address}` }));
      socket.once("error", (e) => done({ ok: false, text: connectionFailure(e, address) }));
    });
}
