/**
 * @module test/cgroup/spawn
 * The Bun fact the layer builds on: Bun.spawn's `cgroup` option (a path or an open directory
 * fd) puts the child into the cgroup before it executes its first instruction, on cgroup v2
 * and on a v1 hierarchy; a missing cgroup fails the spawn with ENOENT. The program itself
 * reads /proc/self/cgroup, so a join after exec would show the old cgroup.
 */
import { afterAll, expect, test } from "bun:test";
import { closeSync, mkdirSync, openSync, rmdirSync } from "node:fs";
import { join } from "node:path";
import { detectCgroups } from "../../src/cgroup/detect.ts";
import { instanceName } from "../../src/cgroup/names.ts";
import { cgroupOf } from "./support.ts";

const v2 = detectCgroups({ prefer: "v2" }).v2;
const freezer = detectCgroups({ prefer: "v1" }).v1.find((h) => h.controllers.includes("freezer")) ?? null;
const made: string[] = [];
afterAll(() => {
  for (const d of made.reverse()) rmdirSync(d);
});

function fresh(parent: string): string {
  const dir = join(parent, instanceName());
  mkdirSync(dir);
  made.push(dir);
  return dir;
}

async function cgroupFile(cgroup: string | number): Promise<string> {
  const proc = Bun.spawn(["/bin/cat", "/proc/self/cgroup"], { cgroup, stdout: "pipe" });
  const text = await new Response(proc.stdout).text();
  expect(await proc.exited).toBe(0);
  return text;
}

test.skipIf(v2 === null)("cgroup v2: by path and by fd, the program starts inside", async () => {
  const dir = fresh(v2!.dir);
  const name = dir.slice(v2!.mountPoint.length);
  expect(cgroupOf(await cgroupFile(dir))).toBe(name);
  const fd = openSync(dir, "r");
  try {
    expect(cgroupOf(await cgroupFile(fd))).toBe(name);
  } finally {
    closeSync(fd);
  }
});

test.skipIf(freezer === null)("cgroup v1: by path and by fd, the program starts inside that hierarchy's cgroup", async () => {
  const dir = fresh(freezer!.dir);
  const name = dir.slice(freezer!.mountPoint.length);
  expect(cgroupOf(await cgroupFile(dir), "freezer")).toBe(name);
  const fd = openSync(dir, "r");
  try {
    expect(cgroupOf(await cgroupFile(fd), "freezer")).toBe(name);
  } finally {
    closeSync(fd);
  }
});

test.skipIf(v2 === null)("a cgroup that does not exist fails the spawn with ENOENT", () => {
  expect(() => Bun.spawn(["/bin/true"], { cgroup: join(v2!.dir, instanceName()) })).toThrow(expect.objectContaining({ code: "ENOENT" }));
});
