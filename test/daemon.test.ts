/**
 * @module test/daemon
 * The daemon in this process, driven by real signals to ourselves: a slow shutdown says what
 * it waits on, SIGHUP reloads a changed description (with its warnings; a reload plan does not
 * count as having taken it), SIGUSR1 reopens log files.
 */
import { afterAll, expect, test } from "bun:test";
import { utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { runDaemon } from "../src/daemon.ts";
import { removeTempDirs, tempDir, writeFiles } from "./support/files.ts";
import { stubLogs } from "./support/logs.ts";
import { waitFor } from "./support/wait.ts";

const tmp = tempDir();
afterAll(removeTempDirs);

test("a slow shutdown logs every few seconds which services it still waits on", async () => {
  const out = stubLogs();
  const dir = writeFiles(join(tmp, "slow"), { slow: `type = process\ncommand = /bin/sh -c "trap '' TERM; echo armed; while :; do sleep 0.05; done"\nstop-timeout = 0.6\nrestart = false\n` });
  const done = runDaemon({ dirs: [dir], services: ["slow"], mainCommand: null, socket: null, logs: out.logs, waitReportMs: 100 });
  await waitFor("armed", () => out.lines("slow").includes("armed"));
  process.kill(process.pid, "SIGTERM");
  expect(await done).toBe(0);
  expect(out.system.some((l) => /^still waiting on slow \(stopping \d+s\)$/.test(l.message))).toBe(true);
});

test("SIGHUP reloads a description changed on disk and SIGUSR1 reopens log files", async () => {
  const out = stubLogs();
  let reopened = 0;
  out.logs.reopen = () => void reopened++;
  const dir = writeFiles(join(tmp, "hup"), { app: "type = process\ncommand = sleep 30\nrestart = false\n" });
  const done = runDaemon({ dirs: [dir], services: ["app"], mainCommand: null, socket: null, logs: out.logs });
  await waitFor("app started", () => out.system.some((l) => l.service === "app" && l.message === "started"));
  writeFileSync(join(dir, "app"), "type = process\ncommand = sleep 31\nrestart = false\n");
  utimesSync(join(dir, "app"), new Date(), new Date(Date.now() + 5000)); // a distinct mtime even on coarse clocks
  process.kill(process.pid, "SIGHUP");
  const reloaded = await waitFor("reloaded line", () => out.system.find((l) => l.service === "app" && l.message.startsWith("reloaded")));
  expect(reloaded.message).toBe("reloaded; at the next restart: command (bosun restart app)");
  process.kill(process.pid, "SIGUSR1");
  await waitFor("reopen", () => reopened === 1);
  process.kill(process.pid, "SIGTERM");
  expect(await done).toBe(0);
});

test("a reload plan reads the changed file without taking it: the file still counts as changed and SIGHUP still reloads it", async () => {
  const out = stubLogs();
  const dir = writeFiles(join(tmp, "plan"), { app: "type = process\ncommand = sleep 30\nrestart = false\n" });
  const socket = join(tmp, "plan.sock");
  const done = runDaemon({ dirs: [dir], services: ["app"], mainCommand: null, socket, logs: out.logs });
  await waitFor("app started", () => out.system.some((l) => l.service === "app" && l.message === "started"));
  writeFileSync(join(dir, "app"), "type = process\ncommand = sleep 31\nrestart = false\n");
  utimesSync(join(dir, "app"), new Date(), new Date(Date.now() + 5000));
  const planned = await fetch("http://bosun/v1/services/app/reload", {
    method: "POST",
    unix: socket,
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ plan: true }),
  });
  expect(((await planned.json()) as { plan: { changes: { restartNeeded: string[] }[] } }).plan.changes[0]?.restartNeeded).toEqual(["command"]);
  const status = (await (await fetch("http://bosun/v1/services/app", { unix: socket })).json()) as { fileChanged: boolean };
  expect(status.fileChanged).toBe(true);
  process.kill(process.pid, "SIGHUP");
  await waitFor("reloaded line", () => out.system.some((l) => l.service === "app" && l.message.startsWith("reloaded")));
  process.kill(process.pid, "SIGTERM");
  expect(await done).toBe(0);
});

test("a description read after boot logs its warnings too, naming file and line", async () => {
  const out = stubLogs();
  const dir = writeFiles(join(tmp, "warn"), { app: "type = process\ncommand = sleep 30\nrestart = false\n" });
  const done = runDaemon({ dirs: [dir], services: ["app"], mainCommand: null, socket: null, logs: out.logs });
  await waitFor("app started", () => out.system.some((l) => l.service === "app" && l.message === "started"));
  writeFileSync(join(dir, "app"), "type = process\ncommand = sleep 30\nrestart = false\nnice = -50\n");
  utimesSync(join(dir, "app"), new Date(), new Date(Date.now() + 5000));
  process.kill(process.pid, "SIGHUP");
  await waitFor("reloaded line", () => out.system.some((l) => l.service === "app" && l.message.startsWith("reloaded")));
  expect(out.system.filter((l) => l.level === "warn").map((l) => l.message)).toContainEqual(expect.stringContaining(`${join(dir, "app")}:4:`));
  process.kill(process.pid, "SIGTERM");
  expect(await done).toBe(0);
});
