import { afterEach, beforeEach, expect, test } from "bun:test";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { removeTempDirs, tempDir } from "../support/files.ts";
import { alive } from "../support/proc.ts";
import { waitFor } from "../support/wait.ts";
import { collector, fileRouter, launch, numbered, range, service } from "./helpers.ts";

let dir: string;
beforeEach(() => (dir = tempDir()));
afterEach(removeTempDirs);

test("close delivers what an orphan's pipe already holds to the console and followers, then stops reading without waiting for the orphan", async () => {
  const { logs, out, err } = fileRouter(dir, { runtimeDir: dir });
  const seen = collector<string>();
  logs.follow("svc", (line) => seen.push(line));
  const pidFile = join(dir, "orphan.pid");
  const wake = join(dir, "wake");
  const status = join(dir, "status");
  expect(Bun.spawnSync(["mkfifo", wake]).success).toBe(true);
  const output = logs.open(service({ name: "svc" }));
  // The service prints and exits; its grandchild keeps stdout open, and writes once woken.
  // (stderr is closed first, so only stdout is left open.)
  const orphanScript = `trap '' PIPE; read x < ${wake}; echo late; echo \\$? > ${status}`;
  const script = `exec 2>/dev/null; seq -f 'n %g' 1 5000; sh -c "${orphanScript}" & echo $! > ${pidFile}`;
  const proc = Bun.spawn(["sh", "-c", script], { stdin: output.stdin, stdout: output.stdout, stderr: output.stderr });
  let orphan = 0;
  try {
    await proc.exited;
    orphan = Number(readFileSync(pidFile, "utf8"));
    // Read from now on: what the service wrote is still in the pipe when close begins.
    output.attach({ stdout: proc.stdout as ReadableStream<Uint8Array>, stderr: proc.stderr as ReadableStream<Uint8Array> });
    output.release();
    const order: string[] = [];
    void output.delivered?.then(() => order.push("delivered"));
    await logs.close();
    order.push("closed");
    // The pipe never reached its end, yet the launch counts as delivered and close returned.
    expect(order).toEqual(["delivered", "closed"]);
    expect(alive(orphan)).toBe(true);
    expect(seen.items).toEqual(range("n", 1, 5000));
    expect((await out.end()).split("\n").filter(Boolean).map((l) => l.replace(/^svc +\| /, ""))).toEqual(range("n", 1, 5000));
    expect(await err.end()).toContain("1 output stream(s) still open at exit (a leftover process holds them)");
    // bosun let go of the pipe: the orphan's late write fails instead of waiting in bosun.
    writeFileSync(wake, "go\n");
    await waitFor("the orphan to report its late write", () => existsSync(status) && readFileSync(status, "utf8").endsWith("\n"));
    expect(readFileSync(status, "utf8")).toBe("1\n");
    expect(seen.items.at(-1)).toBe("n 5000");
  } finally {
    if (orphan && alive(orphan)) process.kill(orphan);
  }
});

test("a follower of a log file has every line written before close once close resolves, an unfinished last line too", async () => {
  const { logs, out, err } = fileRouter(dir, { runtimeDir: dir });
  const path = join(dir, "f.log");
  const desc = service({ name: "f", logType: "file", logfile: path });
  await launch(logs, desc, numbered("before", 1, 2)).done;
  const seen = collector<string>();
  logs.follow("f", (line) => seen.push(line));
  // Written by the child on its own fd: only reading the file shows it.
  await launch(logs, desc, ["sh", "-c", "seq -f 'f %g' 1 300; printf 'no newline'"]).done;
  await logs.close();
  expect(seen.items).toEqual([...range("f", 1, 300), "no newline"]);
  await out.end();
  await err.end();
});
