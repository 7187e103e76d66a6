/**
 * @module test/process/probe
 * Health commands spawned by the launcher as the service runs: its working directory, the
 * daemon's and its own environment, its helper stages and user; stdin closed, outputs piped to
 * the check, a process group of its own; a command that cannot run is a launch failure.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { describe, type ServiceDescriptionInput } from "../../src/config/schema.ts";
import { commandProbe } from "../../src/health/command.ts";
import { createLauncher, type ProcessLauncher } from "../../src/process/launcher.ts";
import { stubLogs } from "../support/logs.ts";
import { recorder } from "../support/recorder.ts";
import { processSetup } from "./support.ts";

const env = new Map<string, string>([["PATH", process.env.PATH ?? "/usr/bin:/bin"], ["FROM_DAEMON", "d"]]);
const { dir, reaper } = processSetup(env);
let launcher: ProcessLauncher;
beforeAll(() => {
  launcher = createLauncher({ events: recorder().events, logs: stubLogs().logs, env, reaper, runtimeDir: () => dir });
});
afterAll(() => launcher.close());

let serial = 0;
const svc = (input: Partial<ServiceDescriptionInput> = {}) =>
  describe({ name: `p${++serial}`, type: "process", command: ["/bin/sleep", "1000"], workingDir: dir, ...input });

/** Runs a health command of `d` to its end: its exit and everything it wrote. */
async function run(d: ReturnType<typeof svc>, script: string) {
  const child = launcher.spawnProbe(d, ["/bin/sh", "-c", script]);
  if (!("pid" in child)) throw new Error(`the probe did not spawn: ${child.message}`);
  const [status, out, err] = await Promise.all([child.exited, new Response(child.stdout).text(), new Response(child.stderr).text()]);
  return { child, status, out: out.trim().split("\n"), err: err.trim() };
}

test("a health command runs in the service's directory with the daemon's and the service's environment", async () => {
  const d = svc({ env: { OWN: "mine" } });
  const r = await run(d, "pwd; echo $FROM_DAEMON $OWN; echo oops >&2; exit 3");
  expect(r.status).toEqual({ code: 3, signal: null });
  expect(r.out).toEqual([dir, "d mine"]);
  expect(r.err).toBe("oops");
});

test("its stdin is closed and it leads a process group of its own", async () => {
  const r = await run(svc(), "cat; echo read $?; cut -d' ' -f5 /proc/self/stat");
  // cat saw end of input at once (it would wait forever on a terminal or a pipe left open)
  expect(r.out[0]).toBe("read 0");
  expect(Number(r.out[1])).toBe(r.child.pid); // the 5th field of stat is the process group
});

test("the service's helper stages apply to its health command (nice)", async () => {
  const r = await run(svc({ nice: 7 }), "nice");
  expect(r.out).toEqual(["7"]);
});

test.skipIf(process.getuid?.() !== 0)("a service with run-as runs its health command as that user", async () => {
  const r = await run(svc({ runAs: "65534" }), "id -u; id -g");
  expect(r.out).toEqual(["65534", "65534"]);
});

test("a health command that cannot be found is a launch failure naming the stage; the check says why", async () => {
  const d = svc();
  const child = launcher.spawnProbe(d, ["no-such-health-tool"]);
  expect(child).toMatchObject({ stage: "exec", errno: "ENOENT" });
  const result = await commandProbe(["no-such-health-tool"], (argv) => launcher.spawnProbe(d, argv))(new AbortController().signal);
  expect(result.ok).toBe(false);
  expect(result.text).toContain("could not start: exec: ENOENT");
});

test("through the command probe: exit 0 is healthy with its output kept, a failing exit unhealthy", async () => {
  const d = svc();
  const probe = (script: string) => commandProbe(["/bin/sh", "-c", script], (argv) => launcher.spawnProbe(d, argv))(new AbortController().signal);
  expect(await probe("echo accepting connections")).toEqual({ ok: true, text: "accepting connections" });
  expect(await probe("echo no route >&2; exit 2")).toEqual({ ok: false, text: "exited with 2: no route" });
});
