/**
 * @module control/socket
 * Claiming the control socket path: a stale socket left by a killed bosun is replaced, a live
 * bosun answering there (or a path that is not a socket) makes the new one refuse to start.
 */
import { lstatSync, unlinkSync } from "node:fs";
import { connect } from "node:net";

/** True when something accepts a connection on the unix socket at `path`. */
function answers(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = connect(path);
    sock.once("connect", () => {
      sock.destroy();
      resolve(true);
    });
    sock.once("error", () => resolve(false));
  });
}

/**
 * Makes `path` free for a new listening socket, or throws an Error saying why it cannot be.
 *
 * @example
 * await claimSocketPath("/run/bosun.sock"); // unlinks a stale socket, throws if bosun runs
 */
export async function claimSocketPath(path: string): Promise<void> {
  let st;
  try {
    st = lstatSync(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return;
    throw new Error(`control socket ${path}: ${(e as Error).message}`);
  }
  if (!st.isSocket()) {
    throw new Error(`control socket ${path} exists and is not a socket; remove it or pass -p SOCKET`);
  }
  if (await answers(path)) {
    throw new Error(`another bosun is already running on ${path}; stop it first or pass -p SOCKET`);
  }
  unlinkSync(path);
}
