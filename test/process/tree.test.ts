/**
 * @module test/process/tree
 * A service's processes without a cgroup, found in /proc for real: the members of its
 * sessions and their descendants (setsid'd ones too), those seen at a stop after their parent
 * died, never bosun's own session, group or bosun itself; and the kill that empties it.
 */
import { expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { processTree, readEntry } from "../../src/process/tree.ts";
import { spawnChild } from "../../src/process/spawn.ts";
import { alive } from "../support/proc.ts";
import { waitFor } from "../support/wait.ts";
import { processSetup } from "./support.ts";

// orphans come to this process and are reaped, as they come to bosun
const { dir } = processSetup(new Map());

const pidsIn = (file: string) => readFileSync(file, "utf8").trim().split("\n").map(Number);

test("a session's members and their descendants, setsid'd ones included; a kill leaves none", async () => {
  const file = join(dir, "tree");
  const proc = spawnChild(["/bin/sh", "-c", `setsid /bin/sh -c '/bin/sleep 100 & echo $! >> ${file}; echo $$ >> ${file}; wait' & /bin/sleep 100 & echo $! >> ${file}; wait`], { detached: true });
  const tree = processTree();
  tree.addSession(proc.pid);
  await waitFor("three pids written", () => {
    try {
      return pidsIn(file).length === 3;
    } catch {
      return false;
    }
  });
  const others = pidsIn(file);
  expect(new Set(others.map((p) => readEntry(p)!.session)).size).toBe(2);
  expect(tree.pids().sort()).toEqual([proc.pid, ...others].sort());
  expect(await tree.killAll(5000)).toEqual([]);
  expect([proc.pid, ...others].filter(alive)).toEqual([]);
  await proc.exited;
});

test("processes seen at a stop are found after their parent died, though they left its session", async () => {
  const file = join(dir, "orphan");
  const proc = spawnChild(["/bin/sh", "-c", `setsid /bin/sleep 100 & echo $! > ${file}; wait`], { detached: true });
  const tree = processTree();
  tree.addSession(proc.pid);
  const orphan = await waitFor("the setsid'd child", () => {
    try {
      const pid = pidsIn(file)[0]!;
      return readEntry(pid)?.session === pid && pid;
    } catch {
      return false;
    }
  });
  tree.snapshot();
  proc.kill("SIGKILL");
  await proc.exited;
  await waitFor("the orphan reparented", () => readEntry(orphan)?.ppid !== proc.pid);
  expect(tree.pids()).toEqual([orphan]);
  expect(await tree.killAll(5000)).toEqual([]);
  expect(alive(orphan)).toBe(false);
});

test("bosun itself, its session and its process group are never the service's", () => {
  const self = readEntry(process.pid)!;
  const tree = processTree();
  tree.addSession(self.session);
  tree.addSession(process.pid);
  expect(tree.pids()).toEqual([]);
});

test("what is left in another process group of the session, and its descendants, is found once the leader is gone", async () => {
  const file = join(dir, "job");
  // bash's `set -m` (dash's needs a terminal): the background job gets a process group of its
  // own, still in the leader's session
  const proc = spawnChild(["/bin/bash", "-c", `set -m; /bin/sh -c '/bin/sleep 100 & echo $! >> ${file}; wait' & echo $! >> ${file}; sleep 0.2; exit 0`], { detached: true });
  const tree = processTree();
  tree.addSession(proc.pid);
  await proc.exited;
  const left = await waitFor("two pids written", () => {
    try {
      const pids = pidsIn(file);
      return pids.length === 2 && pids;
    } catch {
      return false;
    }
  });
  const job = readEntry(left[1]!)!;
  expect(job.session).toBe(proc.pid);
  expect(job.pgrp).not.toBe(proc.pid);
  expect(tree.pids().sort()).toEqual([...left].sort());
  expect(await tree.killAll(5000)).toEqual([]);
  expect(left.filter(alive)).toEqual([]);
  expect(tree.pids()).toEqual([]);
});
