/**
 * The supervisor in this process, over real processes and service files: its operations and
 * their refusals (one OperationError with a code), reload by request and by SIGHUP's path
 * alike, enable/disable on disk and live, the status report, and the exit code of a main.
 */
import { describe, expect, test } from "bun:test";
import { existsSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { OperationError } from "../../src/supervisor/failure.ts";
import type { Supervisor } from "../../src/supervisor/supervisor.ts";
import { tempDir } from "../support/files.ts";
import { waitFor } from "../support/wait.ts";
import { supervisorSetup } from "./support.ts";

const { supervisor, boot } = supervisorSetup();
const tmp = tempDir();

/** The OperationError `run` throws (fails the test when it throws nothing or something else). */
function failure(run: () => unknown): OperationError {
  try {
    run();
  } catch (e) {
    if (e instanceof OperationError) return e;
    throw e;
  }
  throw new Error("expected an OperationError, but the operation succeeded");
}

const started = (sup: Supervisor, name: string) => waitFor(`${name} started`, () => sup.status(name)?.state === "started");

let rewrites = 0;
/** Rewrites a service file with an mtime of its own (quick rewrites could share one). */
function rewrite(dir: string, name: string, text: string): void {
  writeFileSync(join(dir, name), text);
  utimesSync(join(dir, name), new Date(), new Date(Date.now() + 5000 * ++rewrites));
}

describe("operations", () => {
  test("every refusal is an OperationError with a code: unknown service, needed service, no process", async () => {
    const { sup } = boot({
      boot: "type = internal\ndepends-on = web\n",
      web: "type = process\ncommand = sleep 30\nrestart = no\n",
      lonely: "type = internal\n",
    });
    await started(sup, "boot");
    expect(failure(() => sup.report("nosuch")).code).toBe("not-found");
    const stop = failure(() => sup.stop("web"));
    expect(stop.code).toBe("refused");
    expect(stop.detail.dependents).toEqual(["boot"]);
    sup.start("lonely");
    expect(failure(() => sup.signal("lonely", "HUP")).code).toBe("refused");
  });

  test("the report joins the engine's record with the file, the neighbours and the runtime", async () => {
    const { sup, dir } = boot({ boot: "type = internal\ndepends-on = web\n", web: "type = process\ncommand = sleep 30\nrestart = no\n" });
    await started(sup, "boot");
    const r = sup.report("web");
    expect(r.status.pid).toBeNumber();
    expect(r.file).toBe(join(dir, "web"));
    expect(r.fileChanged).toBe(false);
    expect(r.dependents).toEqual([{ kind: "need", name: "boot", state: "started" }]);
    expect(r.runtime).toEqual({ readiness: null, statusText: null, health: null });
    expect(r.uptime).toBeNumber();
  });
});

describe("reload", () => {
  test("the request's reload and SIGHUP's are one operation: same outcome, same refusal", async () => {
    const { sup, dir, out } = boot({ app: "type = process\ncommand = sleep 30\nrestart = no\n" }, { services: ["app"] });
    await started(sup, "app");
    rewrite(dir, "app", "type = process\ncommand = sleep 31\nrestart = no\n");
    expect(sup.report("app").fileChanged).toBe(true);
    expect(sup.reload("app")).toEqual({ service: "app", now: [], restartNeeded: ["command"], restartsWith: [], start: [], stop: [] });
    expect(sup.report("app").fileChanged).toBe(false);

    rewrite(dir, "app", "type = process\ncommand = sleep 32\nrestart = no\n");
    sup.reloadChanged();
    expect(out.system.find((l) => l.service === "app" && l.message.startsWith("reloaded"))?.message).toBe("reloaded; at the next restart: command (bosun restart app)");

    rewrite(dir, "app", "type = scripted\ncommand = sleep 32\n");
    const refused = failure(() => sup.reload("app"));
    expect(refused.message).toContain("cannot reload app: ");
    expect(refused.message).toContain(`${join(dir, "app")}:1`);
    sup.reloadChanged();
    expect(out.system.filter((l) => l.level === "warn").map((l) => l.message)).toContain(refused.message);
  });

  test("a file that no longer reads is refused naming file and line, and the running description stays", async () => {
    const { sup, dir } = boot({ app: "type = process\ncommand = sleep 30\nrestart = no\n" }, { services: ["app"] });
    await started(sup, "app");
    rewrite(dir, "app", "type = process\ncommand = sleep 30\nrestart = sometimes\n");
    const e = failure(() => sup.reload("app"));
    expect(e.code).toBe("refused");
    expect(e.message).toContain(`${join(dir, "app")}:3: service 'app': restart: 'sometimes' is not a valid restart value`);
    expect(sup.status("app")?.state).toBe("started");
  });
});

describe("enable and disable", () => {
  test("enable links the service into boot's waits-for.d and starts it; disable removes both", async () => {
    const { sup, dir } = boot({ boot: "type = internal\nwaits-for.d = boot.d\n", "boot.d/.keep": "", extra: "type = process\ncommand = sleep 30\nrestart = no\n" });
    await started(sup, "boot");
    sup.enable("extra");
    expect(existsSync(join(dir, "boot.d", "extra"))).toBe(true);
    await started(sup, "extra");
    sup.disable("extra");
    expect(existsSync(join(dir, "boot.d", "extra"))).toBe(false);
    expect(sup.status("boot")?.depends).toEqual([]);
  });
});

/** A supervisor that is expected not to load; its error lines. */
async function refusedBoot(files: Record<string, string>, opts: { services?: string[]; mainCommand?: string[] }) {
  const { sup, dir, out } = supervisor(files, opts);
  expect(sup.load()).toBe(false);
  expect(await sup.done).toBe(1);
  await sup.close();
  return { dir, errors: out.system.filter((l) => l.level === "error").map((l) => l.message) };
}

describe("the exit code and the main service", () => {
  test("the ad-hoc main's exit code is bosun's", async () => {
    const { sup } = boot({}, { mainCommand: ["sh", "-c", "exit 3"] });
    expect(await sup.done).toBe(3);
  });

  test("a main command that does not exist gives 127 and one that is not executable 126, with the launch failure in the log", async () => {
    const missing = boot({}, { mainCommand: ["nosuchprog-bosun"] });
    expect(await missing.sup.done).toBe(127);
    expect(missing.out.system.map((l) => l.message)).toContainEqual(expect.stringContaining("exec: ENOENT (no such file: nosuchprog-bosun in PATH)"));
    expect(missing.out.system.map((l) => l.message)).toContain("shutting down (main service main failed to start: exec: ENOENT (no such file: nosuchprog-bosun in PATH); exit code 127)");
    const notExec = join(tmp, "plain.txt");
    writeFileSync(notExec, "not a program\n");
    const refused = boot({}, { mainCommand: [notExec] });
    expect(await refused.sup.done).toBe(126);
  });

  test("a service file named main beside -- CMD is an error naming the file", async () => {
    const { dir, errors } = await refusedBoot({ main: "type = process\ncommand = sleep 30\n" }, { mainCommand: ["sleep", "2"] });
    expect(errors).toEqual([`${join(dir, "main")}: a service file named 'main' clashes with the command after '--', which runs as the service 'main'; rename the file or drop the command`]);
  });

  test("with -- CMD a file's main = true is set aside with one warning, and the command decides the code", async () => {
    const { sup, dir, out } = boot({ boot: "type = internal\nwaits-for = app\n", app: "type = process\ncommand = sleep 30\nmain = true\nrestart = no\n" }, { mainCommand: ["sh", "-c", "exit 4"] });
    expect(await sup.done).toBe(4);
    const warnings = out.system.filter((l) => l.level === "warn" && l.message.includes("main = true")).map((l) => l.message);
    expect(warnings).toEqual([`${join(dir, "app")}:3: service 'app': main = true is set aside: the command after '--' is the main service`]);
  });

  test("two files with main = true are a boot error naming both", async () => {
    const { dir, errors } = await refusedBoot(
      { boot: "type = internal\nwaits-for = a\nwaits-for = b\n", a: "type = process\ncommand = sleep 30\nmain = true\n", b: "type = process\ncommand = sleep 30\nmain = true\n" },
      {},
    );
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain(`${join(dir, "b")}:3: service 'b': main: more than one service has 'main = true' (a at ${join(dir, "a")}:3, b at ${join(dir, "b")}:3)`);
  });
});

describe("bosun's own lines", () => {
  test("a scripted service stopped by hand says stopped, not its stop command's exit 0; a failing stop command is named", async () => {
    const { sup, out } = boot({ s: "type = scripted\ncommand = true\nstop-command = true\n", f: "type = scripted\ncommand = true\nstop-command = sh -c \"exit 4\"\n" }, { services: ["s", "f"] });
    await started(sup, "s");
    await started(sup, "f");
    sup.stop("s");
    sup.stop("f");
    const line = (name: string) => waitFor(`${name}'s stop line`, () => out.system.find((l) => l.service === name && l.message.startsWith("stopped"))?.message);
    expect(await line("s")).toBe("stopped");
    expect(await line("f")).toBe("stopped: stop command exited with 4");
  });
});
