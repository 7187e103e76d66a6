import { afterEach, beforeEach, expect, test } from "bun:test";
import { existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { LogRouterOptions } from "../../src/log/router.ts";
import { removeTempDirs, tempDir } from "../support/files.ts";
import { collector, fileRouter, launch, numbered, range, service } from "./helpers.ts";

let dir: string;
beforeEach(() => (dir = tempDir()));
afterEach(removeTempDirs);

function router(extra: LogRouterOptions = {}) {
  return fileRouter(dir, extra);
}

const lines = (path: string) => (existsSync(path) ? readFileSync(path, "utf8").split("\n").filter(Boolean) : []);

test("a plain log file gets the child's own fd; every line of every launch arrives once, in order", async () => {
  const { logs, out, err } = router();
  const path = join(dir, "app.log");
  writeFileSync(path, "", { mode: 0o644 });
  const desc = service({ name: "app", logType: "file", logfile: path, logfilePermissions: 0o640, logfileUid: "nobody", logfileGid: "65534" });
  expect(typeof logs.open(desc).stdout).toBe("number");
  for (let run = 0; run < 3; run++) await launch(logs, desc, numbered("line", run * 100 + 1, run * 100 + 100)).done;
  await logs.close();
  expect(lines(path)).toEqual(range("line", 1, 300));
  const st = statSync(path);
  expect(st.mode & 0o7777).toBe(0o640); // applied to the existing file too
  expect([st.uid, st.gid]).toEqual([65534, 65534]);
  expect(logs.tail("app", 2)).toEqual(["line 299", "line 300"]);
  expect(await out.end()).toBe("");
  await err.end();
});

test("rotation under a flood keeps every line, whole, across the rotated files", async () => {
  const { logs, out, err } = router();
  const path = join(dir, "flood.log");
  const desc = service({ name: "flood", logType: "file", logfile: path, logMaxSize: 20000, logMaxFiles: 50 });
  expect(logs.open(desc).stdout).toBe("pipe");
  await launch(logs, desc, ["seq", "-f", "n %g", "1", "40000"]).done;
  await logs.close();
  const files = [...Array.from({ length: 50 }, (_, i) => `${path}.${50 - i}`), path].filter(existsSync);
  expect(files.length).toBeGreaterThan(10);
  expect(existsSync(`${path}.50`)).toBe(false); // 40000 short lines fit in fewer than 50 files
  for (const file of files) {
    expect(statSync(file).size).toBeLessThanOrEqual(20000);
    expect(readFileSync(file, "utf8").endsWith("\n")).toBe(true);
  }
  expect(files.flatMap(lines)).toEqual(range("n", 1, 40000));
  await out.end();
  await err.end();
});

test("rotation drops the oldest file beyond log-max-files and keeps the newest lines contiguous", async () => {
  const { logs, out, err } = router();
  const path = join(dir, "few.log");
  const desc = service({ name: "few", logType: "file", logfile: path, logMaxSize: 1000, logMaxFiles: 2 });
  await launch(logs, desc, ["seq", "-f", "n %g", "1", "2000"]).done;
  await logs.close();
  expect(existsSync(`${path}.3`)).toBe(false);
  const kept = [`${path}.2`, `${path}.1`, path].flatMap(lines);
  const first = Number(kept[0]?.split(" ")[1]);
  expect(kept).toEqual(range("n", first, 2000));
  await out.end();
  await err.end();
});

test("a JSON log file holds one parseable record per line with both streams", async () => {
  const { logs, out, err } = router();
  const path = join(dir, "json.log");
  const desc = service({ name: "js", logType: "file", logfile: path, logFormat: "json" });
  await launch(logs, desc, ["sh", "-c", "echo one; echo two >&2"]).done;
  await logs.close();
  const records = lines(path).map((l) => JSON.parse(l));
  expect(records.map((r) => [r.service, r.stream, r.line]).sort()).toEqual([
    ["js", "stderr", "two"],
    ["js", "stdout", "one"],
  ]);
  await out.end();
  await err.end();
});

test("SIGUSR1 reopen: after an external rename, new output goes to a fresh file at the path", async () => {
  const { logs, out, err } = router();
  const path = join(dir, "r.log");
  const desc = service({ name: "r", logType: "file", logfile: path, logMaxSize: 1_000_000 });
  await launch(logs, desc, numbered("a", 1, 5)).done;
  renameSync(path, `${path}.old`);
  logs.reopen();
  await launch(logs, desc, numbered("b", 1, 5)).done;
  await logs.close();
  expect(lines(`${path}.old`)).toEqual(range("a", 1, 5));
  expect(lines(path)).toEqual(range("b", 1, 5));
  await out.end();
  await err.end();
});

test("an unwritable log file: output goes to the console, the problem is reported once and clears on retry", async () => {
  const { logs, out, err } = router({ retryMs: 0 });
  const logDir = join(dir, "not-yet");
  const path = join(logDir, "svc.log");
  const desc = service({ name: "svc", logType: "file", logfile: path, logFormat: "json" });
  await launch(logs, desc, numbered("early", 1, 3)).done;
  expect(logs.problem("svc")).toContain("ENOENT");
  mkdirSync(logDir);
  await launch(logs, desc, numbered("late", 1, 3)).done;
  await logs.close();
  expect(logs.problem("svc")).toBeNull();
  const consoleLines = (await out.end()).split("\n").filter(Boolean).map((l) => JSON.parse(l).line);
  expect(consoleLines).toEqual(range("early", 1, 3));
  expect(lines(path).map((l) => JSON.parse(l).line)).toEqual(range("late", 1, 3));
  const reports = (await err.end()).split("\n");
  expect(reports.filter((l) => l.includes("error: svc: logfile")).length).toBe(1);
  expect(reports.filter((l) => l.includes("svc: log output is written again")).length).toBe(1);
});

test("a plain file whose directory is missing degrades to the console and goes direct once it exists", async () => {
  const { logs, out, err } = router();
  const path = join(dir, "later", "p.log");
  const desc = service({ name: "p", logType: "file", logfile: path });
  await launch(logs, desc, numbered("x", 1, 2)).done;
  expect(logs.problem("p")).toContain("ENOENT");
  mkdirSync(join(dir, "later"));
  expect(typeof logs.open(desc).stdout).toBe("number");
  expect(logs.problem("p")).toBeNull();
  await logs.close();
  expect((await out.end()).split("\n").filter(Boolean).map((l) => l.replace(/^p +\| /, ""))).toEqual(["x 1", "x 2"]);
  await err.end();
});

test("a full disk: the service keeps running, the error is reported once, the output shows on the console", async () => {
  const mount = join(dir, "small");
  mkdirSync(mount);
  const mounted = Bun.spawnSync(["mount", "-t", "tmpfs", "-o", "size=16k", "tmpfs", mount]);
  expect(mounted.success).toBe(true);
  try {
    const { logs, out, err } = router({ retryMs: 60_000 });
    const desc = service({ name: "full", logType: "file", logfile: join(mount, "full.log"), logFormat: "json" });
    const code = await launch(logs, desc, ["seq", "-f", "line %g", "1", "5000"]).done;
    await logs.close();
    expect(code).toBe(0);
    expect(logs.problem("full")).toContain("ENOSPC");
    const reports = (await err.end()).split("\n").filter((l) => l.includes("ENOSPC"));
    expect(reports.length).toBe(1);
    const shown = (await out.end()).split("\n").filter(Boolean).map((l) => JSON.parse(l).line);
    expect(shown.at(-1)).toBe("line 5000");
  } finally {
    Bun.spawnSync(["umount", mount]);
  }
});

test("log-file-after holds output in memory until the named service starts, then writes it first", async () => {
  const { logs, out, err } = router();
  const path = join(dir, "after.log");
  const desc = service({ name: "early", logType: "file", logfile: path, logFileAfter: "mount-data" });
  await launch(logs, desc, numbered("held", 1, 50)).done;
  expect(existsSync(path)).toBe(false);
  logs.serviceStarted("mount-data");
  // Launched while the held lines are on their way: through bosun, behind them.
  await launch(logs, desc, numbered("next", 1, 50)).done;
  // Once they have landed, the child gets the file directly again.
  const output = logs.open(desc);
  expect(typeof output.stdout).toBe("number");
  output.release();
  await launch(logs, desc, numbered("direct", 1, 50)).done;
  await logs.close();
  expect(lines(path)).toEqual([...range("held", 1, 50), ...range("next", 1, 50), ...range("direct", 1, 50)]);
  expect(await out.end()).toBe("");
  await err.end();
});

test("log-file-after keeps the newest lines within its limit and warns how many it dropped", async () => {
  const { logs, out, err } = router({ holdBytes: 100 });
  const path = join(dir, "capped.log");
  const desc = service({ name: "capped", logType: "file", logfile: path, logFileAfter: "mount-data" });
  await launch(logs, desc, numbered("n", 1, 50)).done;
  logs.serviceStarted("mount-data");
  await logs.close();
  const kept = lines(path);
  expect(kept.at(-1)).toBe("n 50");
  expect(kept).toEqual(range("n", 51 - kept.length, 50));
  expect(await err.end()).toContain(`capped: ${50 - kept.length} line(s) dropped while waiting for mount-data`);
  expect(await out.end()).toBe("");
});

test("an unknown logfile owner names the setting, and the output still shows on the console", async () => {
  const { logs, out, err } = router();
  const desc = service({ name: "own", logType: "file", logfile: join(dir, "own.log"), logfileUid: "no-such-user" });
  await launch(logs, desc, numbered("o", 1, 2)).done;
  await logs.close();
  expect(logs.problem("own")).toContain("logfile-uid: unknown user 'no-such-user'");
  expect((await out.end()).split("\n").filter(Boolean).map((l) => l.replace(/^own +\| /, ""))).toEqual(["o 1", "o 2"]);
  await err.end();
});

test("a device as logfile is written but never chmod'ed or rotated", async () => {
  const { logs, out, err } = router();
  const device = join(dir, "null");
  // A private /dev/null (char 1:3): what a test does to it cannot touch the system's.
  expect(Bun.spawnSync(["mknod", "-m", "666", device, "c", "1", "3"]).success).toBe(true);
  for (const input of [{}, { logMaxSize: 10 }]) {
    const desc = service({ name: "dev", logType: "file", logfile: device, logfilePermissions: 0o600, ...input });
    await launch(logs, desc, numbered("d", 1, 20)).done;
  }
  await logs.close();
  expect(statSync(device).mode & 0o777).toBe(0o666);
  expect(existsSync(`${device}.1`)).toBe(false);
  expect(logs.problem("dev")).toBeNull();
  await out.end();
  await err.end();
});

test("following a log file sees lines appended after it started", async () => {
  const { logs, out, err } = router();
  const path = join(dir, "f.log");
  const desc = service({ name: "f", logType: "file", logfile: path });
  await launch(logs, desc, numbered("before", 1, 3)).done;
  const seen = collector<string>();
  const stop = logs.follow("f", (line) => seen.push(line));
  await launch(logs, desc, numbered("after", 1, 3)).done;
  await seen.reached(3, "three followed lines", 3000);
  stop();
  await logs.close();
  expect(seen.items).toEqual(range("after", 1, 3));
  await out.end();
  await err.end();
});
