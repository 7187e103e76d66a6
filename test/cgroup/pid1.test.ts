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
import { boot } from "../support/daemon.ts";
import { removeTempDirs, tempDir } from "../support/files.ts";
import { waitFor } from "../support/wait.ts";
import { leftovers, ownDirs, scrub } from "./support.ts";

const writable = detectCgroups().reason === null;
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

test.skipIf(!writable)("as PID 1 every service gets a cgroup, holding its setsid'd grandchild too, and bosun's exit leaves no cgroup behind", async () => {
  const dir = tempDir({
    "services/boot": "type = internal\ndepends-on = plain\n",
    "services/plain": `type = process\ncommand = /bin/sh -c "setsid /bin/sh -c 'trap \\"\\" TERM; exec /bin/sleep 100' & exec /bin/sleep 100"\nstop-timeout = 0.5\nrestart = no\n`,
  });
  const b = boot(dir, { pid1: true });
  const socket = b.socket;
  let instance = "";
  cleanups.push(async () => {
    await b.stop();
    if (instance) await scrub(instance);
    removeTempDirs();
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
