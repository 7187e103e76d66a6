/**
 * The supervisor's part in run-once-marker: the marker goes when the service went down outside
 * a shutdown (its stop-command undid the start), and stays when it never came up (a
 * dependency failed), so the next boot still skips a start that was done.
 */
import { expect, test } from "bun:test";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Supervisor } from "../../src/supervisor/supervisor.ts";
import { tempDir, type Files } from "../support/files.ts";
import { waitFor } from "../support/wait.ts";
import { supervisorSetup } from "./support.ts";

const setup = supervisorSetup();
const tmp = tempDir();

/** A service directory with these files, and a supervisor over it (loaded and started). */
const boot = (files: Files): Supervisor => setup.boot(files).sup;

test("a marked run-once service whose dependency fails to start keeps its marker", async () => {
  const marker = join(tmp, "kept");
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
  const marker = join(tmp, "removed");
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
