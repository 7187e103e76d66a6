import { expect, test } from "bun:test";
import { systemLogger, taggedLine } from "../../src/log/consola.ts";
import type { LogRouter, SystemLevel } from "../../src/log/types.ts";

/** A router that only records bosun's own lines: the logger uses nothing else of it. */
function recording() {
  const lines: { level: SystemLevel; message: string; service?: string }[] = [];
  const logs = { system: (level: SystemLevel, message: string, service?: string) => void lines.push({ level, message, service }) } as LogRouter;
  return { logs, lines };
}

test("bosun's logger hands each line to the router with its level, formatted arguments and the service as tag", () => {
  const { logs, lines } = recording();
  const log = systemLogger(logs, "verbose");
  log.withTag("web").info("started in %d ms", 12);
  log.warn("restarting", "web");
  log.error(new Error("boom").message);
  log.debug("detail");
  log.success("ready");
  expect(lines).toEqual([
    { level: "info", message: "started in 12 ms", service: "web" },
    { level: "warn", message: "restarting web", service: undefined },
    { level: "error", message: "boom", service: undefined },
    { level: "debug", message: "detail", service: undefined },
    { level: "info", message: "ready", service: undefined },
  ]);
});

test("verbosity: quiet keeps warnings and errors, normal adds info, verbose adds debug", () => {
  const counts = (["quiet", "normal", "verbose"] as const).map((verbosity) => {
    const { logs, lines } = recording();
    const log = systemLogger(logs, verbosity);
    log.debug("d");
    log.info("i");
    log.warn("w");
    log.error("e");
    return lines.map((l) => l.level);
  });
  expect(counts).toEqual([
    ["warn", "error"],
    ["info", "warn", "error"],
    ["debug", "info", "warn", "error"],
  ]);
});

test("a line repeated many times in a second comes out every time, when it happens", () => {
  const lines: string[] = [];
  const log = systemLogger({ system: (_level: string, message: string) => void lines.push(message) } as unknown as LogRouter, "normal");
  for (let i = 0; i < 8; i++) log.withTag("web").info("started");
  expect(lines).toEqual(Array(8).fill("started"));
});

test("a tagged line carries the service as tag, keeps the logger's level and its text as written", () => {
  const { logs, lines } = recording();
  const log = systemLogger(logs, "normal");
  const web = taggedLine(log, "web");
  web.debug("hidden at normal");
  web.info("disk 100% full, %d left");
  web.warn("restarting");
  web.error("gave up");
  expect(lines).toEqual([
    { level: "info", message: "disk 100% full, %d left", service: "web" },
    { level: "warn", message: "restarting", service: "web" },
    { level: "error", message: "gave up", service: "web" },
  ]);
});
