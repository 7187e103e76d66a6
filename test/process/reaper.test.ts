/**
 * @module test/process/reaper
 * As session supervisor (not PID 1): orphans of double-forking services come back to bosun as
 * subreaper and are reaped, while the exit codes of the children Bun spawned stay right; a
 * claim on a pid reused since an orphan of that number was reaped waits for the new process.
 */
import { expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe } from "../../src/config/schema.ts";
import { spawnChild } from "../../src/process/spawn.ts";
import { waitFor } from "../support/wait.ts";
import { processSetup } from "./support.ts";

const setup = processSetup(new Map([["PATH", process.env.PATH!]]));
const { dir, reaper } = setup;

/** Zombie children of this process. */
function zombies(): number[] {
  const found: number[] = [];
  for (const tid of readdirSync(`/proc/${process.pid}/task`)) {
    for (const pid of readFileSync(`/proc/${process.pid}/task/${tid}/children`, "latin1").trim().split(" ").filter(Boolean)) {
      try {
        const stat = readFileSync(`/proc/${pid}/stat`, "latin1");
        if (stat.slice(stat.lastIndexOf(")") + 2)[0] === "Z") found.push(Number(pid));
      } catch {
        // gone meanwhile
      }
    }
  }
  return found;
}

test("bosun becomes subreaper and reaps double-forked orphans without disturbing its own children's exit codes", async () => {
  expect(reaper.reaping).toBe(true);
  const { launcher, rec } = setup.fresh();
  const before = reaper.reaped;
  const n = 60;
  for (let i = 0; i < n; i++) {
    // the subshell exits at once, so `sleep` is orphaned and reparented to us; then exit i
    const d = describe({ name: `orphaner${i}`, type: "process", command: ["/bin/sh", "-c", `(sleep 0.0$((${i} % 5)) &); exit ${i}`], workingDir: dir });
    launcher.start(d);
  }
  await waitFor("all services exited", () => rec.log.filter((e) => e.kind === "exited").length === n, 20_000);
  for (const e of rec.log) if (e.kind === "exited") expect(e.status).toEqual({ code: Number(e.name.slice("orphaner".length)), signal: null });
  await waitFor(`${n} orphans reaped (reaped ${reaper.reaped - before})`, () => reaper.reaped - before >= n, 10_000);
  await waitFor("no zombie left", () => zombies().length === 0);
  launcher.close();
});

test("a claimed pid that already ended is reported at once with its status", async () => {
  const before = reaper.reaped;
  // The orphan may end only once its parent is gone: one that ended first would be reaped by
  // that shell (dash reaps its background jobs on SIGCHLD) and never come to bosun at all. So
  // it waits to read the parent's stdin (kept on fd 3), which the test closes after the exit.
  const parent = spawnChild(["/bin/sh", "-c", "exec 3<&0; sh -c 'read _ <&3; exit 5' >/dev/null & echo $!"], { stdin: "pipe", stdout: "pipe" });
  const orphan = Number((await new Response(parent.stdout).text()).trim());
  await parent.exited;
  parent.stdin.end();
  await waitFor("orphan reaped", () => reaper.reaped > before);
  let status: unknown = null;
  reaper.claim(orphan, (s) => (status = s));
  expect(status).toEqual({ code: 5, signal: null });
  expect(reaper.reaped).toBe(before);
});

test("a claim on a pid reused since an orphan of that number was reaped waits for the new process, not the old status", async () => {
  // the pid is chosen with ns_last_pid, in a pid namespace of the child's own
  const proc = spawnChild(["unshare", "--pid", "--fork", "--mount-proc", "--kill-child", process.execPath, join(import.meta.dir, "reaper-reuse-child.ts")], { stdout: "pipe", stderr: "inherit" });
  const [out, code] = await Promise.all([new Response(proc.stdout).text(), proc.exited]);
  expect(code).toBe(0);
  const seen = JSON.parse(out.trim().split("\n").at(-1)!);
  expect(seen.second).toBe(seen.first);
  expect(seen.early).toBeNull();
  expect(seen.status).toEqual({ code: null, signal: "KILL" });
});
