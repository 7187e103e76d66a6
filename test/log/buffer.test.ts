import { afterEach, beforeEach, expect, test } from "bun:test";
import { join } from "node:path";
import { removeTempDirs, tempDir } from "../support/files.ts";
import { collector, fileRouter, launch, numbered, service } from "./helpers.ts";

let dir: string;
beforeEach(() => (dir = tempDir()));
afterEach(removeTempDirs);

function router() {
  return fileRouter(dir, { recentLines: 5, runtimeDir: dir });
}

test("a buffer keeps exactly the newest log-buffer-size bytes of output, nothing on the console", async () => {
  const { logs, end } = router();
  const desc = service({ name: "buf", logType: "buffer", logBufferSize: 100 });
  await launch(logs, desc, numbered("line", 1, 200)).done;
  await logs.close();
  const all = Array.from({ length: 200 }, (_, i) => `line ${i + 1}\n`).join("");
  expect(logs.tail("buf")?.join("\n")).toBe(all.slice(-100).slice(0, -1));
  expect(logs.tail("buf", 2)).toEqual(["line 199", "line 200"]);
  expect(await end()).toEqual(["", ""]);
});

test("clear empties a buffer and is refused for services without one", async () => {
  const { logs, end } = router();
  await launch(logs, service({ name: "buf", logType: "buffer" }), numbered("x", 1, 3)).done;
  await launch(logs, service({ name: "con" }), numbered("y", 1, 3)).done;
  expect(logs.clear("buf")).toBe(true);
  expect(logs.tail("buf")).toEqual([]);
  expect(logs.clear("con")).toBe(false);
  expect(logs.clear("unknown")).toBe(false);
  await logs.close();
  await end();
});

test("follow sees lines written after it started, with their stream, until stopped", async () => {
  const { logs, end } = router();
  const desc = service({ name: "buf", logType: "buffer", logBufferSize: 4096 });
  await launch(logs, desc, numbered("old", 1, 2)).done;
  const seen = collector<string>();
  const stop = logs.follow("buf", (line, stream) => seen.push(`${stream}:${line}`));
  await launch(logs, desc, ["sh", "-c", "echo new 1; echo new 2 >&2"]).done;
  await seen.reached(2, "two followed lines");
  stop();
  await launch(logs, desc, numbered("late", 1, 2)).done;
  await logs.close();
  expect(seen.items.sort()).toEqual(["stderr:new 2", "stdout:new 1"]);
  await end();
});

test("a console service keeps its recent lines for bosun logs; pipe and none keep none", async () => {
  const { logs, end } = router();
  await launch(logs, service({ name: "con" }), numbered("c", 1, 20)).done;
  await launch(logs, service({ name: "piped", logType: "pipe" }), numbered("p", 1, 3)).done;
  await launch(logs, service({ name: "quiet", logType: "none" }), numbered("q", 1, 3)).done;
  await logs.close();
  expect(logs.tail("con")).toEqual(["c 16", "c 17", "c 18", "c 19", "c 20"]);
  expect(logs.tail("con", 2)).toEqual(["c 19", "c 20"]);
  expect(logs.tail("piped")).toBeNull();
  expect(logs.tail("quiet")).toBeNull();
  expect(logs.tail("never-ran")).toBeNull();
  await end();
});
