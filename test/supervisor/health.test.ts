/**
 * @module test/supervisor/health
 * Health checks in a running supervisor, with real services and real probes: an HTTP server
 * that turns unhealthy on demand, a TCP port that closes, a command that starts failing, a
 * check that hangs past its timeout; retries and the start period; restarts on unhealthy
 * counted against the limits; a start gated on the first healthy check (a dependent waits;
 * start-timeout first fails it); what readiness counts (needed, optional, started by hand); a
 * reload that changes the check.
 */
import { beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { existsSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Supervisor } from "../../src/supervisor/supervisor.ts";
import { freePort } from "../support/daemon.ts";
import { tempDir } from "../support/files.ts";
import { waitFor } from "../support/wait.ts";
import { supervisorSetup } from "./support.ts";

// Each test waits on a few real checks, a tenth of a second apart, on a shared machine.
setDefaultTimeout(30_000);
const WAIT = 15_000;

const { boot } = supervisorSetup();
const tmp = tempDir();
let webScript: string;
let tcpScript: string;
beforeAll(() => {
  // 200 "ok", or 503 while the file named by its second argument exists
  webScript = join(tmp, "web.js");
  writeFileSync(
    webScript,
    `const { existsSync } = require("node:fs");
const [port, sick] = process.argv.slice(2);
Bun.serve({ hostname: "127.0.0.1", port: Number(port), fetch: () => (existsSync(sick) ? new Response("sick", { status: 503 }) : new Response("ok")) });
`,
  );
  // listens until SIGUSR1, then closes its port and keeps running
  tcpScript = join(tmp, "tcp.js");
  writeFileSync(
    tcpScript,
    `const listener = Bun.listen({ hostname: "127.0.0.1", port: Number(process.argv[2]), socket: { data() {} } });
process.on("SIGUSR1", () => listener.stop(true));
setInterval(() => {}, 1000);
`,
  );
});
const health = (sup: Supervisor, name: string) => sup.report(name).runtime.health;
const until = (what: string, check: () => unknown) => waitFor(what, () => Boolean(check()) || undefined, WAIT);
let serial = 0;
const flag = (name: string) => join(tmp, `${name}-${++serial}`);
const bun = process.execPath;

describe("probes of real services", () => {
  test("an HTTP check: healthy on 200, unhealthy on 503 after its retries, restarted, counted with cause unhealthy", async () => {
    const port = freePort();
    const sick = flag("sick");
    const { sup, events, lines } = boot(
      {
        web: `type = process\ncommand = ${bun} ${webScript} ${port} ${sick}\nrestart = on-failure\nrestart-delay = 0\nhealth-http = http://127.0.0.1:${port}/\nhealth-interval = 0.1\nhealth-retries = 2\n`,
      },
      { services: ["web"] },
    );
    await until("web healthy", () => health(sup, "web")?.state === "healthy");
    expect(sup.status("web")?.state).toBe("started");
    writeFileSync(sick, "");
    await until("web stopped for its health", () => events.some((e) => e.service === "web" && e.to === "stopped"));
    rmSync(sick);
    const stopped = events.find((e) => e.service === "web" && e.to === "stopped")!;
    expect(stopped).toMatchObject({ reason: "failed", cause: "unhealthy", target: "started" });
    expect(lines("web")).toContainEqual(expect.stringMatching(/^unhealthy: 2 checks failed in a row: HTTP 503.*; stopping it \(restart = on-failure\)$/));
    await until("web restarted and healthy again", () => sup.status("web")?.restarts === 1 && health(sup, "web")?.state === "healthy");
    expect(health(sup, "web")!.checks.failure).toBeGreaterThanOrEqual(2);
  });

  test("a TCP check: a port that closes makes the service unhealthy; restart = yes brings it back listening", async () => {
    const port = freePort();
    const { sup, events } = boot(
      { tcp: `type = process\ncommand = ${bun} ${tcpScript} ${port}\nrestart-delay = 0\nhealth-tcp = ${port}\nhealth-interval = 0.1\nhealth-retries = 1\n` },
      { services: ["tcp"] },
    );
    await until("tcp healthy", () => health(sup, "tcp")?.state === "healthy");
    sup.signal("tcp", "USR1");
    await until("tcp restarted", () => sup.status("tcp")?.restarts === 1);
    expect(events.find((e) => e.service === "tcp" && e.to === "stopped")).toMatchObject({ reason: "failed", cause: "unhealthy" });
    await until("tcp healthy again", () => sup.status("tcp")?.state === "started" && health(sup, "tcp")?.state === "healthy");
  });

  test("a command that starts failing: unhealthy after health-retries failures in a row, its output in status; restart = no leaves it running", async () => {
    const ok = flag("ok");
    writeFileSync(ok, "");
    const { sup, lines } = boot(
      {
        app: `type = process\ncommand = sleep 1000\nrestart = no\nhealth-command = /bin/sh -c "test -e ${ok} || { echo no flag >&2; exit 3; }"\nhealth-interval = 0.1\nhealth-retries = 3\n`,
      },
      { services: ["app"] },
    );
    await until("app healthy", () => health(sup, "app")?.state === "healthy");
    rmSync(ok);
    // unhealthy at the third failure in a row, as the log line says; the checks go on
    await until("app unhealthy", () => lines("app").includes("unhealthy: 3 checks failed in a row: exited with 3: no flag; left running (restart = no)"));
    expect(health(sup, "app")).toMatchObject({ state: "unhealthy", output: "exited with 3: no flag", checking: true });
    expect(health(sup, "app")!.failures).toBeGreaterThanOrEqual(3);
    expect(sup.status("app")).toMatchObject({ state: "started", restarts: 0 });
    writeFileSync(ok, "");
    await until("app healthy again", () => health(sup, "app")?.state === "healthy");
    expect(lines("app")).toContain("healthy again");
  });

  test("a check that hangs past its timeout is killed and counts as a timeout", async () => {
    const { sup } = boot(
      {
        slow: `type = process\ncommand = sleep 1000\nrestart = no\nhealth-gates-start = no\nhealth-command = sleep 1000\nhealth-timeout = 0.2\nhealth-interval = 0.1\nhealth-retries = 1\n`,
      },
      { services: ["slow"] },
    );
    await until("slow unhealthy", () => health(sup, "slow")?.state === "unhealthy");
    const h = health(sup, "slow")!;
    expect(h.output).toBe("timed out after 0.2 s");
    expect(h.checks.timeout).toBeGreaterThan(0);
  });

  test("during health-start-period failures do not count (not gated: started at once, health starting)", async () => {
    const { sup } = boot(
      { app: `type = process\ncommand = sleep 1000\nrestart = no\nhealth-gates-start = no\nhealth-command = false\nhealth-start-period = 60\nhealth-start-interval = 0.1\nhealth-retries = 1\n` },
      { services: ["app"] },
    );
    await until("three checks", () => (health(sup, "app")?.checks.failure ?? 0) >= 3);
    expect(sup.status("app")?.state).toBe("started");
    expect(health(sup, "app")).toMatchObject({ state: "starting", failures: 0 });
    expect(sup.ready()).toMatchObject({ ok: false, services: [{ name: "app", ok: false, reason: "health starting: exited with 1" }] });
  });

  test("restarts for unhealth count against the restart limit: past it the service stops for good, failed, cause unhealthy", async () => {
    const { sup, events } = boot(
      {
        flappy: `type = process\ncommand = sleep 1000\nrestart-delay = 0\nrestart-limit-count = 2\nrestart-limit-interval = 60\nhealth-gates-start = no\nhealth-command = false\nhealth-interval = 0.1\nhealth-retries = 1\n`,
        keeper: "type = process\ncommand = sleep 1000\n",
      },
      { services: ["keeper", "flappy"] },
    );
    await until("flappy given up", () => sup.status("flappy")?.target === "stopped" && sup.status("flappy")?.state === "stopped");
    expect(sup.status("flappy")).toMatchObject({ reason: "failed", cause: "unhealthy", restarts: 2 });
    expect(events.filter((e) => e.service === "flappy" && e.to === "stopped").at(-1)?.note).toBe("restarting too quickly");
    expect(health(sup, "flappy")?.checking).toBe(false);
  });
});

describe("startup gated on the first healthy check", () => {
  test("a dependent and the start wait for the first healthy check; failures before it do not count", async () => {
    const ok = flag("ok");
    const { sup, events } = boot(
      {
        app: "type = process\ncommand = sleep 1000\ndepends-on = db\n",
        db: `type = process\ncommand = sleep 1000\nhealth-command = test -e ${ok}\nhealth-retries = 1\nhealth-start-interval = 0.1\n`,
      },
      { services: ["app"] },
    );
    await until("db checked and failing", () => (health(sup, "db")?.checks.failure ?? 0) >= 2);
    expect(sup.status("db")).toMatchObject({ state: "starting" });
    expect(sup.status("db")!.pid).toBeNumber();
    expect(health(sup, "db")).toMatchObject({ state: "starting", failures: 0 });
    expect(sup.status("app")).toMatchObject({ state: "starting", pid: null });
    writeFileSync(ok, "");
    await until("app started", () => sup.status("app")?.state === "started");
    const order = events.filter((e) => e.to === "started").map((e) => e.service);
    expect(order).toEqual(["db", "app"]);
  });

  test("start-timeout first fails the start with reason timed-out", async () => {
    const { sup, events } = boot(
      { db: `type = process\ncommand = sleep 1000\nstart-timeout = 0.5\nhealth-command = false\nhealth-start-interval = 0.1\n` },
      { services: ["db"] },
    );
    await until("db stopped", () => events.some((e) => e.service === "db" && e.to === "stopped"));
    expect(events.find((e) => e.to === "stopped")).toMatchObject({ reason: "timed-out" });
    expect(events.some((e) => e.to === "started")).toBe(false);
  });

  test("health-gates-start = no: started as soon as it runs, before any healthy check", async () => {
    const { sup } = boot(
      { db: `type = process\ncommand = sleep 1000\nhealth-gates-start = no\nhealth-command = false\nhealth-start-period = 60\nhealth-start-interval = 0.1\n` },
      { services: ["db"] },
    );
    await until("db started", () => sup.status("db")?.state === "started");
    expect(health(sup, "db")?.state).not.toBe("healthy");
  });

  test("a readiness protocol and the check are both waited for", async () => {
    const ok = flag("ok");
    writeFileSync(ok, "");
    const go = flag("go");
    const { sup } = boot(
      {
        db: `type = process\nready-notification = pipefd:3\ncommand = /bin/sh -c "while [ ! -e ${go} ]; do sleep 0.05; done; echo ready >&3; exec sleep 1000"\nhealth-command = test -e ${ok}\nhealth-start-interval = 0.1\n`,
      },
      { services: ["db"] },
    );
    await until("db healthy", () => health(sup, "db")?.state === "healthy");
    expect(sup.status("db")?.state).toBe("starting");
    writeFileSync(go, "");
    await until("db started", () => sup.status("db")?.state === "started");
  });
});

describe("a scripted service's check", () => {
  test("begins when its start command is done, never gates its start, and an unhealthy verdict leaves it started", async () => {
    const { sup, lines } = boot(
      { setup: "type = scripted\ncommand = true\nhealth-command = false\nhealth-interval = 0.1\nhealth-retries = 1\n" },
      { services: ["setup"] },
    );
    await until("setup unhealthy", () => health(sup, "setup")?.state === "unhealthy");
    expect(sup.status("setup")?.state).toBe("started");
    expect(lines("setup")).toContain("unhealthy: 1 check failed in a row: exited with 1; left as it is (a scripted service has no process to restart)");
    sup.stop("setup");
    await until("setup stopped", () => sup.status("setup")?.state === "stopped");
    expect(health(sup, "setup")?.checking).toBe(false);
  });
});

describe("what readiness counts", () => {
  test("an optional service failed or given up after a crash loop leaves it ready; a needed one failed for good makes it not ready", async () => {
    const { sup } = boot({
      boot: "type = internal\ndepends-ms = web\nwaits-for = flappy\n",
      web: "type = process\ncommand = sleep 1000\nrestart = no\n",
      flappy: "type = process\ncommand = /bin/sh -c \"sleep 0.1; exit 1\"\nrestart-delay = 0\nrestart-limit-count = 2\n",
    });
    await until("flappy given up", () => sup.status("flappy")?.state === "stopped" && sup.status("flappy")?.target === "stopped" && sup.status("flappy")?.restarts === 2);
    expect(sup.ready()).toEqual({
      ok: true,
      services: [
        { name: "boot", ok: true, reason: null, optional: false },
        { name: "web", ok: true, reason: null, optional: false },
        { name: "flappy", ok: false, reason: "stopped (failed)", optional: true },
      ],
    });
    sup.signal("web", "KILL");
    await until("web stopped", () => sup.status("web")?.state === "stopped");
    // a milestone: boot stays started, but what it needed failed
    expect(sup.status("boot")?.state).toBe("started");
    expect(sup.ready()).toMatchObject({ ok: false, services: expect.arrayContaining([{ name: "web", ok: false, reason: "stopped (failed)", optional: false }]) });
    // startup finished once, and stays so
    expect(sup.startup().ok).toBe(true);
  });

  test("a service started by hand later does not count; a needed service with a check counts only while healthy", async () => {
    const ok = flag("ok");
    writeFileSync(ok, "");
    const { sup } = boot({
      boot: "type = internal\ndepends-on = db\n",
      db: `type = process\ncommand = sleep 1000\nrestart = no\nhealth-command = test -e ${ok}\nhealth-interval = 0.1\nhealth-retries = 1\n`,
      extra: "type = process\ncommand = sleep 1000\nready-notification = pipefd:3\n",
    });
    await until("boot started", () => sup.status("boot")?.state === "started");
    sup.start("extra");
    expect(sup.status("extra")?.state).toBe("starting");
    expect(sup.ready().ok).toBe(true);
    expect(sup.ready().services.map((s) => s.name)).toEqual(["boot", "db"]);
    rmSync(ok);
    await until("not ready", () => !sup.ready().ok);
    expect(sup.ready().services).toContainEqual({ name: "db", ok: false, reason: "health unhealthy: exited with 1", optional: false });
    expect(sup.serviceReady("db").ok).toBe(false);
  });
});

describe("reload", () => {
  test("a reload that changes the check applies it now; counters carry over", async () => {
    const { sup, dir } = boot({ app: "type = process\ncommand = sleep 1000\nrestart = no\nhealth-command = true\nhealth-interval = 0.1\nhealth-retries = 1\n" }, { services: ["app"] });
    await until("app healthy", () => health(sup, "app")?.state === "healthy");
    const before = health(sup, "app")!.checks.success;
    writeFileSync(join(dir, "app"), "type = process\ncommand = sleep 1000\nrestart = no\nhealth-command = false\nhealth-interval = 0.1\nhealth-retries = 1\n");
    utimesSync(join(dir, "app"), new Date(), new Date(Date.now() + 5000));
    expect(sup.reload("app").now).toContain("health-command");
    await until("app unhealthy by the new check", () => health(sup, "app")?.state === "unhealthy");
    expect(health(sup, "app")!.checks.success).toBeGreaterThanOrEqual(before);
    expect(existsSync(join(dir, "app"))).toBe(true);
  });
});
