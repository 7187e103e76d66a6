/**
 * @module process/listen
 * `socket-listen`: bosun opens a service's listening unix socket itself, before the first
 * start, and passes it as fd 3 (systemd's LISTEN_FDS protocol). The socket stays open across
 * restarts, so clients queue in its backlog instead of being refused while the service is down.
 */
import { chmodSync, chownSync, lstatSync, rmSync } from "node:fs";
import type { ServiceDescription } from "../config/schema.ts";
import { findUser, groupId, userId } from "../config/users.ts";
import { errnoOf, launchFailure } from "./failure.ts";
import type { LaunchFailure } from "../engine/types.ts";
import { closeFd, listenUnix, SysError } from "./sys.ts";

/** The open listening sockets, by service name. */
export interface Listeners {
  /** The service's listening fd, opened on first use; a failure value when it cannot be. */
  fd(service: ServiceDescription): number | LaunchFailure;
  /** Closes every socket and removes its path (bosun exiting). */
  closeAll(): void;
}

/** dinit's rule: a socket-uid given by name also implies that user's primary group; -1 = unchanged. */
function impliedGid(socketUid: string | null): number {
  if (socketUid === null || /^\d+$/.test(socketUid)) return -1;
  return findUser(socketUid)?.gid ?? -1;
}

function open(service: ServiceDescription, path: string): number | LaunchFailure {
  const uid = service.socketUid === null ? null : userId(service.socketUid);
  const gid = service.socketGid === null ? null : groupId(service.socketGid);
  if (uid === null && service.socketUid !== null) return launchFailure("socket", null, `no such user: ${service.socketUid} (socket-uid)`);
  if (gid === null && service.socketGid !== null) return launchFailure("socket", null, `no such group: ${service.socketGid} (socket-gid)`);
  const owner = { uid: uid ?? -1, gid: gid ?? impliedGid(service.socketUid) };
  try {
    if (lstatSync(path, { throwIfNoEntry: false })?.isSocket()) rmSync(path); // stale from a previous run
  } catch (e) {
    return launchFailure("socket", errnoOf(e), path);
  }
  // bind under a tight umask, then widen: no window where others can connect early
  const umask = process.umask(0o177);
  let fd: number;
  try {
    fd = listenUnix(path);
  } catch (e) {
    const errno = e instanceof SysError ? e.code : errnoOf(e);
    return launchFailure("socket", errno, errno === "EADDRINUSE" ? `${path} exists and is not a socket` : path);
  } finally {
    process.umask(umask);
  }
  try {
    if (owner.uid !== -1 || owner.gid !== -1) chownSync(path, owner.uid, owner.gid);
    chmodSync(path, service.socketPermissions);
  } catch (e) {
    closeFd(fd);
    rmSync(path, { force: true });
    return launchFailure("socket", errnoOf(e), `setting owner/mode of ${path}`);
  }
  return fd;
}

/**
 * The registry of listening sockets for one daemon.
 *
 * @example
 * const listeners = createListeners();
 * const fd = listeners.fd(desc); // pass as stdio[3] with LISTEN_FDS=1
 */
export function createListeners(): Listeners {
  const sockets = new Map<string, { path: string; fd: number }>();
  return {
    fd(service) {
      const path = service.socketListen!;
      const held = sockets.get(service.name);
      if (held && held.path === path) return held.fd;
      if (held) {
        // the description changed its socket path: the old socket goes
        closeFd(held.fd);
        rmSync(held.path, { force: true });
        sockets.delete(service.name);
      }
      const fd = open(service, path);
      if (typeof fd === "number") sockets.set(service.name, { path, fd });
      return fd;
    },
    closeAll() {
      for (const { path, fd } of sockets.values()) {
        closeFd(fd);
        rmSync(path, { force: true });
      }
      sockets.clear();
    },
  };
}
