/**
 * @module test/cgroup/daemon-v2
 * A real `bosun boot` on the unified (v2) hierarchy: it runs in a private mount namespace
 * where the v1 hierarchies are unmounted, so it finds the cgroup2 mount beside them (no
 * controllers here: processes, cgroup.procs, cgroup.kill and cgroup.events are real, limits
 * are not). Checked through its socket and /proc: bosun in its instance's supervisor leaf, a
 * service joined before exec, every process of it killed at a stop and after a crash, a fresh
 * cgroup for the run after a kill, nothing of the instance left once bosun exits. The mount
 * namespace hides mounts only: the cgroups are the machine's, and are removed.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import * as v from "valibot";
import { detectCgroups } from "../../src/cgroup/detect.ts";
import { InfoJson, StatusJson } from "../../src/control/schemas.ts";
import { cli } from "../support/cli.ts";
import { boot, type Daemon } from "../support/daemon.ts";
import { removeTempDirs, tempDir, writeFiles } from "../support/files.ts";
import { alive } from "../support/proc.ts";
import { waitFor } from "../support/wait.ts";
import { cgroupOf, leftovers, scrub } from "./support.ts";

setDefaultTimeout(30000);

const v2 = detectCgroups({ prefer: "v2" }).v2;
/** bosun in a mount namespace of its own without the v1 hierarchies, where the cgroup2 mount is all it sees. */
const onlyV2 = [
  "unshare", "--mount", "--propagation", "private", "/bin/sh", "-c",
  `for m in $(grep ' - cgroup ' /proc/self/mountinfo | cut -d' ' -f5); do umount -l "$m" || exit 1; done; exec "$0" "$@"`,
];
let dir: string;
let d: Daemon;
let instance: string;
let ownPath: string;

const get = async <S extends v.GenericSchema>(path: string, schema: S): Promise<v.InferOutput<S>> =>
  v.parse(schema, await (await fetch(`http://bosun${path}`, { unix: d.socket })).json());
const status = (name: string) => get(`/v1/services/${name}`, StatusJson);
/** A service's cgroup directory on the v2 mount. */
const cgroupDir = (service: string) => join(v2!.dir, instance, `${service}.service`);
const procsOf = (service: string) => readFileSync(join(cgroupDir(service), "cgroup.procs"), "utf8").split("\n").filter(Boolean).map(Number);
const v2Path = (pid: number) => cgroupOf(readFileSync(`/proc/${pid}/cgroup`, "utf8"));
/** A grandchild in a session of its own that ignores TERM (and so needs the kill-all). */
const deaf = (inner: string) => `setsid /bin/sh -c 'trap "" TERM; ${inner}' &`;

beforeAll(async () => {
  if (v2 === null) return;
  ownPath = v2.path === "/" ? "" : v2.path;
  dir = tempDir();
  const s = join(dir, "services");
  writeFiles(s, {
    boot: "type = internal\n",
    // pids-max gives it a cgroup (bosun is not PID 1); this v2 hierarchy has no pids controller to apply it
    web: `type = process\ncommand = /bin/sh -c "echo joined $$(grep ^0:: /proc/self/cgroup); exec /bin/sleep 1000"\npids-max = 50\nlog-type = buffer\nrestart = no\n`,
    forker: `type = process\ncommand = /bin/sh ${s}/forker.sh\npids-max = 50\nstop-timeout = 0.5\nlog-type = buffer\nrestart = no\n`,
    "forker.sh": `${deaf("/bin/sleep 100 & exec /bin/sleep 100")}\n${deaf("exec /bin/sleep 100")}\necho up $$\nexec /bin/sleep 100\n`,
    crasher: `type = process\ncommand = /bin/sh ${s}/crasher.sh\npids-max = 50\nlog-type = buffer\nrestart = no\n`,
    // it exits 3 once the test writes a line to its fifo
    "crasher.sh": `${deaf("exec /bin/sleep 100")}\nread x < ${dir}/crash\nexit 3\n`,
  });
  expect(Bun.spawnSync(["mkfifo", join(dir, "crash")]).exitCode).toBe(0);
  d = await boot(dir, { healthListen: true, prefix: onlyV2 }).answering();
  instance = (await get("/v1/info", InfoJson)).cgroups.instance;
});

afterAll(async () => {
  if (v2 === null) return;
  try {
    expect(await d.stop()).toBe(0);
    const left = leftovers(instance);
    await scrub(instance);
    expect(left).toEqual([]);
    expect(d.output()).not.toContain("cgroup left behind");
  } finally {
    removeTempDirs();
  }
});

describe.skipIf(v2 === null)("bosun on cgroup v2", () => {
  test("it finds v2, and once a service needs a cgroup it moves into its instance's supervisor leaf, leaving the instance free of processes", async () => {
    const info = await get("/v1/info", InfoJson);
    expect(info.cgroups.mode).toBe("v2");
    expect(d.output()).toContain(`cgroups: ${info.cgroups.description}`);
    expect((await cli(d.socket, "start", "web")).code).toBe(0);
    expect(v2Path(d.proc.pid)).toBe(`${ownPath}/${instance}/supervisor`);
    expect(readFileSync(join(v2!.dir, instance, "cgroup.procs"), "utf8")).toBe("");
    // the limit it cannot apply here is named once, with the file, as the service's warning
    expect(d.output()).toMatch(/web: pids-max: cannot write pids\.max: the pids controller is not available .*; the service runs without this limit\n/);
  });

  test("a service's processes are in its cgroup from their first instruction", async () => {
    await waitFor("web's first line", async () => (await cli(d.socket, "logs", "web")).stdout.includes("joined"));
    expect((await cli(d.socket, "logs", "web")).stdout).toContain(`joined 0::${ownPath}/${instance}/web.service\n`);
    const pid = (await status("web")).pid!;
    expect(procsOf("web")).toEqual([pid]);
  });

  test("a stop kills every process of the service with cgroup.kill, setsid'd grandchildren ignoring TERM included; its cgroup goes", async () => {
    expect((await cli(d.socket, "start", "forker")).code).toBe(0);
    await waitFor("four processes in forker's cgroup", () => existsSync(cgroupDir("forker")) && procsOf("forker").length === 4);
    const pids = procsOf("forker");
    expect((await cli(d.socket, "stop", "forker")).code).toBe(0);
    expect(pids.filter((p) => alive(p))).toEqual([]);
    expect(existsSync(cgroupDir("forker"))).toBe(false);
  });

  test("after a kill the next run gets a fresh cgroup, and runs in it", async () => {
    expect((await cli(d.socket, "start", "forker")).code).toBe(0);
    const first = (await status("forker")).pid!;
    await waitFor("four processes in forker's cgroup", () => existsSync(cgroupDir("forker")) && procsOf("forker").length === 4);
    await waitFor("forker's line", async () => (await cli(d.socket, "logs", "forker")).stdout.includes(`up ${first}`));
    // the stop-timeout kill empties the cgroup with cgroup.kill; the restart must not join that one
    expect((await cli(d.socket, "restart", "forker")).code).toBe(0);
    const second = await status("forker");
    expect(second.state).toBe("started");
    expect(second.pid).not.toBe(first);
    await waitFor("the new run's line", async () => (await cli(d.socket, "logs", "forker")).stdout.includes(`up ${second.pid}`));
    await waitFor("four processes in the new cgroup", () => existsSync(cgroupDir("forker")) && procsOf("forker").length === 4);
    expect(procsOf("forker")).toContain(second.pid!);
    expect((await status("forker")).state).toBe("started");
    expect((await cli(d.socket, "stop", "forker")).code).toBe(0);
  });

  test("a run that crashes has what is left of it killed before its exit is reported", async () => {
    expect((await cli(d.socket, "start", "crasher")).code).toBe(0);
    await waitFor("two processes in crasher's cgroup", () => existsSync(cgroupDir("crasher")) && procsOf("crasher").length === 2);
    const pids = procsOf("crasher");
    const leader = (await status("crasher")).pid!;
    writeFileSync(join(dir, "crash"), "now\n");
    await waitFor("crasher to stop", async () => (await status("crasher")).state === "stopped");
    expect((await status("crasher")).exit).toEqual({ code: 3, signal: null });
    expect(pids).toContain(leader);
    expect(pids.filter((p) => alive(p))).toEqual([]);
    expect(existsSync(cgroupDir("crasher"))).toBe(false);
  });
});
