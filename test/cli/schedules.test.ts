/**
 * `bosun check --verbose` shows each scheduled service's next five due times, in its timezone
 * with the UTC offset, from the same computation the daemon uses; without --verbose (or with
 * --json) it shows none.
 */
import { afterAll, expect, test } from "bun:test";
import { scheduleLines } from "../../src/cli/schedules.ts";
import { runCli } from "../support/cli.ts";
import { removeTempDirs, tempDir } from "../support/files.ts";

const dir = tempDir({
  boot: "type = internal\nwaits-for = backup\nwaits-for = report\n",
  backup: "type = scripted\ncommand = /bin/true\nschedule = 30 2 * * *\nschedule-timezone = Europe/Berlin\n",
  report: "type = process\ncommand = /bin/true\nschedule = @every 90m\n",
});
afterAll(removeTempDirs);

test("the next five due times per scheduled service, across a daylight-saving change; @every counted from now", () => {
  const now = Date.parse("2025-03-28T12:00:00Z");
  const lines = scheduleLines({ dirs: [dir], env: {} }, ["boot"], now);
  expect(lines.slice(0, 6)).toEqual([
    "backup: 30 2 * * * (Europe/Berlin), next runs:",
    "  2025-03-29 02:30:00 +01:00",
    "  2025-03-30 03:00:00 +02:00",
    "  2025-03-31 02:30:00 +02:00",
    "  2025-04-01 02:30:00 +02:00",
    "  2025-04-02 02:30:00 +02:00",
  ]);
  expect(lines[6]).toBe("report: @every 90m, next runs:");
  // shown in bosun's local time with its offset: read back as instants
  const instants = lines.slice(7).map((l) => Date.parse(l.trim().replace(" ", "T").replace(" ", "")));
  expect(instants).toEqual([1, 2, 3, 4, 5].map((k) => now + k * 90 * 60_000));
});

test("check --verbose prints them after the check's own verdict; plain check and --json do not", async () => {
  const verbose = await runCli(["check", "-d", dir, "--verbose"]);
  expect(verbose.code).toBe(0);
  const lines = verbose.stdout.trim().split("\n");
  expect(lines[0]).toBe("No problems found in boot and the services they reach.");
  expect(lines.slice(1).filter((l) => l.startsWith("  20")).length).toBe(10);
  expect(lines).toContain("backup: 30 2 * * * (Europe/Berlin), next runs:");
  expect((await runCli(["check", "-d", dir])).stdout).not.toContain("next runs");
  expect((await runCli(["check", "-d", dir, "-v", "--json"])).stdout).not.toContain("next runs");
});
