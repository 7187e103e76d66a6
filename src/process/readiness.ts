/**
 * @module process/readiness
 * The readiness protocols a service can use to say "I am up":
 * - `pipefd:N` (dinit; s6's notification-fd is the same): bosun puts a pipe's write end on the
 *   child's fd N; anything written there means ready.
 * - `pipevar:VAR`: the same pipe on a free fd, its number in the environment variable VAR.
 * - `notify`: systemd's NOTIFY_SOCKET datagram protocol (`READY=1`, `STATUS=`, `MAINPID=`,
 *   `STOPPING=1`), on a socket of its own per launch so each message's sender is known.
 */
import { closeSync, rmSync } from "node:fs";
import { join } from "node:path";
import type { Readiness } from "../config/schema.ts";
import { closeFd, datagramSocket, recvDatagram } from "./sys.ts";

/** What the protocol reports, once the child runs. */
export interface ReadinessEvents {
  ready(): void;
  status(text: string): void;
  mainPid(pid: number): void;
  stopping(): void;
}

/** One launch's readiness channel. */
export interface ReadinessChannel {
  /** Extra child fds (index = fd number) the spawn must create as pipes. */
  pipeFds: number[];
  /** Variables to add to the child's environment. */
  env: Record<string, string>;
  /** The child is spawned: start listening (`childFd` gives the parent's end of a pipe fd). */
  listen(childFd: (fd: number) => number | null, events: ReadinessEvents): void;
  /** The launch is over (ready and no more messages wanted, or the child is gone). */
  close(): void;
}

/**
 * Opens the channel for one launch. `usedFds` are child fds already taken (socket-listen's 3),
 * so pipevar picks a free one. `socketDir` holds notify sockets (paths must stay < 108 bytes).
 *
 * @example
 * const ch = openReadiness({ kind: "pipefd", fd: 3 }, { usedFds: [], socketDir: "/run/bosun" });
 * // spawn with ch.pipeFds as "pipe" entries and ch.env; then:
 * ch.listen((fd) => proc.stdio[fd] as number, { ready: () => engine.ready("web"), ... });
 */
export function openReadiness(readiness: Readiness, opts: { usedFds: number[]; socketDir: string }): ReadinessChannel {
  if (readiness.kind === "notify") return notifyChannel(opts.socketDir);
  let fd: number;
  if (readiness.kind === "pipefd") {
    fd = readiness.fd;
    if (opts.usedFds.includes(fd)) throw new Error(`fd ${fd} is already used (socket-listen passes fd 3)`);
  } else {
    fd = 3;
    while (opts.usedFds.includes(fd)) fd++;
  }
  const env: Record<string, string> = readiness.kind === "pipevar" ? { [readiness.variable]: String(fd) } : {};
  return pipeChannel(fd, env);
}

function pipeChannel(fd: number, env: Record<string, string>): ReadinessChannel {
  let parentFd: number | null = null;
  let cancel: (() => void) | null = null;
  const close = () => {
    cancel?.();
    cancel = null;
    if (parentFd !== null) {
      try {
        closeSync(parentFd);
      } catch {
        // already closed by the stream
      }
      parentFd = null;
    }
  };
  return {
    pipeFds: [fd],
    env,
    listen(childFd, events) {
      parentFd = childFd(fd);
      if (parentFd === null) return;
      const reader = Bun.file(parentFd).stream().getReader();
      cancel = () => void reader.cancel().catch(() => {});
      reader
        .read()
        .then(({ done }) => {
          // dinit takes any write as ready; a close without one leaves start-timeout to decide
          if (!done) events.ready();
        })
        .catch(() => {})
        .finally(close);
    },
    close,
  };
}

const notifyFds = new Map<number, (message: Uint8Array) => void>();
let notifySerial = 0;
let sigioHandled = false;

/** One SIGIO handler for all notify sockets: drain each, since SIGIO does not say which fd. */
function drainNotifySockets(): void {
  for (const [fd, onMessage] of notifyFds) {
    for (let msg = recvDatagram(fd); msg !== null; msg = recvDatagram(fd)) onMessage(msg);
  }
}

function notifyChannel(socketDir: string): ReadinessChannel {
  const path = join(socketDir, `notify-${process.pid}-${++notifySerial}.sock`);
  const fd = datagramSocket(path);
  let open = true;
  return {
    pipeFds: [],
    env: { NOTIFY_SOCKET: path },
    listen(_childFd, events) {
      // installed once and kept: SIGIO's default action would end bosun if one came late
      if (!sigioHandled) process.on("SIGIO", drainNotifySockets);
      sigioHandled = true;
      notifyFds.set(fd, (message) => {
        for (const line of new TextDecoder().decode(message).split("\n")) {
          const eq = line.indexOf("=");
          const [key, value] = [line.slice(0, eq), line.slice(eq + 1)];
          if (key === "READY" && value === "1") events.ready();
          else if (key === "STATUS") events.status(value);
          else if (key === "MAINPID" && /^\d+$/.test(value)) events.mainPid(Number(value));
          else if (key === "STOPPING" && value === "1") events.stopping();
        }
      });
      // a message sent before we listened raised its SIGIO already
      drainNotifySockets();
    },
    close() {
      if (!open) return;
      open = false;
      notifyFds.delete(fd);
      closeFd(fd);
      rmSync(path, { force: true });
    },
  };
}
