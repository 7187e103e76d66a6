/**
 * @module test/process/readiness
 * Readiness protocols and socket-listen with real children: a service is not ready until it
 * says so on its fd, variable-named fd or NOTIFY_SOCKET; a listening socket survives restarts.
 */
import { expect, test } from "bun:test";
import { statSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { join } from "node:path";
import { describe, type ServiceDescriptionInput } from "../../src/config/schema.ts";
import type { ProcessLauncher } from "../../src/process/launcher.ts";
import { alive } from "../support/proc.ts";
import { waitFor } from "../support/wait.ts";
import { processSetup, type Launched } from "./support.ts";

const setup = processSetup(new Map([["PATH", process.env.PATH ?? "/usr/bin:/bin"]]));
const dir = setup.dir;
let launcher: ProcessLauncher;
let rec: Launched["rec"];
let out: Launched["out"];
let serial = 0;

function fresh() {
  ({ launcher, rec, out } = setup.fresh());
}
const svc = (input: Partial<ServiceDescriptionInput>) => describe({ name: `r${++serial}`, type: "process", workingDir: dir, ...input });
const sh = (script: string) => ["/bin/sh", "-c", script];

test("pipefd: starting until the service writes to fd N, then ready", async () => {
  fresh();
  const go = join(dir, `go-${serial}`);
  const d = svc({ command: sh(`while [ ! -e ${go} ]; do sleep 0.01; done; echo >&5; exec sleep 30`), readiness: { kind: "pipefd", fd: 5 } });
  launcher.start(d);
  await rec.next("launched", d.name);
  expect(launcher.runtime(d.name).readiness).toBe("waiting");
  expect(rec.kinds(d.name)).toEqual(["launched"]);
  writeFileSync(go, "");
  await rec.next("ready", d.name);
  expect(launcher.runtime(d.name).readiness).toBe("ready");
});

test("pipevar: the fd number is in the named variable", async () => {
  fresh();
  const d = svc({ command: sh('echo "fd=$READY_FD"; echo ready >&$READY_FD; exec sleep 30'), readiness: { kind: "pipevar", variable: "READY_FD" } });
  launcher.start(d);
  await rec.next("ready", d.name);
  await waitFor("fd line", () => out.lines(d.name).includes("fd=3"));
});

test("pipefd: a service that exits without writing never becomes ready", async () => {
  fresh();
  const d = svc({ command: ["true"], readiness: { kind: "pipefd", fd: 3 } });
  launcher.start(d);
  await rec.next("exited", d.name);
  expect(rec.kinds(d.name)).toEqual(["launched", "exited"]);
});

test("notify: READY=1 and STATUS= on NOTIFY_SOCKET, sent by systemd-notify", async () => {
  fresh();
  const d = svc({
    command: sh('systemd-notify --status="warming up"; sleep 0.05; systemd-notify --ready --status=serving; exec sleep 30'),
    readiness: { kind: "notify" },
  });
  launcher.start(d);
  await rec.next("ready", d.name);
  await waitFor("status text", () => launcher.runtime(d.name).statusText === "serving");
});

test("notify: MAINPID= moves supervision signals to the named pid", async () => {
  fresh();
  const d = svc({ command: sh('sleep 30 & systemd-notify --ready "MAINPID=$!"; wait'), readiness: { kind: "notify" } });
  launcher.start(d);
  await rec.next("ready", d.name);
  const pids = await waitFor("second launched", () => {
    const l = rec.log.filter((e) => e.kind === "launched" && e.name === d.name);
    return l.length === 2 ? l.map((e) => (e as { pid: number }).pid) : undefined;
  });
  expect(pids[1]).not.toBe(pids[0]);
});

test("notify: after MAINPID= the named process is the service, even once the process bosun started has exited", async () => {
  fresh();
  const d = svc({ command: sh('sleep 30 & systemd-notify --ready "MAINPID=$!"; exit 0'), readiness: { kind: "notify" } });
  launcher.start(d);
  await rec.next("ready", d.name);
  const [shell, main] = await waitFor("MAINPID launched", () => {
    const l = rec.log.filter((e) => e.kind === "launched" && e.name === d.name);
    return l.length === 2 ? l.map((e) => (e as { pid: number }).pid) : undefined;
  });
  await waitFor("the launching shell gone", () => !alive(shell!));
  expect(alive(main!)).toBe(true);
  launcher.stop(d);
  expect((await rec.next("exited", d.name)).status).toEqual({ code: null, signal: "TERM" });
  expect(rec.kinds(d.name).filter((k) => k === "exited")).toHaveLength(1);
});

test("socket-listen: fd 3 with LISTEN_FDS/LISTEN_PID, mode applied, and no refused connection across a restart", async () => {
  fresh();
  const path = join(dir, `l${serial}.sock`);
  const server = join(dir, "server.ts");
  writeFileSync(
    server,
    `import { createServer } from "node:net";
createServer((c) => c.end(process.env.LISTEN_FDS + " " + (process.env.LISTEN_PID === String(process.pid)) + "\\n")).listen({ fd: 3 });`,
  );
  const d = svc({ command: [process.execPath, server], socketListen: path, socketPermissions: 0o660 });
  const ask = () =>
    new Promise<string>((resolve, reject) => {
      let text = "";
      connect(path)
        .on("data", (b) => (text += b))
        .on("end", () => resolve(text.trim()))
        .on("error", reject);
    });
  launcher.start(d);
  await rec.next("ready", d.name);
  expect(statSync(path).mode & 0o777).toBe(0o660);
  expect(await ask()).toBe("1 true");
  launcher.stop(d);
  await rec.next("exited", d.name);
  // while the service is down the connection waits in the backlog instead of being refused
  const pending = ask();
  rec.log.length = 0;
  launcher.start(d);
  expect(await pending).toBe("1 true");
});

test("socket-listen on a path that is not a socket fails at stage socket", async () => {
  fresh();
  const path = join(dir, `file-${serial}`);
  writeFileSync(path, "");
  const d = svc({ command: ["sleep", "1"], socketListen: path });
  launcher.start(d);
  expect((await rec.next("launchFailed", d.name)).failure).toMatchObject({ stage: "socket", errno: "EADDRINUSE" });
});

test("socket-uid by name also gives the user's primary group; socket-gid overrides it; unknown names fail at stage socket", async () => {
  fresh();
  const owned = async (input: { socketUid?: string; socketGid?: string }) => {
    const path = join(dir, `own-${serial + 1}.sock`);
    const d = svc({ command: ["sleep", "30"], socketListen: path, ...input });
    launcher.start(d);
    await rec.next("ready", d.name);
    const st = statSync(path);
    launcher.stop(d);
    await rec.next("exited", d.name);
    return `${st.uid}:${st.gid}`;
  };
  expect(await owned({ socketUid: "nobody" })).toBe("65534:65534");
  expect(await owned({ socketUid: "nobody", socketGid: "0" })).toBe("65534:0");
  expect(await owned({ socketUid: "65534" })).toBe("65534:0"); // a number implies no group
  const d = svc({ command: ["sleep", "1"], socketListen: join(dir, "nouser.sock"), socketGid: "no-such-group-here" });
  launcher.start(d);
  expect((await rec.next("launchFailed", d.name)).failure.message).toBe("socket: no such group: no-such-group-here (socket-gid)");
});
