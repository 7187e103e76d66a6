/**
 * @module test/support/logs
 * A LogRouter stub for tests of the layers that hand services' output to a router (process,
 * supervisor, daemon): each service's output is piped and kept as lines, and bosun's own lines
 * are kept with their level and service.
 */
import type { ServiceDescription } from "../../src/config/schema.ts";
import type { LogRouter, ServiceOutput, SystemLevel } from "../../src/log/types.ts";

/**
 * A LogRouter that keeps what it is given: `lines(name)` a service's output lines so far,
 * `system` bosun's own lines. Its methods can be replaced to watch a call (`reopen`, say).
 *
 * @example
 * const out = stubLogs();
 * const sup = createSupervisor({ ..., logs: out.logs });
 * await waitFor("armed", () => out.lines("slow").includes("armed"));
 */
export function stubLogs() {
  const lines = new Map<string, string[]>();
  const system: { level: SystemLevel; message: string; service?: string }[] = [];
  const open = (service: ServiceDescription): ServiceOutput => ({
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
    attach(streams) {
      for (const s of [streams.stdout, streams.stderr]) {
        if (!s) continue;
        (async () => {
          let partial = "";
          for await (const chunk of s) {
            const parts = (partial + new TextDecoder().decode(chunk)).split("\n");
            partial = parts.pop()!;
            const kept = lines.get(service.name) ?? [];
            kept.push(...parts);
            lines.set(service.name, kept);
          }
        })();
      }
    },
    release() {},
  });
  const logs: LogRouter = {
    open,
    system: (level, message, service) => void system.push({ level, message, service }),
    serviceStarted() {},
    reopen() {},
    tail: (name) => lines.get(name) ?? null,
    follow: () => () => {},
    clear: () => false,
    problem: () => null,
    close: async () => {},
  };
  return { logs, lines: (name: string) => lines.get(name) ?? [], system };
}
