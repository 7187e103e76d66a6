/**
 * @module bench/machine
 * The machine a run measured, for the results header: figures only compare within one machine.
 */
import { readFileSync } from "node:fs";
import { availableParallelism, release, totalmem } from "node:os";

/** Cores, memory, kernel, CPU model, distribution, Bun and the run's date, as one line each. */
export function describeMachine(): Record<string, string> {
  const read = (path: string) => {
    try {
      return readFileSync(path, "utf8");
    } catch {
      return "";
    }
  };
  const cpu = /^model name\s*:\s*(.+)$/m.exec(read("/proc/cpuinfo"))?.[1]?.trim() ?? "?";
  const os = /^PRETTY_NAME="?([^"\n]+)"?$/m.exec(read("/etc/os-release"))?.[1] ?? "?";
  return {
    date: new Date().toISOString().replace(/\.\d+Z$/, "Z"),
    cores: String(availableParallelism()),
    memory: `${(totalmem() / 2 ** 30).toFixed(1)} GiB`,
    kernel: `Linux ${release()}`,
    cpu,
    os,
    bun: Bun.version,
  };
}
