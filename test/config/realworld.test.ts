/**
 * @module test/config/realworld
 * Service files in the style distributions ship (aligned columns, `:` settings, `.d`
 * directories of symlinks, template instances, continuation lines with comments, shell
 * snippets with `$$`, bgprocess with pid files, log consumers): they load without a spurious
 * error; the only findings are the documented warnings for what bosun cannot honour.
 */
import { describe, expect, test } from "bun:test";
import { join, relative } from "node:path";
import { checkServices } from "../../src/config/check.ts";
import { createLoader } from "../../src/config/loader.ts";

const DIR = join(import.meta.dir, "../fixtures/config/realworld");

describe("real-world dinit service files", () => {
  test("load with everything boot reaches", () => {
    const names = createLoader({ dirs: [DIR], env: {} })
      .loadAll(["boot"])
      .map((d) => d.name)
      .sort();
    expect(names).toEqual([
      "boot", "dbus", "dhcpcd", "early-devnodes", "early-hostname", "early.target", "getty@tty1", "logger@dhcpcd",
      "login.target", "network", "ntpd", "sshd", "syslogd",
    ]);
  });

  test("their constructs come out as dinit means them", () => {
    const loader = createLoader({ dirs: [DIR], env: {} });
    expect(loader.load("dhcpcd").command).toEqual(["/usr/bin/env", "dhcpcd", "-B", "--quiet", "--persistent"]);
    expect(loader.load("early-hostname").command).toEqual(["/bin/sh", "-c", 'test -n "${HOSTNAME:-}" || echo localhost > /dev/null']);
    expect(loader.load("network").command).toEqual(["./scripts/net.sh", "up", "lo"]);
    expect(loader.load("network").startTimeout).toBe(0);
    expect(loader.load("getty@tty1")).toMatchObject({ command: ["/usr/bin/env", "agetty", "--noclear", "tty1", "38400", "linux"], termSignal: "HUP" });
    expect(loader.load("logger@dhcpcd")).toMatchObject({ consumerOf: "dhcpcd", command: ["/usr/bin/env", "logger", "-t", "dhcpcd"] });
    expect(loader.load("ntpd")).toMatchObject({ command: ["/usr/bin/env", "ntpd", "-n", "-u", "nobody"], env: { USER: "nobody" } });
    expect(loader.load("dbus")).toMatchObject({ enableVia: "login.target", readiness: { kind: "pipefd", fd: 4 } });
    expect(loader.load("boot").depends.map((d) => `${d.kind}:${d.name}`)).toEqual([
      "milestone:early.target", "waits-for:dbus", "waits-for:getty@tty1", "waits-for:logger@dhcpcd", "waits-for:network",
      "waits-for:ntpd", "waits-for:sshd", "waits-for:syslogd",
    ]);
  });

  test("check finds no errors, only warnings for what bosun cannot honour", () => {
    const problems = checkServices({ dirs: [DIR], env: { PATH: "/usr/bin:/bin" } }, ["boot"]);
    expect(problems.filter((p) => p.severity === "error")).toEqual([]);
    expect(problems.map((p) => `${relative(DIR, p.file!)}:${p.line} ${p.message.split(":").slice(0, 2).join(":")}`).sort()).toEqual([
      "early-devnodes:4 options: 'starts-rwfs'",
      "getty:7 inittab-id: bosun writes no utmp records; inittab-id is ignored",
      "getty:8 inittab-line: bosun writes no utmp records; inittab-line is ignored",
      "syslogd:4 options: 'starts-log'",
    ]);
  });
});
