import { afterEach, beforeEach, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Writable } from "node:stream";
import { createLogRouter } from "../../src/log/router.ts";
import { removeTempDirs, tempDir } from "../support/files.ts";
import { waitFor } from "../support/wait.ts";
import { collector, fileConsole, launch, numbered, service } from "./helpers.ts";

let dir: string;
beforeEach(() => (dir = tempDir()));
afterEach(removeTempDirs);

function consoles() {
  return { out: fileConsole(join(dir, "stdout")), err: fileConsole(join(dir, "stderr")) };
}

test("console lines are prefixed with the aligned service name, stdout and stderr kept apart", async () => {
  const { out, err } = consoles();
  const logs = createLogRouter({ stdout: out.stream, stderr: err.stream });
  const a = launch(logs, service({ name: "web" }), numbered("out", 1, 3));
  const b = launch(logs, service({ name: "database" }), numbered("err", 1, 2, 2));
  await Promise.all([a.done, b.done]);
  await logs.close();
  const stdout = (await out.end()).split("\n").filter(Boolean);
  const stderr = (await err.end()).split("\n").filter(Boolean);
  expect(stdout.map((l) => l.replace(/ +\|/, " |"))).toEqual(["web | out 1", "web | out 2", "web | out 3"]);
  expect(stderr).toEqual(["database | err 1", "database | err 2"]);
  // Once "database" is known, "web" is padded to its width.
  expect(logs.tail("web")).toEqual(["out 1", "out 2", "out 3"]);
});

test("json lines parse and carry time, service, stream and line", async () => {
  const { out, err } = consoles();
  const logs = createLogRouter({ stdout: out.stream, stderr: err.stream, format: "json" });
  await launch(logs, service({ name: "api" }), ["sh", "-c", 'echo "say \\"hi\\""; echo oops >&2']).done;
  logs.system("warn", "restarting", "api");
  await logs.close();
  const records = [...(await out.end()).split("\n"), ...(await err.end()).split("\n")].filter(Boolean).map((l) => JSON.parse(l));
  expect(records.map(({ service, stream, line }) => ({ service, stream, line }))).toEqual([
    { service: "api", stream: "stdout", line: 'say "hi"' },
    { service: "api", stream: "stderr", line: "oops" },
    { service: "api", stream: "system", line: "restarting" },
  ]);
  for (const r of records) expect(Number.isNaN(Date.parse(r.time))).toBe(false);
});

test("a partial line is printed after a quiet time without waiting for its newline", async () => {
  const { out, err } = consoles();
  const logs = createLogRouter({ stdout: out.stream, stderr: err.stream, quietMs: 20 });
  const seen = collector<string>();
  logs.follow("prompt", (line) => seen.push(line));
  // The child holds its output open (sleep) after the partial line: only the quiet timer can flush it.
  const run = launch(logs, service({ name: "prompt" }), ["sh", "-c", "printf 'password: '; exec sleep 5"]);
  await seen.reached(1, "the partial line", 3000);
  expect(seen.items).toEqual(["password: "]);
  run.proc.kill();
  await run.done;
  await logs.close();
  await out.end();
  await err.end();
});

test("an overlong line is cut into pieces, none longer than the limit, nothing lost", async () => {
  const { out, err } = consoles();
  const logs = createLogRouter({ stdout: out.stream, stderr: err.stream, maxLineBytes: 1000 });
  await launch(logs, service({ name: "long" }), ["sh", "-c", "head -c 2500 /dev/zero | tr '\\0' x; echo; echo after"]).done;
  await logs.close();
  const lines = (await out.end()).split("\n").filter(Boolean).map((l) => l.slice(l.indexOf("| ") + 2));
  expect(lines.map((l) => l.length)).toEqual([1000, 1000, 500, 5]);
  expect(lines.at(-1)).toBe("after");
  await err.end();
});

test("an overlong line of multi-byte characters is cut between characters, never inside one", async () => {
  const { out, err } = consoles();
  const logs = createLogRouter({ stdout: out.stream, stderr: err.stream, maxLineBytes: 101 });
  // 300 two-byte characters: 600 bytes, cut at 100-byte boundaries (101 would split one).
  await launch(logs, service({ name: "utf" }), ["sh", "-c", "i=0; while [ $i -lt 300 ]; do printf '\\303\\251'; i=$((i+1)); done; echo"]).done;
  await logs.close();
  const pieces = (await out.end()).split("\n").filter(Boolean).map((l) => l.slice(l.indexOf("| ") + 2));
  expect(pieces.join("")).toBe("é".repeat(300));
  for (const piece of pieces) expect(piece).not.toContain("\uFFFD");
  await err.end();
});

test("prefixes are coloured only when asked (a terminal), JSON never", async () => {
  const { out, err } = consoles();
  const logs = createLogRouter({ stdout: out.stream, stderr: err.stream, color: true });
  await launch(logs, service({ name: "tty" }), numbered("c", 1, 1)).done;
  await launch(logs, service({ name: "js", logFormat: "json" }), numbered("j", 1, 1)).done;
  await logs.close();
  const [text, json] = (await out.end()).split("\n");
  expect(text).toMatch(/^\x1b\[\d+mtty +\|\x1b\[0m c 1$/);
  expect(JSON.parse(json ?? "").line).toBe("j 1");
  await err.end();
});

test("bosun's own lines go to stderr with the bosun prefix on every line, debug dropped by default", async () => {
  const { out, err } = consoles();
  const logs = createLogRouter({ stdout: out.stream, stderr: err.stream });
  logs.system("info", "booting");
  logs.system("debug", "noise");
  logs.system("error", "exec failed", "web");
  logs.system("error", "handler threw\n  at f (x.ts:1)");
  await logs.close();
  expect(await out.end()).toBe("");
  expect(await err.end()).toBe("bosun | booting\nbosun | error: web: exec failed\nbosun | error: handler threw\nbosun |     at f (x.ts:1)\n");
});

test("log-type none discards output and keeps nothing", async () => {
  const { out, err } = consoles();
  const logs = createLogRouter({ stdout: out.stream, stderr: err.stream });
  const desc = service({ name: "quiet", logType: "none" });
  expect(logs.open(desc).stdout).toBe("ignore");
  await launch(logs, desc, numbered("x", 1, 3)).done;
  await logs.close();
  expect(await out.end()).toBe("");
  expect(logs.tail("quiet")).toBeNull();
  await err.end();
});

/** True while the process sleeps in a write to a full pipe or socket (its reader is not reading). */
function blockedOnWrite(pid: number): boolean {
  try {
    return ["pipe_write", "sock_alloc_send_pskb", "unix_stream_sendmsg"].includes(readFileSync(`/proc/${pid}/wchan`, "utf8"));
  } catch {
    return false;
  }
}

test("a stalled console holds a flooding service back instead of buffering its output", async () => {
  const { err } = consoles();
  const received: Buffer[] = [];
  let flowing = false;
  const stalled: (() => void)[] = [];
  const console = new Writable({
    highWaterMark: 16384,
    write(chunk: Buffer, _encoding, done) {
      received.push(chunk);
      if (flowing) done();
      else stalled.push(done);
    },
  });
  const logs = createLogRouter({ stdout: console, stderr: err.stream });
  const run = launch(logs, service({ name: "flood" }), ["seq", "1", "300000"]);
  await waitFor("the flooding child to block on its full output pipe", () => blockedOnWrite(run.proc.pid));
  // bosun took what Bun read before the first read and a piece or two, not the child's 4.5 MB.
  expect(console.writableLength + received.reduce((n, c) => n + c.length, 0)).toBeLessThan(2 << 20);
  flowing = true;
  for (const done of stalled.splice(0)) done();
  await run.done;
  await logs.close();
  await err.end();
  const lines = Buffer.concat(received).toString("utf8").split("\n");
  expect(lines.length).toBe(300_001);
  let inOrder = true;
  for (let i = 0; i < 300_000; i++) if (lines[i] !== `flood | ${i + 1}`) inOrder = false;
  expect(inOrder).toBe(true);
});
