/**
 * @module test/process/launcher
 * The launcher against real processes and signals, with a recording ProcessEvents in place of
 * the engine: each service type, launch failure stages, stopping and escalation, environment.
 */
import { describe as group, expect, test } from "bun:test";
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, type ServiceDescriptionInput } from "../../src/config/schema.ts";
import type { ProcessLauncher } from "../../src/process/launcher.ts";
import { alive } from "../support/proc.ts";
import { waitFor } from "../support/wait.ts";
import { processSetup, type Launched } from "./support.ts";

const env = new Map<string, string>([["PATH", process.env.PATH ?? "/usr/bin:/bin"], ["FROM_DAEMON", "d"]]);
const setup = processSetup(env);
const dir = setup.dir;
let launcher: ProcessLauncher;
let rec: Launched["rec"];
let out: Launched["out"];
let serial = 0;

function fresh() {
  ({ launcher, rec, out } = setup.fresh());
}

const svc = (input: Partial<ServiceDescriptionInput>) => describe({ name: `s${++serial}`, type: "process", workingDir: dir, ...input });
const sh = (script: string) => ["/bin/sh", "-c", script];
const readPid = (file: string) => (existsSync(file) ? Number(readFileSync(file, "utf8")) || undefined : undefined);

group("process", () => {
  test("a process is launched, ready once exec'd, and its exit code reported", async () => {
    fresh();
    const d = svc({ command: sh("echo out; exit 3") });
    launcher.start(d);
    const exit = await rec.next("exited", d.name);
    expect(rec.kinds(d.name)).toEqual(["launched", "ready", "exited"]);
    expect(exit.status).toEqual({ code: 3, signal: null });
    await waitFor("output line", () => out.lines(d.name).includes("out"));
  });

  test("a signal death is reported by signal name", async () => {
    fresh();
    const d = svc({ command: sh("kill -SEGV $$") });
    launcher.start(d);
    expect((await rec.next("exited", d.name)).status).toEqual({ code: null, signal: "SEGV" });
  });

  test("a missing executable is a launch failure at stage exec, unlike a program that exits 127", async () => {
    fresh();
    const missing = svc({ command: ["/usr/bin/nginxx", "-g"] });
    const exits127 = svc({ command: sh("exit 127") });
    launcher.start(missing);
    launcher.start(exits127);
    const failed = await rec.next("launchFailed", missing.name);
    expect(failed.failure).toEqual({ stage: "exec", errno: "ENOENT", message: "exec: ENOENT (no such file: /usr/bin/nginxx)" });
    expect((await rec.next("exited", exits127.name)).status.code).toBe(127);
    expect(rec.kinds(exits127.name)).not.toContain("launchFailed");
  });

  test("a command not in PATH and a non-executable file fail at stage exec", async () => {
    fresh();
    writeFileSync(join(dir, "plain"), "x", { mode: 0o644 });
    const notInPath = svc({ command: ["no-such-program-xyz"] });
    const notExec = svc({ command: ["./plain"] });
    launcher.start(notInPath);
    launcher.start(notExec);
    expect((await rec.next("launchFailed", notInPath.name)).failure.message).toBe("exec: ENOENT (no such file: no-such-program-xyz in PATH)");
    expect((await rec.next("launchFailed", notExec.name)).failure).toMatchObject({ stage: "exec", errno: "EACCES" });
  });

  test("a missing working-dir fails at stage chdir", async () => {
    fresh();
    const d = svc({ command: ["true"], workingDir: join(dir, "nope") });
    launcher.start(d);
    expect((await rec.next("launchFailed", d.name)).failure).toMatchObject({ stage: "chdir", errno: "ENOENT" });
  });

  test("the child gets the daemon env, the service env, its working dir and its own session", async () => {
    fresh();
    const wd = join(dir, "wd");
    mkdirSync(wd, { recursive: true });
    const d = svc({
      command: sh('echo "$FROM_DAEMON $OWN $(pwd) $(ps -o sid= -p $$ | tr -d " ") $$"; read x || echo stdin-closed'),
      env: { OWN: "o" },
      workingDir: wd,
    });
    launcher.start(d);
    await rec.next("exited", d.name);
    const launched = await rec.next("launched", d.name);
    await waitFor("output", () => out.lines(d.name).length >= 2);
    expect(out.lines(d.name)).toEqual([`d o ${wd} ${launched.pid} ${launched.pid}`, "stdin-closed"]);
  });

  test("stop sends term-signal to the whole process group", async () => {
    fresh();
    const pidFile = join(dir, `grandchild-${serial}`);
    const d = svc({ command: sh(`sleep 30 & echo $! > ${pidFile}; wait`), termSignal: "HUP" });
    launcher.start(d);
    await rec.next("ready", d.name);
    const grandchild = await waitFor("grandchild pid", () => readPid(pidFile));
    launcher.stop(d);
    expect((await rec.next("exited", d.name)).status).toEqual({ code: null, signal: "HUP" });
    await waitFor("grandchild gone", () => !alive(grandchild));
  });

  test("signal-process-only signals the leader alone; the rest of the service gets the stop signal once the leader is gone", async () => {
    fresh();
    const marks = join(dir, `marks-${serial}`);
    // the leader takes its time over TERM: had the group been signalled, the child would write first
    const child = `sh -c 'trap "echo child >> ${marks}; exit 0" TERM; while :; do sleep 0.05; done'`;
    const d = svc({ command: sh(`${child} & trap 'sleep 0.2; echo leader >> ${marks}; exit 0' TERM; echo up; wait`), options: ["signal-process-only"] });
    launcher.start(d);
    await waitFor("the leader up", () => out.lines(d.name).includes("up"));
    launcher.stop(d);
    expect((await rec.next("exited", d.name)).status).toEqual({ code: 0, signal: null });
    expect(readFileSync(marks, "utf8")).toBe("leader\nchild\n");
  });

  test("a process ignoring its term-signal ends by kill with SIGKILL to its group", async () => {
    fresh();
    const d = svc({ command: sh("trap '' TERM; echo armed; while :; do sleep 0.05; done"), stopTimeout: 1 });
    launcher.start(d);
    await waitFor("trap armed", () => out.lines(d.name).includes("armed"));
    launcher.stop(d);
    // the engine calls kill when stop-timeout expires; here the test plays the engine
    launcher.kill(d);
    expect((await rec.next("exited", d.name)).status).toEqual({ code: null, signal: "KILL" });
  });

  test("without a cgroup, stop reaches setsid'd grandchildren through the process tree: the service is stopped only once they are gone, by SIGKILL at the stop-timeout", async () => {
    fresh();
    const pids = join(dir, `pids-${serial}`);
    // two grandchildren in sessions of their own, ignoring TERM, one with a child of its own
    const deaf = (inner: string) => `setsid sh -c 'trap "" TERM; ${inner}'`;
    const d = svc({ command: sh(`${deaf(`echo $$ >> ${pids}; exec sleep 100`)} & ${deaf(`sleep 100 & echo $! >> ${pids}; echo $$ >> ${pids}; wait`)} & exec sleep 100`) });
    launcher.start(d);
    const { pid: leader } = await rec.next("launched", d.name);
    const others = await waitFor("three descendants", () => {
      const text = existsSync(pids) ? readFileSync(pids, "utf8").trim().split("\n").map(Number) : [];
      return text.length === 3 && text;
    });
    launcher.stop(d);
    await waitFor("the leader gone", () => !alive(leader));
    // the service is not stopped while its processes live
    expect(others.filter(alive)).toEqual(others);
    expect(rec.kinds(d.name)).not.toContain("exited");
    // the engine's stop-timeout
    launcher.kill(d);
    expect((await rec.next("exited", d.name)).status).toEqual({ code: null, signal: "TERM" });
    expect(others.filter(alive)).toEqual([]);
  });

  test("without a cgroup, a run that ends of itself has what is left of its session killed before its exit is reported", async () => {
    fresh();
    const pidFile = join(dir, `left-${serial}`);
    const d = svc({ command: sh(`sleep 100 & echo $! > ${pidFile}; exit 3`) });
    launcher.start(d);
    expect((await rec.next("exited", d.name)).status).toEqual({ code: 3, signal: null });
    expect(alive(readPid(pidFile)!)).toBe(false);
  });

  test("interrupt sends SIGINT to the group (start-timeout)", async () => {
    fresh();
    const d = svc({ command: ["sleep", "30"], readiness: { kind: "pipefd", fd: 3 } });
    launcher.start(d);
    await rec.next("launched", d.name);
    launcher.interrupt(d);
    expect((await rec.next("exited", d.name)).status).toEqual({ code: null, signal: "INT" });
    expect(rec.kinds(d.name)).not.toContain("ready");
  });

  test("stop-command replaces the signal for a process", async () => {
    fresh();
    const marker = join(dir, `stopped-${serial}`);
    const d = svc({ command: ["sleep", "30"], stopCommand: sh(`touch ${marker}; kill $(cat ${marker}.pid)`) });
    launcher.start(d);
    const { pid } = await rec.next("launched", d.name);
    writeFileSync(`${marker}.pid`, String(pid));
    launcher.stop(d);
    expect((await rec.next("exited", d.name)).status.signal).toBe("TERM");
    expect(existsSync(marker)).toBe(true);
  });
});

group("scripted, internal, bgprocess", () => {
  test("scripted is ready when its command exits 0 and stops by running stop-command", async () => {
    fresh();
    const d = svc({ type: "scripted", command: sh("echo up"), stopCommand: sh("echo down; exit 4") });
    launcher.start(d);
    await rec.next("ready", d.name);
    expect(rec.kinds(d.name)).toEqual(["launched", "ready"]);
    launcher.stop(d);
    expect((await rec.next("exited", d.name)).status.code).toBe(4);
    await waitFor("both scripts' output", () => out.lines(d.name).join(",") === "up,down");
  });

  test("stop-command runs as the service's run-as user, with stdin from /dev/null, not the service's input", async () => {
    fresh();
    // The service's input (for a consumer: the producer's pipe) is a file here.
    const input = join(dir, "input");
    writeFileSync(input, "");
    const fd = openSync(input, "r");
    const open = out.logs.open;
    out.logs.open = (desc) => ({ ...open(desc), stdin: fd });
    const who = 'echo "$(id -u) $(readlink /proc/$$/fd/0)"';
    const d = svc({ type: "scripted", command: sh(who), stopCommand: sh(who), runAs: "nobody" });
    try {
      launcher.start(d);
      await rec.next("ready", d.name);
      launcher.stop(d);
      expect((await rec.next("exited", d.name)).status.code).toBe(0);
      await waitFor("both scripts' output", () => out.lines(d.name).length === 2);
      expect(out.lines(d.name)).toEqual([`65534 ${input}`, "65534 /dev/null"]);
    } finally {
      closeSync(fd);
    }
  });

  test("scripted whose command fails reports the exit, not ready", async () => {
    fresh();
    const d = svc({ type: "scripted", command: sh("exit 2") });
    launcher.start(d);
    expect((await rec.next("exited", d.name)).status.code).toBe(2);
    expect(rec.kinds(d.name)).toEqual(["launched", "exited"]);
  });

  test("scripted without stop-command stops at once", async () => {
    fresh();
    const d = svc({ type: "scripted", command: ["true"] });
    launcher.start(d);
    await rec.next("ready", d.name);
    launcher.stop(d);
    expect((await rec.next("exited", d.name)).status.code).toBe(0);
  });

  test("internal and triggered services are ready without a process", async () => {
    fresh();
    const d = svc({ type: "internal" });
    launcher.start(d);
    await rec.next("ready", d.name);
    launcher.stop(d);
    await rec.next("exited", d.name);
    expect(rec.kinds(d.name)).toEqual(["ready", "exited"]);
  });

  test("bgprocess: the daemon named in the pid file is supervised after its launcher exits", async () => {
    fresh();
    const pidFile = join(dir, `daemon-${serial}.pid`);
    const d = svc({ type: "bgprocess", command: sh(`(setsid sh -c 'trap "exit 9" TERM; echo $$ > ${pidFile}; while :; do sleep 0.05; done' &) ; while [ ! -s ${pidFile} ]; do sleep 0.01; done`), pidFile });
    launcher.start(d);
    await rec.next("ready", d.name);
    const pids = rec.log.filter((e) => e.kind === "launched" && e.name === d.name).map((e) => (e as { pid: number }).pid);
    const daemon = readPid(pidFile)!;
    expect(pids).toEqual([pids[0]!, daemon]);
    expect(alive(daemon)).toBe(true);
    launcher.stop(d);
    expect((await rec.next("exited", d.name)).status).toEqual({ code: 9, signal: null });
  });

  test("bgprocess whose pid file is missing fails at stage pid-file", async () => {
    fresh();
    const d = svc({ type: "bgprocess", command: ["true"], pidFile: join(dir, "never.pid") });
    launcher.start(d);
    expect((await rec.next("launchFailed", d.name)).failure).toMatchObject({ stage: "pid-file", errno: "ENOENT" });
  });
});

group("helper stages", () => {
  test("nice and oom-score-adj are applied by helper commands before the program runs", async () => {
    fresh();
    const d = svc({ command: sh('echo "$(cut -d" " -f19 /proc/$$/stat) $(cat /proc/$$/oom_score_adj)"'), nice: 7, oomScoreAdj: 300 });
    launcher.start(d);
    expect((await rec.next("exited", d.name)).status.code).toBe(0);
    expect(rec.kinds(d.name)).toEqual(["launched", "ready", "exited"]);
    await waitFor("output", () => out.lines(d.name).length > 0);
    expect(out.lines(d.name)).toEqual(["7 300"]);
  });

  test("rlimits, ioprio, run-as and no-new-privs are applied by helper commands before the program runs", async () => {
    fresh();
    const d = svc({
      command: sh('echo "$(ulimit -Sn) $(ulimit -Hn) $(ionice -p $$) $(id -u):$(id -g) $(grep NoNewPrivs /proc/$$/status | cut -f2)"'),
      rlimits: { nofile: { soft: 100, hard: 200 }, core: null, data: null, addrspace: null },
      ioprio: "idle",
      runAs: "nobody",
      noNewPrivs: true,
    });
    launcher.start(d);
    expect((await rec.next("exited", d.name)).status.code).toBe(0);
    await waitFor("output", () => out.lines(d.name).length > 0);
    expect(out.lines(d.name)).toEqual(["100 200 idle 65534:65534 1"]);
  });

  test("run-as a user with no passwd entry fails the launch at stage run-as instead of running with root's group", async () => {
    fresh();
    const d = svc({ command: ["true"], runAs: "no-such-user-here" });
    launcher.start(d);
    const failed = await rec.next("launchFailed", d.name);
    expect(failed.failure.stage).toBe("run-as");
    expect(failed.failure).toEqual({ stage: "run-as", errno: null, message: "run-as: no user no-such-user-here in /etc/passwd" });
  });

  test("a failing helper is a launch failure naming its stage, even the second of two", async () => {
    const stages = [
      { stage: "nice", argv: ["nice", "-n", "1"] },
      { stage: "setpriv", argv: ["sh", "-c", "echo setpriv: cannot drop >&2; exit 127"] },
    ];
    ({ launcher, rec, out } = setup.fresh({ stages: () => stages }));
    const d = svc({ command: ["true"] });
    launcher.start(d);
    const failed = await rec.next("launchFailed", d.name);
    expect(failed.failure).toEqual({ stage: "setpriv", errno: null, message: "setpriv: setpriv: cannot drop (before the program ran: exited with 127)" });
    expect(rec.kinds(d.name)).toEqual(["launched", "launchFailed"]);
    // the helper's message went into the failure, not into the service's log
    expect(out.lines(d.name)).toEqual([]);
  });

  test("after the helpers the program has its own stderr back, and none of the chain's fds", async () => {
    fresh();
    // the shell's own fds, less the one its $(...) reads from
    const command = sh('echo "fds $(ls /proc/$$/fd | tr "\n" " ")"; echo oops >&2');
    const plain = svc({ command });
    const chained = svc({ command, nice: 1, oomScoreAdj: 10 });
    launcher.start(plain);
    launcher.start(chained);
    for (const d of [plain, chained]) {
      expect((await rec.next("exited", d.name)).status.code).toBe(0);
      await waitFor("both lines", () => out.lines(d.name).length === 2);
    }
    expect(out.lines(chained.name).sort()).toEqual(out.lines(plain.name).sort());
    expect(out.lines(chained.name)).toContain("oops");
  });

  test("after the helpers, a program exiting 127 is the program's exit, not a launch failure", async () => {
    fresh();
    const d = svc({ command: sh("exit 127"), nice: 1 });
    launcher.start(d);
    expect((await rec.next("exited", d.name)).status.code).toBe(127);
    expect(rec.kinds(d.name)).toEqual(["launched", "ready", "exited"]);
  });
});
