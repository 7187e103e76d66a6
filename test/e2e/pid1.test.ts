/**
 * @module test/e2e/pid1
 * bosun as PID 1 of a pid namespace, driven from outside with real signals: exit codes of the
 * main command, reaping of orphans under load, orderly shutdown in reverse dependency order,
 * stop-timeout escalation, and a second TERM cutting a slow shutdown short.
 */
import { afterEach, expect, test } from "bun:test";
import { boot, bootDir, stopDaemons, type Daemon } from "../support/daemon.ts";
import { removeTempDirs, type Files } from "../support/files.ts";
import { waitFor } from "../support/wait.ts";

afterEach(async () => {
  await stopDaemons();
  removeTempDirs();
});
function start(files: Files, args: string[]): Daemon {
  return boot(bootDir(files), { args, pid1: true });
}

test("-- sh -c 'exit 7' makes bosun exit 7", async () => {
  const b = start({}, ["--", "sh", "-c", "exit 7"]);
  expect(await b.exited).toBe(7);
});

test("a main command killed by SIGSEGV gives 139", async () => {
  const b = start({}, ["--", "sh", "-c", "kill -SEGV $$"]);
  expect(await b.exited).toBe(139);
});

test("exit-code-map of a main service maps its exit code", async () => {
  const b = start({ app: 'type = process\ncommand = /bin/sh -c "exit 3"\nrestart = false\nmain = true\nexit-code-map = 3:42\n' }, ["app"]);
  expect(await b.exited).toBe(42);
});

test("with nothing left running or activated bosun exits of its own accord, 0 without a main service", async () => {
  const b = start({ app: 'type = process\ncommand = /bin/sh -c "echo done; exit 3"\nrestart = false\n' }, ["app"]);
  expect(await b.exited).toBe(0);
  expect(b.stderr()).toContain("app: failed: exited with 3");
});

test("orphans of double-forking services are reaped while 100 services exit with distinct codes", async () => {
  const jobs = Array.from({ length: 100 }, (_, i) => `job@${i + 1}`);
  // the main command waits until no orphan `sleep` is left and no zombie remains, then reports
  const main = `
    while ps -eo args= | grep -q '^sleep 0.3'; do sleep 0.05; done
    for i in $(seq 100); do z=$(ps -eo stat= | grep -c '^Z'); [ "$z" = 0 ] && break; sleep 0.05; done
    echo "zombies=$z"`;
  const b = start(
    {
      job: 'type = process\ncommand = /bin/sh -c "(sleep 0.3 &); exit $1"\nrestart = false\n',
    },
    [...jobs, "--", "sh", "-c", main],
  );
  expect(await b.exited).toBe(0);
  expect(b.stdout()).toContain("zombies=0");
  for (let i = 1; i <= 100; i++) expect(b.stderr()).toContain(`job@${i}: failed: exited with ${i}\n`);
}, 30_000);

const trapping = (name: string, extra = "") =>
  `type = process\ncommand = /bin/sh -c "trap 'echo ${name} stopping; exit 0' TERM; echo ${name} up; while :; do sleep 0.05; done"\nrestart = false\n${extra}`;

test("kill -TERM from outside stops services in reverse dependency order and bosun exits 0", async () => {
  const b = start(
    {
      boot: "type = internal\ndepends-on = app\n",
      app: trapping("app", "depends-on = cache\n"),
      cache: trapping("cache", "depends-on = db\n"),
      db: trapping("db"),
    },
    [],
  );
  await waitFor("all up", () => b.stdout().includes("app up"), 10_000);
  await b.signal("SIGTERM");
  expect(await b.exited).toBe(0);
  const order = b.stdout().split("\n").filter((l) => l.includes("stopping")).map((l) => l.split("|")[1]!.trim());
  expect(order).toEqual(["app stopping", "cache stopping", "db stopping"]);
});

test("a service ignoring TERM is killed after its stop-timeout and bosun still exits", async () => {
  const b = start(
    { stubborn: `type = process\ncommand = /bin/sh -c "trap '' TERM; echo armed; while :; do sleep 0.05; done"\nstop-timeout = 0.5\nrestart = false\n` },
    ["stubborn"],
  );
  await waitFor("trap armed", () => b.stdout().includes("armed"), 10_000);
  await b.signal("SIGTERM");
  expect(await b.exited).toBe(0);
  expect(b.stderr()).toMatch(/stubborn: stopped: .*stop-timeout.*killed/);
});

test("a second TERM cuts a slow shutdown short", async () => {
  const b = start(
    { slow: `type = process\ncommand = /bin/sh -c "trap '' TERM; echo armed; while :; do sleep 0.05; done"\nstop-timeout = 600\nrestart = false\n` },
    ["slow"],
  );
  await waitFor("trap armed", () => b.stdout().includes("armed"), 10_000);
  await b.signal("SIGTERM");
  await waitFor("shutdown begun", () => b.stderr().includes("shutting down"), 10_000);
  await b.signal("SIGTERM");
  expect(await b.exited).toBe(0);
  expect(b.stderr()).toContain("second SIGTERM: killing every service with SIGKILL");
  expect(b.stderr()).toContain("slow: killed with SIGKILL (forced shutdown)");
});

test("a boot set that cannot start exits 1 after stopping what started", async () => {
  const b = start(
    {
      boot: "type = internal\ndepends-on = broken\nwaits-for = side\n",
      side: trapping("side"),
      broken: "type = process\ncommand = /no/such/program\nrestart = false\n",
    },
    [],
  );
  expect(await b.exited).toBe(1);
  expect(b.stderr()).toContain("exec: ENOENT (no such file: /no/such/program)");
  expect(b.stderr()).toMatch(/cannot boot: boot/);
});

test("a service not ready within start-timeout is interrupted and the boot fails with 1", async () => {
  const b = start({ slow: "type = process\ncommand = sleep 30\nready-notification = pipefd:3\nstart-timeout = 0.3\nrestart = false\n" }, ["slow"]);
  expect(await b.exited).toBe(1);
  expect(b.stderr()).toContain("slow: start timed out");
  expect(b.stderr()).toContain("cannot boot: slow");
});
