/**
 * @module test/cli/boot
 * Daemon-wide flags of `bosun boot` seen from outside: the default log format, the soft limit
 * on services starting at once, the global env file, a bare trailing `--`, a `-d` that does not
 * exist, and the control token's flag and environment variable.
 */
import { afterEach, expect, test } from "bun:test";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { boot, bootDir, freePort, stopDaemons } from "../support/daemon.ts";
import { removeTempDirs } from "../support/files.ts";
import { waitFor } from "../support/wait.ts";

afterEach(async () => {
  await stopDaemons();
  removeTempDirs();
});

test("--log-format json writes service output and bosun's own lines as JSON lines", async () => {
  const root = bootDir({});
  const b = boot(root, { args: ["--log-format", "json", "--", "sh", "-c", "echo hello"] });
  expect(await b.exited).toBe(0);
  const out = b.stdout().trimEnd().split("\n").map((l) => JSON.parse(l));
  expect(out).toContainEqual(expect.objectContaining({ service: "main", stream: "stdout", line: "hello" }));
  const own = b.stderr().trimEnd().split("\n").map((l) => JSON.parse(l));
  expect(own).toContainEqual(expect.objectContaining({ service: "bosun", stream: "system" }));
});

test("--max-starting 1 starts one service at a time, each after the previous one is ready", async () => {
  const root = bootDir({});
  const dir = join(root, "services");
  const trace = join(root, "trace");
  // Each service notes its start, takes a moment, notes it is ready, then stays up.
  const step = `type = process\nready-notification = pipefd:3\nrestart = false\ncommand = /bin/sh -c "echo begin $1 >> ${trace}; sleep 0.2; echo end $1 >> ${trace}; echo ready >&3; exec sleep 30"\n`;
  writeFileSync(join(dir, "step"), step);
  writeFileSync(join(dir, "boot"), "type = internal\nwaits-for = step@a\nwaits-for = step@b\nwaits-for = step@c\n");
  const main = `while [ "$(grep -c ^end ${trace} 2>/dev/null)" != 3 ]; do sleep 0.05; done`;
  const b = boot(root, { args: ["--max-starting", "1", "boot", "--", "sh", "-c", main] });
  expect(await b.exited).toBe(0);
  const lines = readFileSync(trace, "utf8").trimEnd().split("\n");
  expect(lines).toHaveLength(6);
  for (let i = 0; i < 6; i += 2) expect(lines[i + 1]).toBe(lines[i]!.replace("begin", "end"));
});

test("bad values of the daemon flags are usage errors with exit 2", async () => {
  const root = bootDir({});
  for (const args of [["--log-format", "xml"], ["--max-starting", "0"], ["--max-starting", "x"]]) {
    const b = boot(root, { args: [...args, "--", "true"] });
    expect(await b.exited).toBe(2);
    expect(b.stderr()).toContain(`--${args[0]!.slice(2)}`);
  }
});

test("-e FILE edits the environment every service inherits and that substitution reads, like dinit's -e", async () => {
  const root = bootDir({ show: 'type = process\nrestart = false\ncommand = /bin/sh -c "echo loaded ${FROM_FILE}; echo run $$FROM_FILE $${HOME-none}"\n' });
  const envFile = join(root, "environment");
  writeFileSync(envFile, "# bosun's environment\n!clear\n!import PATH\nFROM_FILE=from the file\n");
  const b = boot(root, { args: ["-e", envFile, "show"] });
  expect(await b.exited).toBe(0);
  expect(b.stdout()).toMatch(/^show +\| loaded from the file$/m);
  expect(b.stdout()).toMatch(/^show +\| run from the file none$/m); // !clear dropped HOME
});

test("a bad -e file stops boot with exit 1 naming file and line", async () => {
  const root = bootDir({});
  const envFile = join(root, "environment");
  writeFileSync(envFile, "GOOD=1\nnot an assignment\n");
  const b = boot(root, { args: ["-e", envFile, "--", "true"] });
  expect(await b.exited).toBe(1);
  expect(b.stderr()).toContain(`${envFile}:2:`);
});

test("a trailing '--' with no command boots the services as if it were absent (ENTRYPOINT [\"bosun\",\"boot\",\"--\"] without CMD)", async () => {
  const root = bootDir({ boot: 'type = process\nrestart = false\ncommand = /bin/sh -c "echo booted"\n' });
  const b = boot(root, { args: ["--"] });
  expect(await b.exited).toBe(0);
  expect(b.stderr()).not.toContain("must be followed by a command");
  expect(b.stdout()).toMatch(/^boot +\| booted$/m);
});

test("a -d that does not exist is one of bosun's warnings at start; the services of the other -d still boot", async () => {
  const root = bootDir({ boot: 'type = process\nrestart = false\ncommand = /bin/sh -c "echo booted"\n' });
  const dir = join(root, "services");
  const missing = join(root, "no-such-dir");
  const b = boot(root, { dirs: [missing, dir] });
  expect(await b.exited).toBe(0);
  expect(b.stderr()).toMatch(new RegExp(`^bosun +\\| warn: ${missing}: service directory \\(-d\\) does not exist; check the path$`, "m"));
  expect(b.stdout()).toMatch(/^boot +\| booted$/m);
});

test("--control-token is warned about (every user sees it in ps); $BOSUN_CONTROL_TOKEN works and is not passed to services", async () => {
  const show = 'type = process\nrestart = false\ncommand = /bin/sh -c "echo token=$${BOSUN_CONTROL_TOKEN-unset}"\n';
  const root = bootDir({ show });
  const flag = boot(root, { args: ["--control-token", "s3cret", "show"] });
  expect(await flag.exited).toBe(0);
  expect(flag.stderr()).toMatch(/^bosun +\| warn: --control-token shows the token to every user of this machine \(ps, \/proc\/PID\/cmdline\); use --control-token-file FILE or \$BOSUN_CONTROL_TOKEN$/m);

  const port = freePort();
  const url = `http://127.0.0.1:${port}/v1/services`;
  const env = boot(root, { args: ["--health-listen", `127.0.0.1:${port}`, "show", "--", "sleep", "30"], env: { BOSUN_CONTROL_TOKEN: "s3cret" } });
  await waitFor("show's line", () => /^show +\| token=/m.test(env.stdout()), 10_000);
  expect(env.stdout()).toMatch(/^show +\| token=unset$/m);
  await waitFor("the TCP listener", async () => (await fetch(url).catch(() => null)) !== null);
  expect((await fetch(url)).status).toBe(401);
  expect((await fetch(url, { headers: { authorization: "Bearer s3cret" } })).status).toBe(200);
  expect(env.stderr()).not.toContain("--control-token");
  await env.signal("SIGTERM");
  await env.exited;
});

test("an image's fixed ENTRYPOINT is configured by environment: the services' dirs, the services to start, the verbosity", async () => {
  const root = bootDir({ app: "type = process\ncommand = /bin/sh -c \"echo from app; exit 5\"\nmain = true\nrestart = false\n" });
  const dir = join(root, "services");
  const b = boot(root, { dirs: [], env: { BOSUN_SERVICES_DIRS: `/nonexistent-bosun:${dir}`, BOSUN_SERVICES: "app", BOSUN_VERBOSITY: "quiet" } });
  expect(await b.exited).toBe(5);
  expect(b.stdout()).toContain("from app");
  // quiet: bosun's info lines (started, shutting down) are gone, its warnings stay
  expect(b.stderr()).not.toContain("app: started");
  expect(b.stderr()).toContain("/nonexistent-bosun");
});
