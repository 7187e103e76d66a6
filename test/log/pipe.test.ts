import { afterEach, beforeEach, expect, test } from "bun:test";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { removeTempDirs, tempDir } from "../support/files.ts";
import { waitFor } from "../support/wait.ts";
import { fileRouter, launch, numbered, range, service } from "./helpers.ts";

let dir: string;
beforeEach(() => (dir = tempDir()));
afterEach(removeTempDirs);

test("a held pipe carries every line once, in order, across restarts of producer and consumer", async () => {
  const { logs, out, err } = fileRouter(dir, { runtimeDir: dir });
  const sink = join(dir, "consumed.log");
  const producer = service({ name: "producer", logType: "pipe" });
  const consumer = service({ name: "logger", consumerOf: "producer", logType: "file", logfile: sink });
  const consumed = () => (existsSync(sink) ? readFileSync(sink, "utf8").split("\n").filter(Boolean) : []);
  const running: { proc: { kill(): void; exitCode: number | null } }[] = [];
  try {
    let reader = launch(logs, consumer, ["cat"]);
    running.push(reader);
    expect(await launch(logs, producer, numbered("n", 1, 100)).done).toBe(0);
    await waitFor("the first consumer to pass on 100 lines", () => consumed().length === 100);

    // Consumer down: the producer's next run writes into the held pipe, with no SIGPIPE.
    reader.proc.kill();
    await reader.done;
    expect(await launch(logs, producer, numbered("n", 101, 200)).done).toBe(0);

    // A new consumer picks up what waited in the pipe, then a third producer run.
    reader = launch(logs, consumer, ["cat"]);
    running.push(reader);
    expect(await launch(logs, producer, numbered("n", 201, 300)).done).toBe(0);
    await waitFor("the second consumer to pass on 300 lines", () => consumed().length === 300);
    // The producer's exits never gave the consumer EOF: it is still running.
    expect(reader.proc.exitCode).toBeNull();
    reader.proc.kill();
    await reader.done;
    expect(consumed()).toEqual(range("n", 1, 300));
    expect(logs.tail("producer")).toBeNull();
  } finally {
    for (const r of running) r.proc.kill();
    await logs.close();
    await out.end();
    await err.end();
  }
  // close() removed the private directory of the held pipes.
  expect(readdirSync(dir).filter((name) => name.startsWith("bosun-pipes-"))).toEqual([]);
});
