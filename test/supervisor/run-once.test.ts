/**
 * The supervisor's part in run-once-marker: the marker goes when the service went down outside
 * a shutdown (its stop-command undid the start), and stays when it never came up (a
 * dependency failed), so the next boot still skips a start that was done.
 */
import { afterAll, afterEach, beforeAll, expect, test } from "bun:test";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createSupervisor, type Supervisor } from "../../src/supervisor/supervisor.ts";
import { stubLogs, tempDir, waitFor } from "../process/support.ts";

let tmp: ReturnType<typeof tempDir>;
beforeAll(() => (tmp = tempDir()));
afterAll(() => tmp.cleanup());

let running: Supervisor | null = null;
afterEach(async () => {
  if (!running) return;
  running.forceExit("test over");
  await running.done;
  await running.close();
  running = null;
});

let serial = 0;
/** A service directory with these files, and a supervisor over it (loaded and started). */
function boot(files: Record<string, string>): Supervisor {
  const dir = join(tmp.dir, `s${++serial}`);
  mkdirSync(dir, { recursive: true });
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  const sup = createSupervisor({ dirs: [dir], services: [], mainCommand: null, env: process.env, logs: stubLogs().logs });
  running = sup;
  expect(sup.load()).toBe(true);
  sup.startBoot();
  return sup;
}

test("a marked run-once service whose dependency fails to start keeps its marker", async () => {
  const marker = join(tmp.dir, "kept");
  writeFileSync(marker, "");
  const sup = boot({
    boot: "type = internal\nwaits-for = migrate\n",
    migrate: `type = scripted\noptions = run-once\nrun-once-marker = ${marker}\ncommand = /bin/true\ndepends-on = db\n`,
    db: "type = process\ncommand = /nonexistent/db\nrestart = no\n",
  });
  await waitFor("migrate to give up", () => sup.status("migrate")?.reason === "dep-failed");
  expect(existsSync(marker)).toBe(true);
});

test("a marked run-once service stopped by hand loses its marker; started again, it runs and marks again", async () => {
  const marker = join(tmp.dir, "removed");
  const sup = boot({
    boot: "type = internal\nwaits-for = migrate\n",
    migrate: `type = scripted\noptions = run-once\nrun-once-marker = ${marker}\ncommand = /bin/true\n`,
  });
  await waitFor("migrate to start", () => sup.status("migrate")?.state === "started");
  expect(existsSync(marker)).toBe(true);
  sup.stop("migrate");
  await waitFor("migrate to stop", () => sup.status("migrate")?.state === "stopped");
  expect(existsSync(marker)).toBe(false);
  sup.start("migrate");
  await waitFor("migrate to start again", () => sup.status("migrate")?.state === "started");
  expect(existsSync(marker)).toBe(true);
});
