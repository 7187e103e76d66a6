import { afterEach, beforeEach, expect, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { createLogRouter } from "../../src/log/router.ts";
import { removeTempDirs, tempDir } from "../support/files.ts";
import { collector, fileConsole, fileRouter, launch, numbered, range, service } from "./helpers.ts";

let dir: string;
beforeEach(() => (dir = tempDir()));
afterEach(removeTempDirs);

function router() {
  return fileRouter(dir, { runtimeDir: dir });
}

const lines = (path: string) => (existsSync(path) ? readFileSync(path, "utf8").split("\n").filter(Boolean) : []);

test("a follower goes on across a reload that changes the log type, and tail answers from the new type", async () => {
  const { logs, out, err } = router();
  const seen = collector<string>();
  logs.follow("svc", (line) => seen.push(line));
  await launch(logs, service({ name: "svc" }), numbered("console", 1, 2)).done;
  await launch(logs, service({ name: "svc", logType: "buffer" }), numbered("buffer", 1, 2)).done;
  await seen.reached(4, "the lines of both launches");
  // The console's recent lines went with its sink; the buffer holds only its own.
  expect(logs.tail("svc")).toEqual(range("buffer", 1, 2));
  expect(logs.clear("svc")).toBe(true);
  await launch(logs, service({ name: "svc" }), numbered("again", 1, 1)).done;
  // Back on the console: the ring is gone, and with it what clear could clear.
  expect(logs.clear("svc")).toBe(false);
  expect(logs.tail("svc")).toEqual(["again 1"]);
  await logs.close();
  expect(seen.items).toEqual([...range("console", 1, 2), ...range("buffer", 1, 2), "again 1"]);
  await out.end();
  await err.end();
});

test("a buffer keeps its contents across launches and starts anew when a reload changes its size", async () => {
  const { logs, out, err } = router();
  await launch(logs, service({ name: "buf", logType: "buffer", logBufferSize: 1024 }), numbered("a", 1, 2)).done;
  await launch(logs, service({ name: "buf", logType: "buffer", logBufferSize: 1024 }), numbered("b", 1, 2)).done;
  expect(logs.tail("buf")).toEqual([...range("a", 1, 2), ...range("b", 1, 2)]);
  await launch(logs, service({ name: "buf", logType: "buffer", logBufferSize: 2048 }), numbered("c", 1, 2)).done;
  expect(logs.tail("buf")).toEqual(range("c", 1, 2));
  await logs.close();
  await out.end();
  await err.end();
});

test("output held for log-file-after reaches its file even when a reload moved the service to the console meanwhile", async () => {
  const { logs, out, err } = router();
  const path = join(dir, "held.log");
  await launch(logs, service({ name: "early", logType: "file", logfile: path, logFileAfter: "mount-data" }), numbered("held", 1, 3)).done;
  await launch(logs, service({ name: "early" }), numbered("console", 1, 2)).done;
  expect(existsSync(path)).toBe(false);
  logs.serviceStarted("mount-data");
  await logs.close();
  expect(lines(path)).toEqual(range("held", 1, 3));
  expect((await out.end()).split("\n").filter(Boolean).map((l) => l.replace(/^early +\| /, ""))).toEqual(range("console", 1, 2));
  await err.end();
});

test("a console service whose consumer-of pipe cannot be made shows its output on the console and keeps it for bosun logs", async () => {
  const out = fileConsole(join(dir, "console.out"));
  const err = fileConsole(join(dir, "console.err"));
  const logs = createLogRouter({ stdout: out.stream, stderr: err.stream, runtimeDir: join(dir, "missing") });
  await launch(logs, service({ name: "svc" }), numbered("before", 1, 2)).done;
  await launch(logs, service({ name: "svc", consumerOf: "producer" }), numbered("degraded", 1, 2)).done;
  expect(logs.problem("svc")).toContain("log-type console: ENOENT");
  expect(logs.tail("svc")).toEqual([...range("before", 1, 2), ...range("degraded", 1, 2)]);
  await logs.close();
  expect((await out.end()).split("\n").filter(Boolean).map((l) => l.replace(/^svc +\| /, ""))).toEqual([...range("before", 1, 2), ...range("degraded", 1, 2)]);
  expect(await err.end()).toContain("output goes to the console");
});
