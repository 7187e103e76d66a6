/**
 * @module test/cgroup/daemon-readonly
 * A real `bosun boot` where cgroupfs is read-only (the default in an unprivileged container),
 * made for real in a private mount namespace whose cgroup mounts are remounted read-only: a
 * service asking for cgroup limits is refused at stage cgroup with what to do; with
 * `--cgroups best-effort` (or BOSUN_CGROUPS=best-effort) it starts after one warning and its
 * stop still reaches setsid'd grandchildren through the process tree; a service without such
 * settings starts either way; `bosun check` names the settings that need a writable cgroupfs.
 */
import { afterEach, expect, setDefaultTimeout, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import * as v from "valibot";
import { InfoJson, StatusJson } from "../../src/control/schemas.ts";
import { cli, spawnCli } from "../support/cli.ts";
import { boot, type Daemon } from "../support/daemon.ts";
import { removeTempDirs, tempDir, writeFiles } from "../support/files.ts";
import { alive } from "../support/proc.ts";
import { waitFor } from "../support/wait.ts";

setDefaultTimeout(30000);

const mounted = /^\S+ \S+ \S+ \S+ \S+ .* - cgroup2? /m.test(readFileSync("/proc/self/mountinfo", "utf8"));
/** A private mount namespace whose cgroup mounts are read-only, running what follows. */
const readOnly = [
  "unshare", "--mount", "--propagation", "private", "/bin/sh", "-c",
  `for m in $(grep -E ' - cgroup2? ' /proc/self/mountinfo | cut -d' ' -f5); do mount -o remount,ro,bind "$m" || exit 1; done; exec "$0" "$@"`,
];

let dir: string;
let d: Daemon | null = null;
afterEach(async () => {
  try {
    if (d) expect(await d.stop()).toBe(0);
  } finally {
    d = null;
    removeTempDirs();
  }
});

const get = async <S extends v.GenericSchema>(path: string, schema: S): Promise<v.InferOutput<S>> =>
  v.parse(schema, await (await fetch(`http://bosun${path}`, { unix: d!.socket })).json());

/** Service files with a limited service (whose grandchildren leave its session) and a plain one. */
function services(): string {
  dir = tempDir();
  const s = join(dir, "services");
  writeFiles(s, {
    boot: "type = internal\n",
    web: `type = process\ncommand = /bin/sh ${s}/web.sh\nmemory-max = 64M\ncpu-max = 50%\nstop-timeout = 0.5\nlog-type = buffer\nrestart = no\n`,
    "web.sh": `setsid /bin/sh -c 'trap "" TERM; echo grandchild $$; exec /bin/sleep 100' &\nexec /bin/sleep 100\n`,
    plain: "type = process\ncommand = /bin/sleep 1000\nrestart = no\n",
  });
  return s;
}

test.skipIf(!mounted)("read-only cgroupfs: a service asking for limits is refused at stage cgroup, saying what to do; one without starts", async () => {
  services();
  d = await boot(dir, { healthListen: true, prefix: readOnly }).answering();
  expect((await get("/v1/info", InfoJson)).cgroups).toMatchObject({ mode: "read-only", bestEffort: false });
  const refused = await cli(d.socket, "start", "web");
  expect(refused.code).toBe(1);
  const web = await get("/v1/services/web", StatusJson);
  expect(web.failure?.stage).toBe("cgroup");
  expect(web.failure?.message).toMatch(
    /^cgroup: memory-max and cpu-max need a writable cgroup filesystem, but \S+ is mounted read-only: run bosun with one \(a container with a writable cgroup namespace, e\.g\. --privileged\), or remove them from web, or start bosun with --cgroups=best-effort \(BOSUN_CGROUPS=best-effort\) to run web without them$/,
  );
  expect(refused.stderr).toContain(web.failure!.message);
  expect((await cli(d.socket, "start", "plain")).code).toBe(0);
});

for (const [how, args, env] of [
  ["--cgroups best-effort", ["--cgroups", "best-effort"], {}],
  ["BOSUN_CGROUPS=best-effort", [], { BOSUN_CGROUPS: "best-effort" }],
] as const) {
  test.skipIf(!mounted)(`read-only cgroupfs with ${how}: the service starts without its limits after one warning, and its stop still ends its setsid'd grandchild`, async () => {
    services();
    d = await boot(dir, { healthListen: true, args: [...args], env: { ...env }, prefix: readOnly }).answering();
    expect((await get("/v1/info", InfoJson)).cgroups).toMatchObject({ mode: "read-only", bestEffort: true });
    expect((await cli(d.socket, "start", "web")).code).toBe(0);
    const grandchild = await waitFor("the grandchild's line", async () => /grandchild \d+/.test((await cli(d!.socket, "logs", "web")).stdout)).then(
      async () => Number(/grandchild (\d+)/.exec((await cli(d!.socket, "logs", "web")).stdout)![1]),
    );
    expect(d.output()).toMatch(/web: memory-max and cpu-max: \S+ is mounted read-only; started without them \(best-effort cgroups\)\n/);
    expect((await get("/v1/services/web", StatusJson)).usage).toBeNull();
    expect((await cli(d.socket, "stop", "web")).code).toBe(0);
    expect(alive(grandchild)).toBe(false);
    // a second start warns no more
    expect((await cli(d.socket, "start", "web")).code).toBe(0);
    expect(d.output().match(/started without them/g)).toHaveLength(1);
  });
}

test.skipIf(!mounted)("check names each setting that needs a writable cgroupfs, at its line, where cgroupfs is read-only", async () => {
  const s = services();
  const { stderr: err, code } = await spawnCli(["check", "-d", s, "web", "plain"], { prefix: readOnly });
  // warnings alone: check passes, unless --strict
  expect(code).toBe(0);
  const lines = err.split("\n").filter((l) => l.includes("writable cgroup"));
  expect(lines).toEqual([
    expect.stringMatching(new RegExp(`^${s}/web:3: service 'web': warning: memory-max: needs a writable cgroup filesystem, but here \\S+ is mounted read-only: bosun boot refuses web \\(.*--cgroups=best-effort to run it without memory-max\\)$`)),
    expect.stringMatching(new RegExp(`^${s}/web:4: service 'web': warning: cpu-max: needs a writable cgroup filesystem`)),
  ]);
});
