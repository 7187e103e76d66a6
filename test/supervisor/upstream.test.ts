/**
 * @module test/supervisor/upstream
 * What bosun tells the NOTIFY_SOCKET it was started with, read from a real datagram socket (a
 * path, and one in the abstract namespace): STATUS= only when its line changes, READY=1 once,
 * STOPPING=1 once with a STATUS= per shutdown step, nothing after; a socket gone is one warning.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { join } from "node:path";
import { closeFd, datagramSocket, recvDatagram } from "../../src/process/sys.ts";
import { createUpstream } from "../../src/supervisor/upstream.ts";
import type { Verdict } from "../../src/supervisor/verdict.ts";
import { removeTempDirs, tempDir } from "../support/files.ts";
import { waitFor } from "../support/wait.ts";

// The test's socket raises SIGIO here when a datagram arrives; its default action would end the test.
const ignore = () => {};
const tmp = tempDir();
beforeAll(() => {
  process.on("SIGIO", ignore);
});
afterAll(() => {
  process.off("SIGIO", ignore);
  removeTempDirs();
});

const NOT_READY: Verdict = { ok: false, services: [{ name: "web", ok: false, reason: "starting", optional: false }] };
const READY: Verdict = { ok: true, services: [{ name: "web", ok: true, reason: null, optional: false }] };

/** A datagram socket at `path`; `take()` returns what arrived since the last call. */
function listen(path: string) {
  const fd = datagramSocket(path);
  const take = () => {
    const got: string[] = [];
    for (let m = recvDatagram(fd); m !== null; m = recvDatagram(fd)) got.push(new TextDecoder().decode(m));
    return got;
  };
  return { fd, take };
}

test("STATUS= when its line changes, READY=1 the first time it is ready, STOPPING=1 once, then nothing", () => {
  const path = join(tmp, "n.sock");
  const socket = listen(path);
  const warnings: string[] = [];
  const up = createUpstream(path, (m) => warnings.push(m));
  up.update(NOT_READY);
  up.update(NOT_READY);
  expect(socket.take()).toEqual(["STATUS=not ready: web: starting"]);
  up.update(READY);
  up.update(NOT_READY);
  up.update(READY);
  expect(socket.take()).toEqual(["STATUS=ready\nREADY=1", "STATUS=not ready: web: starting", "STATUS=ready"]);
  up.stopping("draining (TERM)");
  up.stopping("stopping (SIGTERM during the drain)");
  up.update(NOT_READY);
  expect(socket.take()).toEqual(["STOPPING=1\nSTATUS=draining (TERM)", "STATUS=stopping (SIGTERM during the drain)"]);
  expect(warnings).toEqual([]);
  up.close();
  closeFd(socket.fd);
});

test("a socket in the abstract namespace (@name, as systemd gives) is reached", async () => {
  const name = `@bosun-test-${process.pid}`;
  const socket = listen(name);
  const up = createUpstream(name, () => {});
  up.update(READY);
  expect(await waitFor("the datagram", () => socket.take()[0])).toBe("STATUS=ready\nREADY=1");
  up.close();
  closeFd(socket.fd);
});

test("a socket nobody listens on any more costs one warning naming it, and bosun goes on", () => {
  const path = join(tmp, "gone.sock");
  const warnings: string[] = [];
  const up = createUpstream(path, (m) => warnings.push(m));
  up.update(NOT_READY);
  up.update(READY);
  up.stopping("stopping (SIGTERM)");
  expect(warnings).toEqual([`NOTIFY_SOCKET ${path}: cannot report readiness: sendto: ENOENT; bosun goes on without telling it`]);
  up.close();
});
