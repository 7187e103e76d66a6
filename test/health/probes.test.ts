/**
 * @module test/health/probes
 * The three probes against real things: an HTTP server that turns unhealthy on demand, a
 * redirect, a TCP port that closes and one that never answers, commands that start failing,
 * print too much, leave processes behind or hang past their timeout (their process group
 * killed, nothing left running); then the monitor on a real clock driving a real probe.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { dlopen, FFIType } from "bun:ffi";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { connect, type Socket } from "node:net";
import { join } from "node:path";
import { commandProbe } from "../../src/health/command.ts";
import { httpProbe } from "../../src/health/http.ts";
import { createMonitor } from "../../src/health/monitor.ts";
import { probeFor } from "../../src/health/probe.ts";
import { tcpProbe } from "../../src/health/tcp.ts";
import { OUTPUT_LIMIT } from "../../src/health/text.ts";
import type { CheckResult, HealthUpdate, Probe, ProbeChild } from "../../src/health/types.ts";
import { describe as description } from "../../src/config/schema.ts";
import { realClock } from "../../src/process/clock.ts";
import { removeTempDirs, tempDir } from "../support/files.ts";
import { alive } from "../support/proc.ts";
import { waitFor } from "../support/wait.ts";
import { groupMembers, plainSpawnProbe } from "./support.ts";

const tmp = tempDir();
afterAll(removeTempDirs);

/** A probe's signal that never aborts (the check decides alone). */
const never = () => new AbortController().signal;
/** A probe that also records what it settled with, for when the monitor drops a late result. */
function watched(probe: Probe) {
  const results: CheckResult[] = [];
  return { results, probe: (signal: AbortSignal) => probe(signal).then((r) => (results.push(r), r)) };
}

/** A monitor on the real clock with its updates collected. */
function monitored(probe: Probe, timing: { interval: number; timeout: number; retries?: number }) {
  const updates: HealthUpdate[] = [];
  const errors: unknown[] = [];
  const monitor = createMonitor({
    check: { retries: 1, startPeriod: 0, startInterval: 1, ...timing },
    probe,
    clock: realClock(),
    onUpdate: (u) => updates.push(u),
    onError: (e) => errors.push(e),
  });
  return { monitor, updates, errors };
}

describe("http", () => {
  let status = 200;
  let targetHits = 0;
  let hanging: (() => void)[] = [];
  let clientGone = 0;
  const server = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    fetch(req) {
      const path = new URL(req.url).pathname;
      if (path === "/old") return new Response(null, { status: 302, headers: { location: "/target" } });
      if (path === "/target") {
        targetHits++;
        return new Response("you were redirected", { status: 500 });
      }
      if (path === "/hang") {
        req.signal.addEventListener("abort", () => clientGone++);
        return new Promise((resolve) => hanging.push(() => resolve(new Response("late"))));
      }
      return new Response("body", { status });
    },
  });
  const url = (path: string) => `http://127.0.0.1:${server.port}${path}`;
  afterAll(() => {
    for (const release of hanging) release();
    hanging = [];
    server.stop(true);
  });

  test("healthy on 200-399, and says the status when the server turns unhealthy and back", async () => {
    const probe = httpProbe(url("/healthz"));
    expect(await probe(never())).toEqual({ ok: true, text: "HTTP 200 OK" });
    status = 503;
    expect(await probe(never())).toEqual({ ok: false, text: "HTTP 503 Service Unavailable" });
    status = 404;
    expect(await probe(never())).toEqual({ ok: false, text: "HTTP 404 Not Found" });
    status = 204;
    expect(await probe(never())).toEqual({ ok: true, text: "HTTP 204 No Content" });
    status = 200;
  });

  test("a redirect is not followed: its own status is the answer", async () => {
    expect(await httpProbe(url("/old"))(never())).toEqual({ ok: true, text: "HTTP 302 Found (redirect to /target, not followed)" });
    expect(targetHits).toBe(0);
  });

  test("a request still unanswered when aborted is dropped, and the server sees the client go", async () => {
    const controller = new AbortController();
    const result = httpProbe(url("/hang"))(controller.signal);
    await waitFor("the request to reach the server", () => hanging.length === 1);
    controller.abort(new DOMException("timed out after 0.2 s", "TimeoutError"));
    expect(await result).toEqual({ ok: false, text: "timed out after 0.2 s" });
    await waitFor("the server to see the probe's request aborted", () => clientGone === 1);
  });

  test("an https URL with a self-signed certificate is probed without verifying it", async () => {
    const key = join(tmp, "key.pem");
    const cert = join(tmp, "cert.pem");
    const made = Bun.spawnSync(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", key, "-out", cert, "-days", "1", "-subj", "/CN=example.invalid"], { stderr: "pipe" });
    expect(made.exitCode).toBe(0);
    const secure = Bun.serve({ port: 0, hostname: "127.0.0.1", tls: { key: readFileSync(key, "utf8"), cert: readFileSync(cert, "utf8") }, fetch: () => new Response("ok") });
    try {
      expect(await httpProbe(`https://127.0.0.1:${secure.port}/`)(never())).toEqual({ ok: true, text: "HTTP 200 OK" });
    } finally {
      secure.stop(true);
    }
  });

  test("a server that is gone is 'connection refused' naming where", async () => {
    const gone = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: () => new Response("ok") });
    const port = gone.port;
    gone.stop(true);
    expect(await httpProbe(`http://127.0.0.1:${port}/healthz`)(never())).toEqual({ ok: false, text: `connection refused by 127.0.0.1:${port}` });
  });

  test("a monitor on the real clock follows a server that turns unhealthy on demand and back", async () => {
    status = 200;
    const m = monitored(httpProbe(url("/healthz")), { interval: 0.02, timeout: 5, retries: 2 });
    m.monitor.begin();
    try {
      await waitFor("a healthy check", () => m.monitor.status().state === "healthy");
      status = 500;
      await waitFor("unhealthy after 2 failures", () => m.monitor.status().state === "unhealthy");
      expect(m.monitor.status()).toMatchObject({ failures: 2, text: "HTTP 500 Internal Server Error" });
      status = 200;
      await waitFor("healthy again", () => m.monitor.status().state === "healthy");
    } finally {
      m.monitor.end();
      status = 200;
    }
    const changes = m.updates.flatMap((u) => (u.change ? [u.change.to] : []));
    expect(changes).toEqual(["healthy", "unhealthy", "healthy"]);
    expect(m.errors).toEqual([]);
  });
});

describe("tcp", () => {
  test("connects while the port listens, and says 'connection refused' once it closes", async () => {
    const listener = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
    const address = `127.0.0.1:${listener.port}`;
    const probe = tcpProbe(address);
    expect(await probe(never())).toEqual({ ok: true, text: `connected to ${address}` });
    listener.stop(true);
    expect(await probe(never())).toEqual({ ok: false, text: `connection refused by ${address}` });
  });

  test("a connect that is never answered is dropped when aborted, leaving no socket behind", async () => {
    // A listener whose accept queue (backlog 0) is full: the kernel drops further SYNs.
    const libc = dlopen("libc.so.6", {
      socket: { args: [FFIType.i32, FFIType.i32, FFIType.i32], returns: FFIType.i32 },
      bind: { args: [FFIType.i32, FFIType.ptr, FFIType.u32], returns: FFIType.i32 },
      listen: { args: [FFIType.i32, FFIType.i32], returns: FFIType.i32 },
      getsockname: { args: [FFIType.i32, FFIType.ptr, FFIType.ptr], returns: FFIType.i32 },
      close: { args: [FFIType.i32], returns: FFIType.i32 },
    });
    const fd = libc.symbols.socket(2 /* AF_INET */, 1 /* SOCK_STREAM */, 0);
    const addr = new Uint8Array(new ArrayBuffer(16));
    addr.set([2, 0, 0, 0, 127, 0, 0, 1]); // sin_family AF_INET, port 0, 127.0.0.1
    const len = new Uint32Array(new ArrayBuffer(4));
    len[0] = 16;
    let filler: Socket | null = null;
    try {
      expect(libc.symbols.bind(fd, addr, 16)).toBe(0);
      expect(libc.symbols.listen(fd, 0)).toBe(0);
      libc.symbols.getsockname(fd, addr, len);
      const port = (addr[2]! << 8) | addr[3]!;
      const queued = connect({ host: "127.0.0.1", port });
      filler = queued;
      await new Promise((resolve, reject) => queued.once("connect", resolve).once("error", reject));
      const address = `127.0.0.1:${port}`;
      // /proc/net/tcp rows: sl, local, remote (hex IP:PORT), state (02 = SYN-SENT), ...
      const hexPort = port.toString(16).toUpperCase().padStart(4, "0");
      const connecting = () =>
        readFileSync("/proc/net/tcp", "latin1")
          .split("\n")
          .map((row) => row.trim().split(/\s+/))
          .filter((f) => f[2]?.endsWith(`:${hexPort}`) && f[3] === "02");
      const controller = new AbortController();
      const result = tcpProbe(address)(controller.signal);
      await waitFor("the probe's connect to hang in SYN-SENT", () => connecting().length === 1);
      controller.abort(new DOMException("timed out after 0.3 s", "TimeoutError"));
      expect(await result).toEqual({ ok: false, text: `timed out after 0.3 s connecting to ${address}` });
      await waitFor("the probe's connecting socket to be closed", () => connecting().length === 0);
    } finally {
      filler?.destroy();
      libc.symbols.close(fd);
      libc.close();
    }
  });
});

describe("command", () => {
  const sh = (script: string) => ["/bin/sh", "-c", script];
  // Every probe command, so a failed test leaves nothing running: a group still with members
  // still holds its pgid (the kernel reuses no pid in use as one), so killing it hits only ours.
  const spawned: ProbeChild[] = [];
  const spawnProbe = plainSpawnProbe(spawned);
  afterAll(() => {
    for (const child of spawned) {
      if (groupMembers(child.pid).length > 0) process.kill(-child.pid, "SIGKILL");
    }
  });

  test("healthy while it exits 0, then says its exit and output once it starts failing", async () => {
    const state = join(tmp, "state");
    writeFileSync(state, "ok\n");
    const probe = commandProbe(sh(`cat ${state}; test "$(cat ${state})" = ok`), spawnProbe);
    expect(await probe(never())).toEqual({ ok: true, text: "ok" });
    writeFileSync(state, "disk full\n");
    expect(await probe(never())).toEqual({ ok: false, text: "exited with 1: disk full" });
    expect(await commandProbe(sh("kill -9 $$"), spawnProbe)(never())).toEqual({ ok: false, text: "killed by KILL" });
  });

  test("its output, stdout and stderr, is cut to the last few hundred bytes", async () => {
    const result = await commandProbe(sh("seq 1 20000; echo 'the last line' >&2"), spawnProbe)(never());
    expect(result.ok).toBe(true);
    expect(result.text.startsWith("…")).toBe(true);
    expect(result.text.endsWith("19999\n20000\nthe last line")).toBe(true);
    expect(new TextEncoder().encode(result.text).length).toBeLessThanOrEqual(OUTPUT_LIMIT + 3);
  });

  test("what it leaves running in its process group is killed when it exits, and the result does not wait for it", async () => {
    // the background sleep holds the output pipe open: unkilled, the result would wait for it
    const result = await commandProbe(sh("sleep 1000 & echo started"), spawnProbe)(never());
    expect(result).toEqual({ ok: true, text: "started" });
    await waitFor("the probe's process group to be empty", () => groupMembers(spawned.at(-1)!.pid).length === 0);
  });

  test("a check that cannot start is a failure saying why", async () => {
    expect(await commandProbe(["/no/such/check"], spawnProbe)(never())).toEqual({
      ok: false,
      text: "could not start: exec: ENOENT (no such file: /no/such/check)",
    });
  });

  test("a check that hangs past its timeout fails then, and its process group is killed", async () => {
    const { probe, results } = watched(commandProbe(sh("sleep 1000 & wait"), spawnProbe));
    const m = monitored(probe, { interval: 60, timeout: 0.3 });
    m.monitor.begin();
    try {
      await waitFor("the timed-out check", () => m.updates[0]);
      expect(m.updates[0]!).toMatchObject({ outcome: "timeout", status: { state: "unhealthy", text: "timed out after 0.3 s" } });
      await waitFor("the aborted probe to settle", () => results[0]);
    } finally {
      m.monitor.end();
    }
    expect(results[0]).toEqual({ ok: false, text: "timed out after 0.3 s; its process group was killed" });
    await waitFor("the probe's process group to be empty", () => groupMembers(spawned.at(-1)!.pid).length === 0);
  });

  test("aborting a running check kills its whole process group, a background child included, and keeps its output so far", async () => {
    const pids = join(tmp, "pids");
    const controller = new AbortController();
    const result = commandProbe(sh(`echo waiting; sleep 1000 & echo $$ $! > ${pids}.new; mv ${pids}.new ${pids}; wait`), spawnProbe)(controller.signal);
    const [shell, sleeper] = await waitFor("the check to start its background child", () => existsSync(pids) && readFileSync(pids, "utf8").trim().split(" ").map(Number));
    expect(shell).toBe(spawned.at(-1)!.pid);
    expect(alive(sleeper!)).toBe(true);
    controller.abort(new DOMException("timed out after 30 s", "TimeoutError"));
    const { ok, text } = await result;
    expect(ok).toBe(false);
    // the output read before the abort is kept; how much was read by then is not up to the test
    expect(text).toMatch(/^timed out after 30 s; its process group was killed(: waiting)?$/);
    await waitFor("the background child to be killed", () => !alive(sleeper!));
    await waitFor("the probe's process group to be empty", () => groupMembers(shell!).length === 0);
  });

  test("probeFor picks the runner the description names", async () => {
    const d = description({ name: "job", type: "process", command: ["/bin/true"], health: { command: sh("echo from the check"), http: null, tcp: null } });
    expect(await probeFor(d.health!, spawnProbe)(never())).toEqual({ ok: true, text: "from the check" });
  });
});
