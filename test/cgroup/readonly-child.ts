/**
 * @module test/cgroup/readonly-child
 * Runs inside a private mount namespace whose cgroup mounts the test made read-only (or
 * removed): what the manager decides there, strict and best-effort, as one JSON line.
 */
import { openCgroups } from "../../src/cgroup/manager.ts";
import { service } from "./support.ts";

const strict = openCgroups({ everyService: true });
const lenient = openCgroups({ everyService: true, bestEffort: true });
const limited = service("web", { memoryMax: 64 * 1024 ** 2, cpuMax: "50000 100000" });
const out = {
  mode: strict.mode,
  strictDescription: strict.description,
  lenientDescription: lenient.description,
  strictLimited: strict.prepare(limited),
  strictPlain: strict.prepare(service("plain")),
  strictPlaced: strict.prepare(service("placed", {}, { runInCgroup: "/somewhere" })),
  lenientFirst: lenient.prepare(limited),
  lenientAgain: lenient.prepare(limited),
  strictClose: await strict.close(),
  lenientClose: await lenient.close(),
};
console.log(JSON.stringify(out));
