/**
 * @module test/process/reaper-reuse-child
 * Runs as PID 1 of a pid namespace of its own, where the next pid can be chosen
 * (/proc/sys/kernel/ns_last_pid): an orphan is reaped, then its pid is given to a new orphan,
 * which is claimed. Prints as JSON whether the claim was answered with the first one's status.
 */
import { writeFileSync } from "node:fs";
import { createReaper } from "../../src/process/reaper.ts";
import { spawnChild } from "../../src/process/spawn.ts";
import { waitFor } from "../support/wait.ts";

const reaper = createReaper();
/** Starts `sh` leaving an orphan `sleep SECONDS`; resolves to the orphan's pid. */
async function orphan(seconds: string): Promise<number> {
  const sh = spawnChild(["/bin/sh", "-c", `/bin/sleep ${seconds} >/dev/null & echo $!`], { stdout: "pipe" });
  const pid = Number((await new Response(sh.stdout).text()).trim());
  await sh.exited;
  return pid;
}

const first = await orphan("0");
await waitFor("the first orphan reaped", () => reaper.reaped === 1);
// the next sh gets first - 1, its sleep the first orphan's pid
writeFileSync("/proc/sys/kernel/ns_last_pid", String(first - 2));
const second = await orphan("100");
let status: unknown = null;
reaper.claim(second, (s) => (status = s));
const early = status;
process.kill(second, "SIGKILL");
await waitFor("the claimed orphan's end", () => status !== null);
console.log(JSON.stringify({ first, second, early, status }));
reaper.close();
