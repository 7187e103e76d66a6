/**
 * @module process/sys
 * The few Linux calls Bun does not offer, through bun:ffi: becoming a child subreaper, reaping
 * one pid, spawning into a new pid namespace, and unix sockets bosun must hold as raw fds (the
 * listening socket passed to a service as fd 3, the datagram sockets of the systemd notify
 * protocol: its services' and the one bosun itself reports to).
 *
 * Every buffer handed to the kernel is a fresh `new Uint8Array(new ArrayBuffer(n))` passed as
 * the typed array itself: a cached `ptr()` goes stale once the caller is JIT-compiled and the
 * kernel then writes into abandoned memory (wrong exit codes, even segfaults).
 */
import { dlopen, FFIType, read } from "bun:ffi";
import { closeSync, openSync } from "node:fs";
import { constants } from "node:os";

const libc = dlopen("libc.so.6", {
  // arg2 is a number for PR_SET_CHILD_SUBREAPER, a pointer for PR_GET_CHILD_SUBREAPER
  prctl: { args: [FFIType.i32, FFIType.ptr, FFIType.u64, FFIType.u64, FFIType.u64], returns: FFIType.i32 },
  waitpid: { args: [FFIType.i32, FFIType.ptr, FFIType.i32], returns: FFIType.i32 },
  socket: { args: [FFIType.i32, FFIType.i32, FFIType.i32], returns: FFIType.i32 },
  bind: { args: [FFIType.i32, FFIType.ptr, FFIType.u32], returns: FFIType.i32 },
  listen: { args: [FFIType.i32, FFIType.i32], returns: FFIType.i32 },
  fcntl: { args: [FFIType.i32, FFIType.i32, FFIType.i64], returns: FFIType.i32 },
  recv: { args: [FFIType.i32, FFIType.ptr, FFIType.u64, FFIType.i32], returns: FFIType.i64 },
  sendto: { args: [FFIType.i32, FFIType.ptr, FFIType.u64, FFIType.i32, FFIType.ptr, FFIType.u32], returns: FFIType.i64 },
  close: { args: [FFIType.i32], returns: FFIType.i32 },
  unshare: { args: [FFIType.i32], returns: FFIType.i32 },
  setns: { args: [FFIType.i32, FFIType.i32], returns: FFIType.i32 },
  __errno_location: { args: [], returns: FFIType.ptr },
});
const c = libc.symbols;

const PR_SET_CHILD_SUBREAPER = 36;
const PR_GET_CHILD_SUBREAPER = 37;
const CLONE_NEWPID = 0x20000000;
const WNOHANG = 1;
const AF_UNIX = 1;
const SOCK_STREAM = 1;
const SOCK_DGRAM = 2;
const SOCK_NONBLOCK = 0o4000;
const SOCK_CLOEXEC = 0o2000000;
const F_GETFL = 3;
const F_SETFL = 4;
const F_SETOWN = 8;
const O_ASYNC = 0o20000;
const MSG_DONTWAIT = 0x40;
const MSG_NOSIGNAL = 0x4000;

const errnoNames = new Map(Object.entries(constants.errno).map(([name, n]) => [n, name]));

/** A failed system call: `code` is the errno name (`EADDRINUSE`), `syscall` the call. */
export class SysError extends Error {
  constructor(
    readonly syscall: string,
    readonly code: string,
  ) {
    super(`${syscall}: ${code}`);
  }
}

function lastError(syscall: string): SysError {
  const errno = read.i32(c.__errno_location()!, 0);
  return new SysError(syscall, errnoNames.get(errno) ?? `errno ${errno}`);
}

/** Reads errno before close() can change it, then closes the fd and throws. */
function closeAndFail(fd: number, syscall: string): never {
  const err = lastError(syscall);
  c.close(fd);
  throw err;
}

/**
 * Makes orphans of our descendants come back to us instead of to PID 1 (`on`), so a daemon
 * that double-forks is still ours to reap and supervise; or stops that again.
 */
export function setSubreaper(on: boolean): void {
  if (c.prctl(PR_SET_CHILD_SUBREAPER, on ? 1 : 0, 0, 0, 0) !== 0) throw lastError("prctl(PR_SET_CHILD_SUBREAPER)");
}

/** Whether orphans of our descendants come to us (`setSubreaper(true)` in effect). */
export function isSubreaper(): boolean {
  const flag = new Int32Array(new ArrayBuffer(4));
  if (c.prctl(PR_GET_CHILD_SUBREAPER, flag, 0, 0, 0) !== 0) throw lastError("prctl(PR_GET_CHILD_SUBREAPER)");
  return flag[0] !== 0;
}

/**
 * Reaps one child if it has ended: its raw wait status, or null if it is still running or
 * not our child (ECHILD).
 */
export function reapPid(pid: number): number | null {
  const status = new Int32Array(new ArrayBuffer(4));
  const r = c.waitpid(pid, status, WNOHANG);
  return r === pid ? status[0]! : null;
}

/**
 * Runs `spawn` (a synchronous Bun.spawn) so that the process it creates is in another pid
 * namespace while staying bosun's own child, so its exit status reaches bosun as is: `new`
 * makes it the init of a fresh one, a pid puts it into that process's. unshare and setns with
 * CLONE_NEWPID only change where the calling thread's next children go, and setns puts that back
 * at once: nothing else is spawned in between, since JavaScript runs on this one thread. Root only.
 *
 * @example
 * const proc = inPidNamespace("new", () => spawnChild(["sh", "-c", "echo $$"])); // prints 1
 */
export function inPidNamespace<T>(target: "new" | number, spawn: () => T): T {
  const own = openSync("/proc/self/ns/pid", "r");
  let theirs: number | null = null;
  try {
    if (target === "new") {
      if (c.unshare(CLONE_NEWPID) !== 0) throw lastError("unshare(CLONE_NEWPID)");
    } else {
      try {
        theirs = openSync(`/proc/${target}/ns/pid`, "r");
      } catch {
        throw new SysError(`open(/proc/${target}/ns/pid)`, "ESRCH");
      }
      if (c.setns(theirs, CLONE_NEWPID) !== 0) throw lastError("setns(CLONE_NEWPID)");
    }
    try {
      return spawn();
    } finally {
      // a failure here would send every later spawn into that namespace: it must not pass silently
      if (c.setns(own, CLONE_NEWPID) !== 0) throw new Error(`cannot return to bosun's own pid namespace: ${lastError("setns").code}`);
    }
  } finally {
    closeSync(own);
    if (theirs !== null) closeSync(theirs);
  }
}

/**
 * A sockaddr_un for `path`; a leading `@` names a socket in the abstract namespace (as
 * systemd writes NOTIFY_SOCKET), which has a NUL first and no terminating NUL.
 */
function sockaddrUn(path: string, syscall = "bind"): Uint8Array {
  const abstract = path.startsWith("@");
  const bytes = new TextEncoder().encode(abstract ? path.slice(1) : path);
  // sun_path is 108 bytes including the terminating NUL (or the leading one of an abstract name)
  if (bytes.length > 107) throw new SysError(syscall, "ENAMETOOLONG");
  const addr = new Uint8Array(new ArrayBuffer(2 + bytes.length + 1));
  addr[0] = AF_UNIX; // sa_family_t, little-endian u16
  addr.set(bytes, abstract ? 3 : 2);
  return addr;
}

function boundSocket(type: number, path: string): number {
  const fd = c.socket(AF_UNIX, type | SOCK_CLOEXEC, 0);
  if (fd < 0) throw lastError("socket");
  const addr = sockaddrUn(path);
  if (c.bind(fd, addr, addr.length) !== 0) closeAndFail(fd, "bind");
  return fd;
}

/**
 * A listening unix stream socket bound at `path` (which must not exist). The fd is
 * close-on-exec: Bun's spawn maps it onto the child's fd 3 explicitly.
 */
export function listenUnix(path: string, backlog = 128): number {
  const fd = boundSocket(SOCK_STREAM, path);
  if (c.listen(fd, backlog) !== 0) closeAndFail(fd, "listen");
  return fd;
}

/**
 * A non-blocking unix datagram socket at `path` that raises SIGIO in this process when a
 * datagram arrives. (Reading it through a Bun stream would merge datagrams that arrive in a
 * burst; SIGIO plus `recvDatagram` keeps each message whole.)
 */
export function datagramSocket(path: string): number {
  const fd = boundSocket(SOCK_DGRAM | SOCK_NONBLOCK, path);
  if (c.fcntl(fd, F_SETOWN, process.pid) !== 0 || c.fcntl(fd, F_SETFL, c.fcntl(fd, F_GETFL, 0) | O_ASYNC) !== 0) {
    closeAndFail(fd, "fcntl(O_ASYNC)");
  }
  return fd;
}

/** The next datagram waiting on a non-blocking socket, or null when none is. */
export function recvDatagram(fd: number): Uint8Array | null {
  const buf = new Uint8Array(new ArrayBuffer(4096));
  const n = Number(c.recv(fd, buf, buf.length, MSG_DONTWAIT));
  return n < 0 ? null : buf.subarray(0, n);
}

/** An unbound unix datagram socket to send from (close it with `closeFd`). */
export function datagramClient(): number {
  const fd = c.socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw lastError("socket");
  return fd;
}

/**
 * Sends one datagram from `fd` to the socket at `path` (`@name`: the abstract namespace),
 * without blocking; throws a SysError (ECONNREFUSED when nothing listens there any more).
 */
export function sendDatagram(fd: number, path: string, message: Uint8Array): void {
  const addr = sockaddrUn(path, "sendto");
  const data = new Uint8Array(new ArrayBuffer(Math.max(1, message.length)));
  data.set(message);
  if (Number(c.sendto(fd, data, message.length, MSG_DONTWAIT | MSG_NOSIGNAL, addr, addr.length)) < 0) throw lastError("sendto");
}

/** Closes a raw fd; errors are ignored since there is nothing to do about them. */
export function closeFd(fd: number): void {
  c.close(fd);
}
