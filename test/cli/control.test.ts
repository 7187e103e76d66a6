/**
 * @module test/cli/control
 * The control CLI against a real bosun on a real socket: every command's success path and its
 * refusal path (exit code and message), and `--json` checked against the response schemas.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { existsSync, lstatSync, mkdirSync, readlinkSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import * as v from "valibot";
import { ActionResult, InfoJson, ProbeJson, ServiceList, StatusJson } from "../../src/control/schemas.ts";
import { bosunArgv, cli, spawnCli } from "../support/cli.ts";
import { boot, type Daemon } from "../support/daemon.ts";
import { removeTempDirs, tempDir, writeFiles } from "../support/files.ts";
import { waitFor } from "../support/wait.ts";

// Each test runs the CLI a few times as separate processes (~150 ms each on 2 busy cores).
setDefaultTimeout(30000);

let dir: string;
let d: Daemon;
let healthyFlag: string;
const run = (command: string, ...args: string[]) => cli(d.socket, command, ...args);
/** The CLI as a process of its own, against this daemon: exit status and usage errors as a shell sees them. */
const runProcess = (...args: string[]) => spawnCli(args, { env: { BOSUN_SOCKET: d.socket } });
const status = async (name: string) => v.parse(StatusJson, JSON.parse((await run("status", "--json", name)).stdout));

beforeAll(async () => {
  dir = tempDir();
  healthyFlag = join(dir, "healthy");
  writeFileSync(healthyFlag, "");
  const s = join(dir, "services");
  writeFiles(s, {
    // `after` loads unrun without starting it.
    boot: "type = internal\ndepends-on = web\ndepends-on = checked\nwaits-for = flaky\nwaits-for.d = boot.d\nafter = unrun\n",
    // healthy while its flag file exists; left running when not (restart = no)
    checked: `type = process\ncommand = /bin/sleep 1000\nrestart = no\nhealth-command = /bin/sh -c "test -e ${healthyFlag} && echo fine"\nhealth-interval = 0.1\nhealth-retries = 1\n`,
    flaky: "type = process\ncommand = /bin/sleep 1000\nrestart = no\n",
    leaf: "type = process\ncommand = /bin/sleep 1000\nrestart = no\n",
    branch: "type = process\ncommand = /bin/sleep 1000\ndepends-on = leaf\nrestart = no\n",
    holder: "type = internal\nwaits-for = soft\n",
    soft: "type = process\ncommand = /bin/sleep 1000\nrestart = no\n",
    "boot.d/.keep": "",
    web: `type = process\ncommand = /bin/sh ${s}/web.sh\nlog-type = buffer\nrestart = no\n`,
    "web.sh": `trap 'echo got-usr1' USR1\necho hello from web\necho second line\nwhile :; do sleep 5 & wait $!; done\n`,
    api: "type = process\ncommand = /bin/sleep 1000\ndepends-on = web\nrestart = no\n",
    bad: "type = process\ncommand = /nonexistent/bosun-test-program\nrestart = no\n",
    extra: "type = process\ncommand = /bin/sleep 1000\nrestart = no\n",
    envsvc: `type = scripted\ncommand = /bin/sh -c "echo FOO=$$FOO"\nlog-type = buffer\n`,
    trig: "type = triggered\n",
    lonely: "type = internal\n",
    unrun: "type = process\ncommand = /bin/true\nlog-type = buffer\nrestart = no\n",
    piped: "type = process\ncommand = /bin/sleep 1000\nlog-type = pipe\nrestart = no\n",
    eater: "type = process\ncommand = /bin/cat\nconsumer-of = piped\nrestart = no\n",
    mute: "type = process\ncommand = /bin/sleep 1000\nlog-type = none\nrestart = no\n",
  });
  d = await boot(dir, { healthListen: true }).answering();
  await waitFor("web to start at boot", async () => (await status("web")).state === "started");
});

afterAll(async () => {
  try {
    await d?.stop();
  } finally {
    removeTempDirs();
  }
});

describe("reads", () => {
  test("list shows each loaded service, and --json matches the list schema", async () => {
    const human = await run("list");
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/^web\s+started\s+pid \d+/m);
    const json = await run("list", "--json");
    expect(json.code).toBe(0);
    const list = v.parse(ServiceList, JSON.parse(json.stdout));
    expect(list.map((s) => s.name)).toContain("boot");
    expect(list.find((s) => s.name === "boot")).toMatchObject({ state: "started", activated: true, type: "internal" });
  });

  test("status --json matches the status schema and names dependencies with their states", async () => {
    const s = await status("web");
    expect(s).toMatchObject({ name: "web", type: "process", state: "started", target: "started", fileChanged: false });
    expect(s.pid).toBeNumber();
    expect(s.uptime).toBeNumber();
    expect(s.file).toBe(join(d.services, "web"));
    expect(s.dependents).toContainEqual({ kind: "need", name: "boot", state: "started" });
    const human = await run("status", "web");
    expect(human.stdout).toContain("dependents: boot (need, started)");
  });

  test("is-started and is-failed of a service that is not loaded say so on stderr (exit 1)", async () => {
    for (const command of ["is-started", "is-failed"]) {
      const r = await run(command, "nosuch");
      expect(r.code).toBe(1);
      expect(r.stderr).toContain("no service named nosuch is loaded");
    }
    expect((await run("is-started", "web")).stderr).toBe("");
  });

  test("logs of a service whose output bosun does not keep says where it goes", async () => {
    expect((await run("start", "piped")).code).toBe(0);
    expect((await run("start", "eater")).code).toBe(0);
    try {
      const piped = await run("logs", "piped");
      expect(piped.code).toBe(0);
      expect(piped.stdout).toBe("");
      expect(piped.stderr).toContain("this service's output goes to consumer eater: bosun logs eater");
      expect((await run("start", "mute")).code).toBe(0);
      expect((await run("logs", "mute")).stderr).toContain("this service's output is discarded (log-type = none)");
    } finally {
      await run("stop", "mute");
      await run("stop", "--force", "piped");
      await run("stop", "eater");
    }
  });

  test("info shows bosun itself; --json matches its schema", async () => {
    const json = v.parse(InfoJson, JSON.parse((await run("info", "--json")).stdout));
    expect(json).toMatchObject({ socket: d.socket, dirs: [d.services], bootServices: ["boot"], reaping: "subreaper", shuttingDown: false });
    expect(json.pid).toBe(d.proc.pid);
    expect(json.healthListen).toBe(`127.0.0.1:${d.port}`);
    const human = await run("info");
    expect(human.stdout).toMatch(new RegExp(`^bosun \\d+\\.\\d+\\.\\d+, pid ${d.proc.pid} \\(child subreaper`));
    expect(human.stdout).toContain(`socket:     ${d.socket}`);
  });

  test("status of a service that is not loaded exits 1 naming it", async () => {
    const r = await run("status", "nosuch");
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("no service named nosuch is loaded");
  });

  test("a bad service name is a usage error (exit 2) naming the argument", async () => {
    const r = await runProcess("status", "../etc");
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("'../etc': a service name is");
  });

  test("a missing or extra argument is a usage error with the usage line", async () => {
    for (const args of [["stop"], ["add-dep", "frob", "a", "b"], ["list", "x"], ["setenv", "novalue"], ["logs", "-n", "200000", "web"], ["logs", "-f", "--json", "web"]]) {
      const r = await runProcess(...args);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain("usage: bosun");
    }
  });

  test("every command on a service that does not exist fails with exit 1 naming it", async () => {
    const commands = [["restart"], ["wake"], ["release"], ["unpin"], ["untrigger"], ["unload"], ["reload"], ["disable"], ["signal", "HUP"], ["logs"]];
    for (const args of commands) {
      const r = await run(args[0]!, ...args.slice(1), "ghost");
      expect({ args, code: r.code }).toEqual({ args, code: 1 });
      expect({ args, stderr: r.stderr }).toEqual({ args, stderr: expect.stringContaining("ghost") });
    }
    const dep = await run("rm-dep", "need", "ghost", "web");
    expect(dep.code).toBe(1);
    expect((await run("is-started", "ghost")).code).toBe(1);
  });

  test("no daemon on the socket is a failure (exit 1) that says so", async () => {
    const r = await cli(join(dir, "none.sock"), "list");
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("cannot reach bosun");
  });

  test("something other than bosun answering on the socket is a failure (exit 1) naming the socket", async () => {
    const socket = join(dir, "other.sock");
    const other = Bun.serve({ unix: socket, fetch: () => new Response("<html>not bosun</html>") });
    try {
      const r = await cli(socket, "list");
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(`unexpected answer on ${socket}`);
    } finally {
      await other.stop(true);
    }
  });
});

describe("start and stop", () => {
  test("start waits until the service has started and activates it", async () => {
    const r = await run("start", "api");
    expect(r.code).toBe(0);
    expect(r.stderr + r.stdout).toContain("api is started");
    expect(await status("api")).toMatchObject({ state: "started", activated: true });
  });

  test("stop refuses while a hard dependent is started unless forced, listing the dependents", async () => {
    const r = await runProcess("stop", "web");
    expect(r.code).toBe(1);
    expect(r.stderr + r.stdout).toContain("api");
    expect((await status("web")).state).toBe("started");
  });

  test("stop waits until the service has stopped", async () => {
    const r = await run("stop", "api");
    expect(r.code).toBe(0);
    expect(r.stderr + r.stdout).toContain("api is stopped");
    expect(await status("api")).toMatchObject({ state: "stopped", activated: false });
  });

  test("stop --force stops the hard dependents too", async () => {
    expect((await run("start", "branch")).code).toBe(0);
    const refused = await run("stop", "leaf");
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("branch");
    expect((await run("stop", "--force", "leaf")).code).toBe(0);
    expect((await status("branch")).state).toBe("stopped");
  });

  test("start of a program that does not exist fails with the launch stage and errno", async () => {
    const r = await run("start", "bad");
    expect(r.code).toBe(1);
    expect(r.stderr + r.stdout).toContain("bad failed to start");
    const s = await status("bad");
    expect(s.state).toBe("stopped");
    expect(s.failure?.errno).toBe("ENOENT");
    expect((await run("is-failed", "bad")).code).toBe(0);
  });

  test("start --no-wait returns at once and the service still starts", async () => {
    const r = await run("start", "--no-wait", "extra");
    expect(r.code).toBe(0);
    await waitFor("extra to start", async () => (await status("extra")).state === "started");
    expect((await run("is-started", "extra")).code).toBe(0);
    expect((await run("is-failed", "extra")).code).toBe(1);
    expect((await run("stop", "extra")).code).toBe(0);
    expect((await run("is-started", "extra")).code).toBe(1);
  });

  test("restart gives the service a new process", async () => {
    await run("start", "extra");
    const before = (await status("extra")).pid;
    const r = await run("restart", "extra");
    expect(r.code).toBe(0);
    const after = await status("extra");
    expect(after.state).toBe("started");
    expect(after.pid).not.toBe(before);
    await run("stop", "extra");
  });

  test("wake starts without activating what an active service wants, and refuses otherwise", async () => {
    const refused = await run("wake", "extra");
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("extra");
    expect((await run("start", "holder")).code).toBe(0);
    expect((await run("stop", "soft")).code).toBe(0);
    expect((await run("wake", "soft")).code).toBe(0);
    expect(await status("soft")).toMatchObject({ state: "started", activated: false });
    await run("stop", "holder");
  });

  test("release stops an activated service nothing else needs", async () => {
    expect((await run("start", "extra")).code).toBe(0);
    expect((await status("extra")).activated).toBe(true);
    const r = await run("release", "extra");
    expect(r.code).toBe(0);
    expect(await status("extra")).toMatchObject({ state: "stopped", activated: false });
  });

  test("start --pin pins it started until unpin", async () => {
    expect((await run("start", "--pin", "extra")).code).toBe(0);
    expect((await status("extra")).pinned).toBe("started");
    expect((await run("unpin", "extra")).code).toBe(0);
    expect((await status("extra")).pinned).toBeNull();
    await run("stop", "extra");
  });

  test("stopping an optional (waits-for) service by hand leaves /readyz and health ready; ?verbose shows it, not counted", async () => {
    const readyz = () => fetch(`http://127.0.0.1:${d.port}/readyz?verbose`);
    expect((await run("stop", "flaky")).code).toBe(0);
    const res = await readyz();
    expect(res.status).toBe(200);
    expect(await res.text()).toContain("[-]flaky failed: stopped (optional: not counted)\n");
    expect((await run("health")).code).toBe(0);
    const verdict = v.parse(ProbeJson, JSON.parse((await run("health", "--json")).stdout));
    expect(verdict.ok).toBe(true);
    expect(verdict.services).toContainEqual({ name: "flaky", ok: false, reason: "stopped", optional: true });
    expect((await run("start", "flaky")).code).toBe(0);
    expect(await (await readyz()).text()).toContain("[+]flaky ok (optional)\n");
  });

  test("/readyz, ?verbose and health flip while a needed service's check fails, and back once it passes; health NAME answers for one", async () => {
    const readyz = () => fetch(`http://127.0.0.1:${d.port}/readyz?verbose`);
    expect((await readyz()).status).toBe(200);
    expect((await run("health")).code).toBe(0);
    expect(await run("health", "checked")).toMatchObject({ code: 0, stdout: "checked: ready\n" });
    rmSync(healthyFlag);
    await waitFor("checked to turn unhealthy", async () => (await status("checked")).health?.state === "unhealthy");
    const down = await readyz();
    expect(down.status).toBe(503);
    const body = await down.text();
    expect(body).toContain("[-]checked failed: health unhealthy: exited with 1\n");
    expect(body).toEndWith("readyz check failed\n");
    const health = await run("health");
    expect(health.code).toBe(1);
    expect(health.stdout).toBe("not ready: checked: health unhealthy: exited with 1\n");
    expect(await run("health", "checked")).toMatchObject({ code: 1, stdout: "checked: health unhealthy: exited with 1\n" });
    // restart = no: left running, unhealthy
    expect((await status("checked")).state).toBe("started");
    writeFileSync(healthyFlag, "");
    await waitFor("/readyz to pass again", async () => (await readyz()).status === 200);
    expect((await run("health")).code).toBe(0);
  });

  test("health NAME of a service that is not ready, or not loaded, exits 1 saying why", async () => {
    expect(await run("health", "extra")).toMatchObject({ code: 1, stdout: "extra: stopped\n" });
    const missing = await run("health", "nosuch");
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("nosuch");
  });

  test("/metrics has each checked service's health and its checks by result; services without a check have none", async () => {
    const text = await (await fetch(`http://127.0.0.1:${d.port}/metrics`)).text();
    expect(text).toContain("# TYPE bosun_service_healthy gauge\n");
    expect(text).toContain('bosun_service_healthy{service="checked"} 1\n');
    expect(text).not.toContain('bosun_service_healthy{service="web"}');
    expect(text).toContain("# TYPE bosun_health_checks_total counter\n");
    const count = (result: string) => Number(new RegExp(`^bosun_health_checks_total\\{service="checked",result="${result}"\\} (\\d+)$`, "m").exec(text)?.[1]);
    expect(count("success")).toBeGreaterThan(0);
    // the earlier test made it fail
    expect(count("failure")).toBeGreaterThan(0);
    expect(count("timeout")).toBe(0);
  });

  test("status shows the health check: its state, failures, last check and output; --json matches the schema", async () => {
    const s = await status("checked");
    expect(s.health).toMatchObject({ state: "healthy", failures: 0, checking: true, output: "fine" });
    expect(s.health!.lastCheck).toBeNumber();
    expect(s.health!.duration).toBeNumber();
    expect(s.health!.checks.success).toBeGreaterThan(0);
    const human = await run("status", "checked");
    expect(human.stdout).toMatch(/^  health:     healthy \(last check .* ago, took \d+ ms\): fine$/m);
  });
});

describe("other commands", () => {
  test("signal delivers by name and by number; an unknown signal is bad usage", async () => {
    const seen = async () => (await run("logs", "web")).stdout.split("got-usr1").length - 1;
    const before = await seen();
    expect((await run("signal", "USR1", "web")).code).toBe(0);
    await waitFor("web to log the USR1 by name", async () => (await seen()) > before);
    // One at a time: two pending USR1s would merge into one.
    expect((await run("signal", "10", "web")).code).toBe(0);
    await waitFor("web to log the USR1 by number", async () => (await seen()) > before + 1);
    const bogus = await run("signal", "BOGUS", "web");
    expect(bogus.code).toBe(2);
    expect(bogus.stderr).toContain("'BOGUS': no such signal");
    const stopped = await run("signal", "HUP", "api");
    expect(stopped.code).toBe(1);
    const list = await run("signal", "--list");
    expect(list.stdout).toMatch(/^15 TERM$/m);
  });

  test("logs prints the buffer, -n limits it, --clear empties it after printing", async () => {
    const all = await run("logs", "web");
    expect(all.code).toBe(0);
    expect(all.stdout).toContain("hello from web");
    const last = await run("logs", "-n", "1", "web");
    expect(last.stdout.trim().split("\n")).toHaveLength(1);
    const cleared = await run("logs", "--clear", "web");
    expect(cleared.stdout).toContain("hello from web");
    expect((await run("logs", "web")).stdout).not.toContain("hello from web");
    expect((await run("logs", "nosuch")).code).toBe(1);
    const unbuffered = await run("logs", "--clear", "api");
    expect(unbuffered.code).toBe(1);
    expect(unbuffered.stderr).toContain("cannot clear api's log: its log-type is console");
    // A loaded buffer service that has not run yet has an empty log, not a refusal.
    expect(await run("logs", "--clear", "unrun")).toMatchObject({ code: 0, stdout: "" });
  });

  test("logs -f follows new lines as the service writes them", async () => {
    const follow = Bun.spawn(bosunArgv(["logs", "-f", "-p", d.socket, "web"]), {
      stdout: "pipe",
      stderr: "ignore",
    });
    try {
      const reader = follow.stdout.getReader();
      const decoder = new TextDecoder();
      let seen = "";
      const count = () => seen.split("got-usr1").length - 1;
      const readUntil = async (n: number) => {
        while (count() < n) {
          const { value, done } = await reader.read();
          if (done) break;
          seen += decoder.decode(value);
        }
      };
      // The first line may come in the opening tail (if it landed before the CLI subscribed);
      // either way, once it is printed the CLI is subscribed, and the second can only be followed.
      await run("signal", "USR1", "web");
      await readUntil(1);
      await run("signal", "USR1", "web");
      await readUntil(2);
      expect(count()).toBe(2);
    } finally {
      follow.kill();
      await follow.exited;
    }
  });

  test("trigger and untrigger mark a triggered service", async () => {
    expect((await run("start", "--no-wait", "trig")).code).toBe(0);
    expect((await run("trigger", "trig")).code).toBe(0);
    await waitFor("trig to start once triggered", async () => (await status("trig")).state === "started");
    expect((await status("trig")).triggered).toBe(true);
    expect((await run("untrigger", "trig")).code).toBe(0);
    expect((await status("trig")).triggered).toBe(false);
    const r = await run("trigger", "nosuch");
    expect(r.code).toBe(1);
  });

  test("add-dep and rm-dep change the dependencies live", async () => {
    const added = await run("add-dep", "waits-for", "lonely", "extra");
    expect(added.code).toBe(0);
    expect((await status("lonely")).depends).toContainEqual({ kind: "waits-for", name: "extra", state: expect.anything() });
    expect((await run("rm-dep", "waits-for", "lonely", "extra")).code).toBe(0);
    expect((await status("lonely")).depends).toEqual([]);
    const bad = await run("add-dep", "need", "lonely", "nosuch");
    expect(bad.code).toBe(1);
  });

  test("enable links the service in boot's waits-for.d and starts it; disable undoes both", async () => {
    const link = join(d.services, "boot.d", "extra");
    const r = await run("enable", "extra");
    expect(r.code).toBe(0);
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(readlinkSync(link)).toBe(join(d.services, "extra"));
    await waitFor("extra to start once enabled", async () => (await status("extra")).state === "started");
    expect((await status("boot")).depends).toContainEqual({ kind: "waits-for", name: "extra", state: "started" });
    expect((await run("disable", "extra")).code).toBe(0);
    expect(existsSync(link)).toBe(false);
    expect((await status("boot")).depends.map((x) => x.name)).not.toContain("extra");
    // Again, as dinit does: nothing to undo is no failure.
    expect((await run("disable", "extra")).code).toBe(0);
    expect((await run("enable", "extra")).code).toBe(0);
    expect((await run("enable", "extra")).code).toBe(0);
    expect((await run("disable", "extra")).code).toBe(0);
    await run("stop", "extra");
  });

  test("enable finds a waits-for.d that its enable-via service declares in an @include fragment", async () => {
    writeFileSync(join(d.services, "hub"), "type = internal\n@include parts/hub.inc\n");
    mkdirSync(join(d.services, "parts"), { recursive: true });
    writeFileSync(join(d.services, "parts", "hub.inc"), "waits-for.d = hub.d\n");
    writeFileSync(join(d.services, "spoke"), "type = internal\n@meta enable-via hub\n");
    expect((await run("start", "hub")).code).toBe(0);
    try {
      const r = await run("enable", "spoke");
      expect(r.stderr).not.toContain("no waits-for.d");
      expect(r.code).toBe(0);
      // relative to the fragment that names it, as dinit resolves .d settings
      expect(lstatSync(join(d.services, "parts", "hub.d", "spoke")).isSymbolicLink()).toBe(true);
      expect((await run("disable", "spoke")).code).toBe(0);
      expect(existsSync(join(d.services, "parts", "hub.d", "spoke"))).toBe(false);
    } finally {
      await run("stop", "hub");
    }
  });

  test("enable from a service without waits-for.d is refused with what to add", async () => {
    writeFileSync(join(d.services, "viaweb"), "type = internal\n@meta enable-via web\n");
    const r = await run("enable", "viaweb");
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("waits-for.d = web.d");
  });

  test("setenv and unsetenv change what later launches see", async () => {
    expect((await run("setenv", "FOO=bar baz")).code).toBe(0);
    expect((await run("start", "envsvc")).code).toBe(0);
    expect((await run("logs", "envsvc")).stdout).toContain("FOO=bar baz");
    await run("stop", "envsvc");
    expect((await run("unsetenv", "FOO")).code).toBe(0);
    expect((await run("start", "envsvc")).code).toBe(0);
    expect((await run("logs", "-n", "1", "envsvc")).stdout).toContain("FOO=\n");
    await run("stop", "envsvc");
  });

  test("reload notices a changed file; --plan and reload say the same and a reload restarts nothing", async () => {
    await run("start", "extra");
    writeFileSync(join(d.services, "extra"), "type = process\ncommand = /bin/sleep 999\nrestart = no\n");
    await waitFor("the change to show in status", async () => (await status("extra")).fileChanged);
    const pid = (await status("extra")).pid;
    const plan = await run("reload", "--plan", "--json", "extra");
    expect(plan.code).toBe(0);
    const parsed = v.parse(ActionResult, JSON.parse(plan.stdout));
    expect(parsed.plan?.changes).toEqual([{ service: "extra", now: [], restartNeeded: ["command"], restartsWith: [], }]);
    // The plan and the reload say the same, and the reload does just that: no restart (dinit's rule).
    const said = "at the next restart: command (bosun restart extra)";
    expect((await run("reload", "--plan", "extra")).stdout).toContain(`extra: ${said}`);
    const r = await run("reload", "extra");
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(`extra reloaded; ${said}`);
    expect((await status("extra")).pid).toBe(pid);
    expect((await status("extra")).fileChanged).toBe(false);
    writeFileSync(join(d.services, "extra"), "type = process\ncommand = /bin/sleep 999\nrestart = bogus-value\n");
    const broken = await run("reload", "extra");
    expect(broken.code).toBe(1);
    expect(broken.stderr).toContain("restart");
    await run("stop", "extra");
  });

  test("unload forgets a stopped service and refuses one something depends on", async () => {
    expect((await run("unload", "lonely")).code).toBe(0);
    expect((await run("status", "lonely")).code).toBe(1);
    const refused = await run("unload", "web");
    expect(refused.code).toBe(1);
  });
});
