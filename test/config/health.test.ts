/**
 * @module test/config/health
 * The health settings as the loader and `check` read them: Docker's defaults, the start
 * interval and start gating, values refused at their line, probes `check` refuses for a
 * service with a network namespace of its own, and a check on a scheduled service.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { checkServices } from "../../src/config/check.ts";
import { removeTempDirs, tempDir } from "../support/files.ts";
import { loaderFor, problemsOf } from "./support.ts";

afterAll(removeTempDirs);

describe("health settings", () => {
  test("a check alone gets Docker's timing (timeout 30 s), a 1 s start interval and gates the start", () => {
    const { loader } = loaderFor({ web: "type = process\ncommand = /bin/true\nhealth-tcp = 8080\n" });
    expect(loader.load("web").health).toEqual({
      command: null,
      http: null,
      tcp: "127.0.0.1:8080",
      interval: 30,
      timeout: 30,
      retries: 3,
      startPeriod: 0,
      startInterval: 1,
      gatesStart: true,
    });
  });

  test("health-start-interval and health-gates-start load typed, with no warning: health checks run", () => {
    const { loader } = loaderFor({
      web: "type = process\ncommand = /bin/true\nhealth-command = /bin/true\nhealth-start-interval = 250ms\nhealth-gates-start = no\n",
    });
    expect(loader.load("web").health).toMatchObject({ command: ["/bin/true"], startInterval: 0.25, gatesStart: false });
    expect(loader.warnings()).toEqual([]);
  });

  test("a zero interval, timeout or start interval and a non-boolean gate are refused at their line", () => {
    const { loader } = loaderFor({
      web: "type = process\ncommand = /bin/true\nhealth-tcp = 80\nhealth-interval = 0\nhealth-timeout = 0s\nhealth-start-interval = 0ms\nhealth-gates-start = maybe\n",
    });
    const problems = problemsOf(() => loader.load("web")).map((p) => [p.line, p.message]);
    expect(problems).toEqual([
      [4, "health-interval: must be more than 0"],
      [5, "health-timeout: must be more than 0"],
      [6, "health-start-interval: must be more than 0"],
      [7, "health-gates-start: 'maybe' is not a boolean: use yes, true, no or false"],
    ]);
  });
});

describe("check", () => {
  test("an http or tcp probe of a service in its own network namespace is an error saying to use health-command", () => {
    const dir = tempDir({
      boot: "depends-on = web\ndepends-on = db\ndepends-on = job\n",
      web: "type = process\ncommand = /bin/true\nnamespaces = net uts\nhealth-http = http://127.0.0.1:8080/\n",
      db: "type = process\ncommand = /bin/true\nnamespaces = net\nhealth-tcp = 5432\n",
      job: "type = process\ncommand = /bin/true\nnamespaces = net\nhealth-command = /bin/true\n",
    });
    const problems = checkServices({ dirs: [dir], env: { PATH: "/usr/bin:/bin" } }, ["boot"]).filter((p) => p.severity === "error");
    expect(problems.map((p) => [p.service, p.line, p.message.split(":")[0]])).toEqual([
      ["web", 4, "health-http"],
      ["db", 4, "health-tcp"],
    ]);
    expect(problems[0]!.message).toContain("use health-command, which runs inside the service's namespaces");
  });

  test("a check on a scheduled service is a warning at its line: its runs are judged by their exit", () => {
    const dir = tempDir({ backup: "type = scripted\ncommand = /bin/true\nschedule = @hourly\nhealth-command = /bin/true\n" });
    const problems = checkServices({ dirs: [dir], env: { PATH: "/usr/bin:/bin" } }, ["backup"]);
    expect(problems.map((p) => [p.line, p.severity, p.message])).toEqual([
      [4, "warning", "health-command: does not apply to a scheduled service: its runs are judged by their exit, not checked"],
    ]);
  });
});
