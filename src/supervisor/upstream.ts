/**
 * @module supervisor/upstream
 * bosun's own readiness, told to whoever started it with NOTIFY_SOCKET set (systemd's notify
 * protocol: `podman run --sdnotify=container`, a systemd unit running bosun): `STATUS=` lines
 * as readiness changes, `READY=1` once everything the boot set needs is up and healthy, and
 * `STOPPING=1` when bosun's shutdown begins. A socket that stops answering costs one warning,
 * never bosun's work.
 */
import { closeFd, datagramClient, sendDatagram } from "../process/sys.ts";
import { summary, type Verdict } from "./verdict.ts";

/** The notifier; see createUpstream. */
export interface Upstream {
  /** After any change that may move readiness: STATUS= when its line changed, READY=1 the first time it is ok. */
  update(verdict: Verdict): void;
  /** bosun's shutdown began, or its drain before it: STOPPING=1 the first time, STATUS= with `status` each time. */
  stopping(status: string): void;
  close(): void;
}

/**
 * A notifier sending to `socket` (a path, or `@name` in the abstract namespace); `warn` gets
 * the first failure to send.
 *
 * @example
 * const upstream = createUpstream(env.NOTIFY_SOCKET, (m) => log.warn(m));
 * upstream.update(ready(sup)); // STATUS=ready, then READY=1
 */
export function createUpstream(socket: string, warn: (message: string) => void): Upstream {
  let fd: number | null = null;
  let failed = false;
  let readySent = false;
  let stopping = false;
  let lastStatus: string | null = null;

  function send(lines: string[]): void {
    if (failed) return;
    try {
      fd ??= datagramClient();
      sendDatagram(fd, socket, new TextEncoder().encode(lines.join("\n")));
    } catch (e) {
      failed = true;
      warn(`NOTIFY_SOCKET ${socket}: cannot report readiness: ${(e as Error).message}; bosun goes on without telling it`);
    }
  }

  return {
    update(verdict) {
      if (stopping) return;
      const status = summary(verdict, "ready");
      const lines = status === lastStatus ? [] : [`STATUS=${status}`];
      lastStatus = status;
      if (verdict.ok && !readySent) {
        readySent = true;
        lines.push("READY=1");
      }
      if (lines.length > 0) send(lines);
    },
    stopping(status) {
      send([...(stopping ? [] : ["STOPPING=1"]), `STATUS=${status}`]);
      stopping = true;
    },
    close() {
      if (fd !== null) closeFd(fd);
      fd = null;
    },
  };
}
