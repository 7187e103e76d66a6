/**
 * @module test/config/isolation
 * The isolation settings as the loader and `check` read them: dinit's IAB capabilities and
 * securebits (unknown names, and what setpriv cannot apply, refused at their line), the
 * combinations that cannot work, working-dir inside a new root, lookups inside that root that
 * follow its own symbolic links, helpers that are not installed, and kill-all-on-stop refused
 * unless bosun is PID 1 of its pid namespace.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { chmodSync, mkdirSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { checkServices } from "../../src/config/check.ts";
import { parseCapabilities } from "../../src/config/isolation.ts";
import type { Problem } from "../../src/config/problems.ts";
import { findProgram, inRoot } from "../../src/config/program.ts";
import { removeTempDirs, tempDir, type Files } from "../support/files.ts";
import { loaderFor, problemsOf } from "./support.ts";

afterAll(removeTempDirs);

/** The problems a failed load reports, as [line, message]. */
function refused(files: Files, name = "web"): [number | null, string][] {
  return problemsOf(() => loaderFor(files).loader.load(name)).map((p) => [p.line, p.message]);
}

const proc = "type = process\ncommand = /bin/true\n";

/** A small new root: /bin/tool, /bin/sh -> /bin/tool (absolute, as busybox installs its links), /bin/away -> /usr/bin/env (only on the host). */
function jail(extra: string[] = []): string {
  const root = join(tempDir({ "jail/bin/tool": "#!/bin/tool\n" }), "jail");
  chmodSync(join(root, "bin/tool"), 0o755);
  symlinkSync("/bin/tool", join(root, "bin/sh"));
  symlinkSync("/usr/bin/env", join(root, "bin/away"));
  for (const dir of extra) mkdirSync(join(root, dir), { recursive: true });
  return root;
}

describe("capabilities and securebits", () => {
  test("capabilities read as dinit's IAB: ^ ambient and inheritable, bare inheritable, ! blocked; names in any case", () => {
    expect(parseCapabilities("^cap_net_bind_service, CAP_CHOWN,!cap_sys_admin,%cap_kill")).toEqual({
      inheritable: ["net_bind_service", "chown", "kill"],
      ambient: ["net_bind_service"],
      blocked: ["sys_admin"],
    });
  });

  test("an unknown capability and one both given and blocked are errors at their line; += appends", () => {
    expect(refused({ web: `${proc}capabilities = ^cap_net_bind_servic\n` })).toEqual([
      [3, "capabilities: 'cap_net_bind_servic' is not a capability: use libcap's names, such as cap_net_bind_service"],
    ]);
    expect(refused({ web: `${proc}capabilities = net_bind_service\n` })[0]![1]).toContain("is not a capability");
    expect(refused({ web: `${proc}capabilities = ^cap_chown\ncapabilities += !cap_chown\n` })).toEqual([
      [4, expect.stringContaining("capabilities: cap_chown is both given and blocked ('!')")],
    ]);
    expect(loaderFor({ web: `${proc}capabilities = ^cap_chown\ncapabilities += !cap_net_raw\n` }).loader.load("web").capabilities).toBe("^cap_chown,!cap_net_raw");
  });

  test("securebits: unknown names and keep-caps (cleared by exec) are errors saying why; the others load", () => {
    expect(refused({ web: `${proc}securebits = noroot keep-caps\n` })).toEqual([[3, expect.stringContaining("'keep-caps' is cleared by the kernel when the service's program is exec'd")]]);
    expect(refused({ web: `${proc}securebits = no-root\n` })).toEqual([[3, expect.stringContaining("'no-root' is not a securebits flag")]]);
    expect(loaderFor({ web: `${proc}securebits = noroot noroot-locked\nsecurebits += keep-caps-locked\n` }).loader.load("web").securebits).toEqual(["noroot", "noroot-locked", "keep-caps-locked"]);
  });

  test("namespaces, chroot, capabilities and securebits load without a 'not honoured' warning", () => {
    const { loader } = loaderFor({ web: `${proc}run-as = nobody\nnamespaces = net pid user\nchroot = /srv/jail\n`, app: `${proc}capabilities = ^cap_chown\nsecurebits = noroot\n` });
    loader.load("web");
    loader.load("app");
    expect(loader.warnings()).toEqual([]);
  });
});

describe("combinations that cannot work are load errors", () => {
  test("a user namespace needs run-as, and leaves no capabilities or securebits to set", () => {
    expect(refused({ web: `${proc}namespaces = user\n` })).toEqual([[3, expect.stringContaining("namespaces: 'user' maps the service's run-as uid and gid to themselves; without run-as")]]);
    expect(refused({ web: `${proc}run-as = nobody\nnamespaces = user\ncapabilities = ^cap_chown\nsecurebits = noroot\n` })).toEqual([
      [5, expect.stringContaining("capabilities: a new user namespace")],
      [6, expect.stringContaining("securebits: a new user namespace")],
    ]);
  });

  test("a pid namespace cannot hold a bgprocess, nor can notify reach bosun from inside a chroot", () => {
    expect(refused({ web: "type = bgprocess\ncommand = /bin/true\npid-file = /run/x.pid\nnamespaces = pid\n" })).toEqual([
      [4, expect.stringContaining("namespaces: 'pid' makes the command the namespace's init; a bgprocess's command exits")],
    ]);
    expect(refused({ web: `${proc}chroot = /srv/jail\nready-notification = notify\n` })).toEqual([[4, expect.stringContaining("ready-notification: notify's socket is outside the chroot")]]);
  });

  test("in a new root, working-dir is a path inside it, / by default", () => {
    const { loader } = loaderFor({ a: `${proc}chroot = jail\n`, b: `${proc}chroot = /srv/jail\nworking-dir = www\n`, c: `${proc}working-dir = /srv\nchroot = /srv/jail\n` });
    expect(loader.load("a").workingDir).toBe("/");
    expect(loader.load("b").workingDir).toBe("/www");
    expect(loader.load("c").workingDir).toBe("/srv");
    expect(loader.load("a").chroot).toEndWith("/jail");
  });
});

describe("lookups inside a new root", () => {
  test("symbolic links are followed inside the new root, never out to bosun's files", () => {
    const root = jail();
    expect(inRoot(root, "/bin/sh")).toBe(join(root, "bin/tool"));
    expect(findProgram("sh", "/", "/bin", root)).toBe("/bin/sh");
    // /usr/bin/env exists on this machine, but not in the new root
    expect(findProgram("/bin/away", "/", "/bin", root)).toMatchObject({ errno: "ENOENT", message: `executable '/bin/away' inside ${root} does not exist` });
    expect(inRoot(root, "/../../bin/tool")).toBe(join(root, "bin/tool"));
  });
});

describe("check", () => {
  const check = (files: Record<string, string>, opts: { pid1?: boolean; helperPath?: string } = {}) =>
    checkServices({ dirs: [tempDir(files)], env: { PATH: "/usr/bin:/bin" }, ...opts }, ["web"]).map((p: Problem) => [p.line, p.severity, p.message]);

  test("a helper that is not installed is a warning naming its Debian package", () => {
    const web = `${proc}nice = 3\nnamespaces = net\nrun-as = nobody\n`;
    expect(check({ web }, { helperPath: "/nowhere" })).toEqual([
      [3, "warning", "nice: needs the helper nice, which is not installed; it comes with the Debian package coreutils"],
      [4, "warning", "namespaces: needs the helper unshare, which is not installed; it comes with the Debian package util-linux"],
      [4, "warning", "namespaces: needs the helper ip, which is not installed; it comes with the Debian package iproute2"],
      [5, "warning", "run-as: needs the helper setpriv, which is not installed; it comes with the Debian package util-linux"],
    ]);
    expect(check({ web })).toEqual([]);
  });

  test("with chroot: a missing root is an error, the command is looked up inside it, capabilities want setpriv there, pid wants its /proc", () => {
    expect(check({ web: `${proc}chroot = /nonexistent/jail\n` })).toEqual([[3, "error", "chroot: /nonexistent/jail is not a directory; the service cannot start until it is"]]);
    const root = jail();
    expect(check({ web: `type = process\ncommand = /bin/sh -c true\nchroot = ${root}\n` })).toEqual([]);
    expect(check({ web: `type = process\ncommand = /bin/away\nchroot = ${root}\n` })).toEqual([[2, "error", `command: executable '/bin/away' inside ${root} does not exist`]]);
    expect(check({ web: `type = process\ncommand = /bin/sh\nchroot = ${root}\ncapabilities = ^cap_chown\nnamespaces = pid\n` })).toEqual([
      [4, "error", expect.stringContaining(`capabilities: needs the helper setpriv inside ${root} (with chroot, setpriv sets capabilities and securebits after the change of root)`)],
      [5, "error", `namespaces: 'pid' mounts the namespace's /proc at ${root}/proc, which does not exist; create that directory`],
    ]);
  });

  test("MAINPID= across a pid namespace is a warning", () => {
    expect(check({ web: `${proc}namespaces = pid\nready-notification = notify\nstop-command = /bin/true\n` })).toEqual([
      [4, "warning", expect.stringContaining("ready-notification: with 'namespaces = pid', a MAINPID= the service sends is a pid inside its namespace")],
    ]);
  });

  test("kill-all-on-stop is refused unless bosun would be PID 1 of its pid namespace", () => {
    const web = "type = internal\noptions = kill-all-on-stop\n";
    expect(check({ web }, { pid1: false })).toEqual([[2, "error", expect.stringContaining("options: kill-all-on-stop sends TERM and then KILL to every process in bosun's pid namespace, so bosun honours it only as PID 1")]]);
    expect(check({ web }, { pid1: true })).toEqual([]);
    // check run by hand is not PID 1
    expect(check({ web })).toHaveLength(1);
  });
});
