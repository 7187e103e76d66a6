/**
 * @module test/cgroup/pid1
 * bosun as PID 1 of a pid namespace (a container's init) manages a cgroup for every service,
 * not only for those whose settings need one; when it exits, its cgroups are gone. The cgroups are the machine's (a pid namespace does not hide
 * them), so the test asserts none of the instance is left.
 */
import { afterEach, expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { join } from "node:path";
import * as v from "valibot";
import { detectCgroups } from "../../src/cgroup/detect.ts";
import { InfoJson, StatusJson } from "../../src/control/schemas.ts";
import { waitFor } from "../control/harness.ts";
import { boot, serviceDir } from "../e2e/support.ts";
import { leftovers, ownDirs, scrub } from "./support.ts";

const writable = detectCgroups().reason === null;
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

test.skipIf(!writable)("as PID 1 every service gets a cgroup, holding its setsid'd grandchild too, and bosun's exit leaves no cgroup behind", async () => {
  const s = serviceDir({
    boot: "type = internal\ndepends-on = plain\n",
    plain: `type = process\ncommand = /bin/sh -c "setsid /bin/sh -c 'trap \\"\\" TERM; exec /bin/sleep 100' & exec /bin/sleep 100"\nstop-timeout = 0.5\nrestart = no\n`,
  });
  const socket = join(s.root, "ctl.sock");
  const b = boot(["-d", s.dir], { root: s.root, pid1: true });
  let instance = "";
  cleanups.push(async () => {
    await b.kill();
    if (instance) await scrub(instance);
    s.cleanup();
  });
  const get = async <S extends v.GenericSchema>(path: string, schema: S) => v.parse(schema, await (await fetch(`http://bosun${path}`, { unix: socket })).json());
  await waitFor("plain started with its grandchild", async () => {
    try {
      const st = await get("/v1/services/plain", StatusJson);
      return st.state === "started" && st.usage?.pids === 2;
    } catch {
      return false;
    }
  }, 10_000);
  const status = await get("/v1/services/plain", StatusJson);
  const info = await get("/v1/info", InfoJson);
  expect(info.pid).toBe(1);
  expect(info.cgroups.description).toEndWith("; a cgroup for every service");
  instance = info.cgroups.instance;
  // a service without a single cgroup setting has one, and it holds the setsid'd grandchild too
  expect(status.usage).toMatchObject({ pids: 2 });
  const dirs = ownDirs().map((d) => join(d, instance, "plain.service")).filter((d) => existsSync(d));
  expect(dirs.length).toBeGreaterThan(0);
  await b.signal("SIGTERM");
  expect(await b.exited).toBe(0);
  expect(b.stderr()).toContain("plain: stopped");
  expect(b.stderr()).not.toContain("left");
  expect(leftovers(instance)).toEqual([]);
});
