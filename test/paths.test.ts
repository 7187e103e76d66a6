/**
 * @module test/paths
 * Where the socket and the service directories are for root, for a user with a home, and for a
 * user with nothing (no HOME, no XDG variables, no passwd entry: a container's `USER 1000`).
 */
import { expect, test } from "bun:test";
import { serviceDirs, socketPath } from "../src/paths.ts";

/** A uid that no /etc/passwd on these machines lists. */
const NO_ENTRY = 4242;

test("the socket is -p, else $BOSUN_SOCKET, else /run/bosun.sock for root", () => {
  expect(socketPath({ flag: "/x.sock", env: { BOSUN_SOCKET: "/y.sock" }, uid: 0 })).toBe("/x.sock");
  expect(socketPath({ env: { BOSUN_SOCKET: "/y.sock" }, uid: 1000 })).toBe("/y.sock");
  expect(socketPath({ env: { XDG_RUNTIME_DIR: "/run/user/0" }, uid: 0 })).toBe("/run/bosun.sock");
});

test("a user's socket is in $XDG_RUNTIME_DIR, else in a private directory named by uid alone", () => {
  expect(socketPath({ env: { XDG_RUNTIME_DIR: "/run/user/1000" }, uid: 1000 })).toBe("/run/user/1000/bosun.sock");
  expect(socketPath({ env: {}, uid: NO_ENTRY })).toBe(`/tmp/bosun-${NO_ENTRY}/bosun.sock`);
});

test("service dirs: root has /etc/bosun/services; a user has its config dir first", () => {
  expect(serviceDirs({ env: { HOME: "/root" }, uid: 0 })).toEqual(["/etc/bosun/services"]);
  expect(serviceDirs({ env: { HOME: "/home/ann" }, uid: 1000 })).toEqual(["/home/ann/.config/bosun/services", "/etc/bosun/services"]);
  expect(serviceDirs({ env: { HOME: "/home/ann", XDG_CONFIG_HOME: "/cfg" }, uid: 1000 })).toEqual(["/cfg/bosun/services", "/etc/bosun/services"]);
  expect(serviceDirs({ flags: ["a", "b"], env: {}, uid: 1000 })).toEqual(["a", "b"]);
});

test("service dirs of a user without HOME come from its passwd entry, and without one are /etc/bosun/services alone", () => {
  expect(serviceDirs({ env: {}, uid: 65534 })).toEqual(["/nonexistent/.config/bosun/services", "/etc/bosun/services"]);
  expect(serviceDirs({ env: {}, uid: NO_ENTRY })).toEqual(["/etc/bosun/services"]);
  expect(serviceDirs({ env: { HOME: "" }, uid: NO_ENTRY })).toEqual(["/etc/bosun/services"]);
});
