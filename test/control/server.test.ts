/**
 * The control server against a real bosun: the socket file (mode, stale, second instance,
 * not a socket), the limits (body size, malformed JSON, floods, slow subscribers), the event
 * stream, and the TCP listener (probes, metrics, control refused without the token).
 *
 * Every test starts from the same daemon state (beforeEach): nothing open but the quiet stream,
 * flip and bounce stopped. A test that leaves a stream or a service behind fails the next one
 * with a message saying so, instead of confusing it.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, setDefaultTimeout, test } from "bun:test";
import { chmodSync, statSync, writeFileSync } from "node:fs";
import { connect, type Socket } from "node:net";
import { join } from "node:path";
import * as v from "valibot";
import { ErrorJson, EventJson, LogLineJson } from "../../src/control/schemas.ts";
import { asNobody, NOBODY_CWD, removeBundle } from "../support/other-user.ts";
import { bosunArgv, cli, spawnCli } from "../support/cli.ts";
import { boot, type Daemon } from "../support/daemon.ts";
import { removeTempDirs, tempDir, writeFiles } from "../support/files.ts";
import { waitFor } from "../support/wait.ts";

/** web prints `ping` on SIGUSR1 (bosun signals its process group: sleep dies, sh's wait returns). */
const WEB_SCRIPT = "trap 'echo ping' USR1\nwhile :; do sleep 1000 & wait; done\n";

const services = (dir: string) => ({
  boot: "type = internal\ndepends-on = web\n",
  web: `type = process\ncommand = /bin/sh ${join(dir, "web.sh")}\nrestart = no\n`,
  // flip is cycled by the event tests, bounce only by the slow-subscriber test.
  flip: "type = internal\n",
  bounce: "type = internal\n",
});

/** Writes web's script and the service files into `dir`. */
function prepare(dir: string): void {
  writeFileSync(join(dir, "web.sh"), WEB_SCRIPT);
  writeFiles(join(dir, "services"), services(dir));
}

// Each test runs the CLI a few times (~150 ms each on 2 busy cores); the waits below are shorter.
setDefaultTimeout(30000);

/** Bun closes a connection silent for ~10 s; the quiet stream must outlive that. */
const IDLE_CLOSE_MS = 10000;

let dir: string;
let d: Daemon;
/** A follow stream of web's log, opened first and checked last: it must outlive Bun's idle timeout. */
let quiet: { res: Response; openedAt: number };

beforeAll(async () => {
  dir = tempDir();
  prepare(dir);
  d = await boot(dir, { healthListen: true }).answering();
  quiet = { res: await fetch("http://bosun/v1/services/web/logs?follow=1", { unix: d.socket }), openedAt: Date.now() };
});

afterAll(async () => {
  removeBundle();
  // The quiet stream may have ended with an error already; cancelling it then rejects.
  await quiet?.res.body?.cancel().catch(() => {});
  try {
    await d?.stop();
  } finally {
    removeTempDirs();
  }
});

/** bosun_control_connections when no test has anything open: the quiet stream alone. */
const IDLE = 1;

beforeEach(async () => {
  await gaugeAt(IDLE, "the requests and streams of earlier tests to close (only the quiet stream open)");
  let states = "";
  await waitFor("flip and bounce to be stopped", async () => {
    const list = (await (await fetch("http://bosun/v1/services", { unix: d.socket })).json()) as { name: string; state: string }[];
    const cycled = list.filter((s) => s.name === "flip" || s.name === "bounce");
    states = cycled.map((s) => `${s.name} ${s.state}`).join(", ");
    return cycled.every((s) => s.state === "stopped");
  }).catch((e) => {
    throw new Error(`${(e as Error).message} (an earlier test left ${states})`);
  });
});

const post = (path: string, body: string, headers: Record<string, string> = { "content-type": "application/json" }) =>
  fetch(`http://bosun${path}`, { unix: d.socket, method: "POST", body, headers });

/** The samples of /metrics, by name (without labels). */
async function sample(name: string): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${d.port}/metrics`)).text();
  return Number(new RegExp(`^${name} (\\d+)$`, "m").exec(text)?.[1]);
}

/** The open-connections gauge of /metrics. */
const connections = () => sample("bosun_control_connections");

/** Waits until the connections gauge reads `value`; the failure names the last reading. */
async function gaugeAt(value: number, what: string, ms = 10000): Promise<void> {
  let last = NaN;
  await waitFor(what, async () => (last = await connections()) === value, ms).catch((e) => {
    throw new Error(`${(e as Error).message}: bosun_control_connections is ${last}, expected ${value}`);
  });
}

/** Opens a raw connection to the control socket. */
function raw(socket: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect(socket);
    s.once("connect", () => resolve(s));
    s.once("error", reject);
  });
}

describe("the socket", () => {
  test("is created owner-only (0600), so another user cannot control bosun", async () => {
    expect(statSync(d.socket).mode & 0o777).toBe(0o600);
    // Let the other user reach the socket file itself: only its own mode stands in the way.
    chmodSync(dir, 0o711);
    try {
      const other = Bun.spawn(asNobody(["list", "-p", d.socket]), {
        cwd: NOBODY_CWD,
        stdout: "pipe",
        stderr: "pipe",
        env: { ...process.env, NO_COLOR: "1", HOME: "/tmp" },
      });
      const [code, err] = await Promise.all([other.exited, new Response(other.stderr).text()]);
      expect(code).toBe(1);
      expect(err).toContain("permission denied");
    } finally {
      chmodSync(dir, 0o700);
    }
  });

  test("a second bosun on the same socket refuses to start, and the first keeps serving", async () => {
    const { code, stderr: err } = await spawnCli(["boot", "-p", d.socket, "-d", join(dir, "services")]);
    expect(code).not.toBe(0);
    expect(err).toContain("another bosun is already running");
    expect((await cli(d.socket, "list")).code).toBe(0);
  });

  test("a stale socket from a killed bosun is replaced", async () => {
    const other = tempDir();
    writeFiles(join(other, "services"), { boot: "type = internal\n" });
    const first = await boot(other, { healthListen: true }).answering();
    first.proc.kill("SIGKILL");
    await first.proc.exited;
    expect(statSync(first.socket).isSocket()).toBe(true);
    const second = await boot(other, { healthListen: true }).answering();
    expect((await cli(second.socket, "list")).code).toBe(0);
    expect(await second.stop()).toBe(0);
  });

  test("a path that is not a socket is refused, not overwritten", async () => {
    const other = tempDir();
    writeFiles(join(other, "services"), { boot: "type = internal\n" });
    writeFileSync(join(other, "bosun.sock"), "precious");
    await expect(boot(other, { healthListen: true }).answering()).rejects.toThrow("is not a socket");
  });
});

describe("bad requests", () => {
  test("a body over 64 KiB gets 413 in JSON", async () => {
    const res = await post("/v1/services/web/start", JSON.stringify({ pin: false, pad: "x".repeat(70 * 1024) }));
    expect(res.status).toBe(413);
    expect(v.parse(ErrorJson, await res.json()).error.code).toBe("too-large");
  });

  test("malformed JSON gets 400 naming the body", async () => {
    const res = await post("/v1/services/web/start", "{not json");
    expect(res.status).toBe(400);
    expect(v.parse(ErrorJson, await res.json()).error.field).toBe("body");
  });

  test("a field of the wrong type gets 400 naming the field", async () => {
    const res = await post("/v1/services/web/stop", JSON.stringify({ force: "yes" }));
    expect(res.status).toBe(400);
    expect(v.parse(ErrorJson, await res.json()).error.field).toBe("body.force");
    const unknown = await post("/v1/services/web/frobnicate", "{}");
    expect(unknown.status).toBe(400);
    expect(v.parse(ErrorJson, await unknown.json()).error.field).toBe("param.action");
  });

  test("an unknown service gets 404 and a refused stop 409 with the dependents", async () => {
    const missing = await fetch("http://bosun/v1/services/nosuch", { unix: d.socket });
    expect(missing.status).toBe(404);
    const refused = await post("/v1/services/web/stop", "{}");
    expect(refused.status).toBe(409);
    expect(v.parse(ErrorJson, await refused.json()).error.dependents).toEqual(["boot"]);
  });

  test("a flood of connections stays bounded and bosun keeps answering", async () => {
    const sockets: Socket[] = [];
    try {
      // Half-sent requests that never complete, and follow streams past the limit.
      for (let i = 0; i < 200; i++) {
        const s = await raw(d.socket);
        s.on("error", () => {});
        s.write("GET /v1/services HTTP/1.1\r\nHost: x\r\n");
        sockets.push(s);
      }
      const streams = await Promise.all(
        Array.from({ length: 60 }, () => fetch("http://bosun/v1/events", { unix: d.socket })),
      );
      const busy = streams.filter((r) => r.status === 503).length;
      expect(busy).toBeGreaterThan(0);
      expect(streams.filter((r) => r.status === 200).length).toBeLessThanOrEqual(32);
      expect((await cli(d.socket, "list")).code).toBe(0);
      for (const r of streams) await r.body?.cancel();
      await gaugeAt(IDLE, "the streams to be released");
    } finally {
      for (const s of sockets) s.destroy();
    }
  });
});

/** Reads server-sent events from a response until `count` of them arrived. */
async function readEvents(res: Response, count: number): Promise<v.InferOutput<typeof EventJson>[]> {
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  const events = [];
  let pending = "";
  while (events.length < count) {
    const { value, done } = await reader.read();
    if (done) break;
    pending += decoder.decode(value, { stream: true });
    let end;
    while ((end = pending.indexOf("\n\n")) >= 0) {
      const block = pending.slice(0, end);
      pending = pending.slice(end + 2);
      const data = block.split("\n").find((l) => l.startsWith("data: "));
      if (data) events.push(v.parse(EventJson, JSON.parse(data.slice(6))));
    }
  }
  await reader.cancel();
  return events;
}

describe("events", () => {
  test("a subscriber receives the events of a start and a stop in order", async () => {
    const res = await fetch("http://bosun/v1/events", { unix: d.socket });
    expect(res.headers.get("content-type")).toContain("text/event-stream");
    expect((await cli(d.socket, "start", "flip")).code).toBe(0);
    expect((await cli(d.socket, "stop", "flip")).code).toBe(0);
    const events = (await readEvents(res, 4)).filter((e) => e.service === "flip");
    const steps = events.map((e) => `${e.from}->${e.state}`);
    expect(steps).toEqual(["stopped->starting", "starting->started", "started->stopping", "stopping->stopped"]);
    const seqs = events.map((e) => e.seq);
    expect([...seqs].sort((a, b) => a - b)).toEqual(seqs);
  });

  test("bosun events prints one line per state change", async () => {
    const proc = Bun.spawn(bosunArgv(["events", "--json", "-p", d.socket]), {
      stdout: "pipe",
      stderr: "pipe",
    });
    try {
      const decoder = new TextDecoder();
      // It says so on stderr once subscribed; whatever happens after that is printed.
      const err = proc.stderr.getReader();
      let said = "";
      while (!said.includes("following")) {
        const { value, done } = await err.read();
        if (done) throw new Error(`bosun events ended early: ${said}`);
        said += decoder.decode(value);
      }
      expect((await cli(d.socket, "start", "flip")).code).toBe(0);
      const out = proc.stdout.getReader();
      let seen = "";
      while (!seen.includes("\n")) {
        const { value, done } = await out.read();
        if (done) break;
        seen += decoder.decode(value);
      }
      const first = v.parse(EventJson, JSON.parse(seen.split("\n")[0]!));
      expect(first.service).toBe("flip");
    } finally {
      proc.kill();
      await proc.exited;
      await cli(d.socket, "stop", "flip");
    }
  });

  test("start and stop that settle at once let go of their event stream", async () => {
    // Each subscribes before asking; 20 rounds leaking a stream apiece would pass the limit of 32.
    for (let i = 0; i < 20; i++) {
      for (const action of ["start", "stop"]) {
        const r = await cli(d.socket, action, "flip");
        if (r.code !== 0) throw new Error(`round ${i}: bosun ${action} flip exited ${r.code}: ${r.stderr}`);
      }
    }
    await gaugeAt(IDLE, "the CLI's event streams to close");
  });

  test("a subscriber that stops reading is dropped, not buffered without bound", async () => {
    const s = await raw(d.socket);
    s.on("error", () => {});
    try {
      // Subscribed once the opening comment arrives; from then on this client reads nothing.
      const opened = new Promise<void>((resolve) => {
        let head = "";
        const onData = (chunk: Buffer) => {
          head += chunk.toString();
          if (!head.includes(": subscribed")) return;
          s.off("data", onData);
          s.pause();
          resolve();
        };
        s.on("data", onData);
      });
      s.write("GET /v1/events HTTP/1.1\r\nHost: x\r\n\r\n");
      await opened;
      expect(await connections()).toBe(IDLE + 1);
      // A start/stop of an internal service is four events of ~200 bytes. The stream's queue
      // (512 KiB) plus the kernel's socket buffers fill within ~900 cycles (measured); bosun
      // holding on past 3000 cycles (~2.4 MB) would be buffering without bound.
      const maxCycles = 3000;
      const deadline = Date.now() + 20000;
      let cycles = 0;
      let open = IDLE + 1;
      while (open !== IDLE) {
        if (cycles >= maxCycles || Date.now() > deadline) {
          const rss = ((await sample("bosun_resident_memory_bytes")) / 2 ** 20).toFixed(0);
          throw new Error(`the paused subscriber was not dropped after ${cycles} start/stop cycles (gauge ${open}, expected ${IDLE}; bosun RSS ${rss} MiB)`);
        }
        for (const action of ["start", "stop"]) {
          const res = await post(`/v1/services/bounce/${action}`, "{}");
          if (res.status !== 200) throw new Error(`${action} bounce answered ${res.status}: ${await res.text()}`);
        }
        if (++cycles % 50 === 0) open = await connections();
      }
      expect((await cli(d.socket, "list")).code).toBe(0);
    } finally {
      s.destroy();
    }
  });
});

describe("the TCP listener", () => {
  const tcp = (path: string, init?: RequestInit) => fetch(`http://127.0.0.1:${d.port}${path}`, init);

  test("livez answers, readyz and startupz report ready; ?verbose lists each check in Kubernetes' text form", async () => {
    expect((await tcp("/livez")).status).toBe(200);
    expect(await (await tcp("/livez?verbose")).text()).toBe("[+]loop ok\nlivez check passed\n");
    expect((await tcp("/startupz")).status).toBe(200);
    expect(await (await tcp("/startupz?verbose")).text()).toBe("[+]boot ok\nstartupz check passed\n");
    const ready = await tcp("/readyz?verbose");
    expect(ready.status).toBe(200);
    expect(ready.headers.get("content-type")).toContain("text/plain");
    // the boot set needs web; flip and bounce were started by hand and do not count
    expect(await ready.text()).toBe("[+]boot ok\n[+]web ok\nreadyz check passed\n");
    expect(await (await tcp("/readyz")).text()).toBe("ready\n");
  });

  test("/metrics parses as Prometheus text with the per-service series", async () => {
    const res = await tcp("/metrics");
    expect(res.headers.get("content-type")).toContain("text/plain; version=0.0.4");
    const text = await res.text();
    const sample = /^[a-zA-Z_:][a-zA-Z0-9_:]*(\{([a-zA-Z_][a-zA-Z0-9_]*="([^"\\\n]|\\.)*",?)*\})? -?[0-9.eE+-]+$/;
    for (const line of text.trimEnd().split("\n")) {
      if (line.startsWith("# HELP ") || line.startsWith("# TYPE ")) continue;
      expect(line).toMatch(sample);
    }
    expect(text).toContain('bosun_service_state{service="web",state="started"} 1');
    expect(text).toMatch(/^bosun_resident_memory_bytes \d+$/m);
  });

  test("control routes over TCP are refused without a token", async () => {
    const res = await tcp("/v1/services");
    expect(res.status).toBe(403);
    const stop = await tcp("/v1/shutdown", { method: "POST" });
    expect(stop.status).toBe(403);
    expect((await cli(d.socket, "is-started", "web")).code).toBe(0);
  });
});

/** Reads a follow stream until `done(text so far)` holds; fails naming `what` after `ms`. */
async function readUntil(reader: Pick<ReadableStreamDefaultReader<Uint8Array>, "read">, what: string, done: (text: string) => boolean, ms: number): Promise<string> {
  const decoder = new TextDecoder();
  let text = "";
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}; got ${JSON.stringify(text)}`)), ms);
  });
  try {
    while (!done(text)) {
      const { value, done: ended } = await Promise.race([reader.read(), expired]);
      if (ended) throw new Error(`the stream ended while waiting for ${what}; got ${JSON.stringify(text)}`);
      text += decoder.decode(value, { stream: true });
    }
    return text;
  } finally {
    clearTimeout(timer);
  }
}

describe("follow streams", () => {
  test("a quiet stream outlives the idle timeout and still delivers", async () => {
    // The point is the silence itself: nothing but keepalives (every 4 s) has passed on this
    // connection since beforeAll. The third one was written ~12 s after the stream opened,
    // past Bun's idle close, so reading it means the connection outlived the timeout.
    const reader = quiet.res.body!.getReader();
    const keepalives = (text: string) => text.split(": keepalive").length - 1;
    const waitMs = IDLE_CLOSE_MS + 10000 - (Date.now() - quiet.openedAt);
    const silent = await readUntil(reader, "three keepalives on the quiet stream", (text) => keepalives(text) >= 3, Math.max(waitMs, 1000));
    expect(silent).not.toContain("event:");
    // And the subscription behind it still works: web's next line arrives.
    const signalled = await post("/v1/services/web/signal", JSON.stringify({ signal: "USR1" }));
    expect(signalled.status).toBe(200);
    const line = /^data: (.*)\n\n/m;
    const text = await readUntil(reader, "web's ping on the quiet stream", (t) => line.test(t), 10000);
    expect(v.parse(LogLineJson, JSON.parse(line.exec(text)![1]!)).line).toBe("ping");
    reader.releaseLock();
  });
});

describe("control over TCP with a token", () => {
  test("serves the control routes only to callers presenting the token", async () => {
    const other = tempDir();
    prepare(other);
    const daemon = await boot(other, { healthListen: true, args: ["--control-token", "s3cret-token"] }).answering();
    try {
      const url = `http://127.0.0.1:${daemon.port}/v1/services`;
      const none = await fetch(url);
      expect(none.status).toBe(401);
      expect(v.parse(ErrorJson, await none.json()).error.code).toBe("unauthorized");
      expect((await fetch(url, { headers: { authorization: "Bearer s3cret-tokeN" } })).status).toBe(401);
      const good = await fetch(url, { headers: { authorization: "Bearer s3cret-token" } });
      expect(good.status).toBe(200);
      expect(((await good.json()) as { name: string }[]).map((s) => s.name)).toContain("web");
      expect((await fetch(`http://127.0.0.1:${daemon.port}/livez`)).status).toBe(200);
    } finally {
      await daemon.stop();
    }
  });
});

describe("shutdown", () => {
  test("stopping the main service is refused saying it ends bosun; --force stops it, says so, and bosun ends with its code", async () => {
    const other = tempDir();
    prepare(other);
    const daemon = await boot(other, { healthListen: true, args: ["--", "/bin/sleep", "1000"] }).answering();
    try {
      await waitFor("main to start", async () => (await cli(daemon.socket, "is-started", "main")).code === 0);
      const refused = await cli(daemon.socket, "stop", "main");
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain("stopping main ends bosun: main is the main service; use --force");
      const forced = await cli(daemon.socket, "stop", "--force", "main");
      expect(forced.stderr).not.toContain("closed the event stream");
      expect(forced.stderr).toContain("main is stopped; bosun ends with it");
      expect(forced.code).toBe(0);
      // sleep dies of the stop's SIGTERM: 128 + 15
      expect(await daemon.proc.exited).toBe(143);
    } finally {
      await daemon.stop();
    }
  });

  test("a follower of a service's log gets the lines it writes while stopping before the stream ends", async () => {
    const other = tempDir();
    writeFiles(join(other, "services"), {
      boot: "type = internal\ndepends-on = talker\n",
      talker: `type = process\ncommand = /bin/sh -c "trap 'echo goodbye; exit 0' TERM; echo hello; while :; do sleep 1 & wait; done"\nrestart = no\n`,
    });
    const daemon = await boot(other, { healthListen: true }).answering();
    try {
      const res = await fetch("http://bosun/v1/services/talker/logs?follow=1", { unix: daemon.socket });
      const reader = res.body!.getReader();
      await readUntil(reader, "hello on the follow stream", (t) => t.includes("hello"), 10000);
      expect((await cli(daemon.socket, "shutdown")).code).toBe(0);
      let text = "";
      const decoder = new TextDecoder();
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        text += decoder.decode(value, { stream: true });
      }
      expect(text).toContain('"line":"goodbye"');
      expect(await daemon.proc.exited).toBe(0);
    } finally {
      await daemon.stop();
    }
  });

  test("a follower of events gets every state change up to bosun's exit before its stream ends", async () => {
    const other = tempDir();
    prepare(other);
    const daemon = await boot(other, { healthListen: true }).answering();
    try {
      const res = await fetch("http://bosun/v1/events", { unix: daemon.socket });
      expect((await cli(daemon.socket, "shutdown")).code).toBe(0);
      // Reads until bosun closes the stream: every service that was up must be seen stopped.
      const events = await readEvents(res, Number.POSITIVE_INFINITY);
      const stopped = events.filter((e) => e.state === "stopped").map((e) => e.service).sort();
      expect(stopped).toEqual(["boot", "web"]);
      expect(await daemon.proc.exited).toBe(0);
    } finally {
      await daemon.stop();
    }
  });

  test("bosun shutdown stops every service and ends the daemon", async () => {
    const other = tempDir();
    prepare(other);
    const daemon = await boot(other, { healthListen: true }).answering();
    try {
      const r = await cli(daemon.socket, "shutdown");
      expect(r.code).toBe(0);
      let timer: ReturnType<typeof setTimeout> | undefined;
      const expired = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error("bosun did not exit within 15 s of bosun shutdown")), 15000)));
      expect(await Promise.race([daemon.proc.exited, expired]).finally(() => clearTimeout(timer))).toBe(0);
      const after = await cli(daemon.socket, "list");
      expect(after.code).toBe(1);
    } finally {
      // Only acts when the shutdown did not end it: no daemon outlives a failed test.
      await daemon.stop();
    }
  });
});
