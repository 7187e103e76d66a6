/**
 * @module test/process/exec
 * prepareExec against a made-up file system: what a launch would run (argv with the helper
 * chain, argv0, working dir, environment, fd layout) and the stage a refused launch names,
 * with nothing spawned and no real file read.
 */
import { describe as group, expect, test } from "bun:test";
import { dirname, resolve } from "node:path";
import { DEFAULT_PATH } from "../../src/config/program.ts";
import { describe, type ServiceDescriptionInput } from "../../src/config/schema.ts";
import type { User } from "../../src/config/users.ts";
import { helperFailure, prepareExec, systemLookups, type ExecLookups, type ExecPlan, type ExecRequest } from "../../src/process/exec.ts";

/** Executables of the made-up machine; anything else on a PATH is absent. */
const programs = new Set(["/usr/bin/sleep", "/usr/bin/serve", "/opt/app/bin/serve", "/srv/web/run.sh"]);
const notExecutable = new Set(["/srv/web/plain"]);
const directories = new Set(["/", "/srv/web", "/etc/bosun/services"]);
const users: User[] = [{ name: "app", uid: 1000, gid: 1001, home: "/home/app", shell: "/bin/sh" }];

/** Lookups over the made-up machine, recording the PATH each program search used. */
function fakeLookups() {
  const searched: string[] = [];
  const lookups: ExecLookups = {
    findProgram(program, cwd, searchPath) {
      searched.push(searchPath);
      const candidates = program.includes("/") ? [resolve(cwd, program)] : searchPath.split(":").map((dir) => `${dir}/${program}`);
      const found = candidates.find((p) => programs.has(p));
      if (found) return found;
      const plain = candidates.find((p) => notExecutable.has(p));
      if (plain) return { errno: "EACCES", subject: plain, message: "" };
      return { errno: "ENOENT", subject: program.includes("/") ? candidates[0]! : `${program} in PATH`, message: "" };
    },
    findUser: (nameOrUid) => users.find((u) => u.name === nameOrUid || String(u.uid) === nameOrUid) ?? null,
    directoryError: (path) => (directories.has(path) ? undefined : { errno: programs.has(path) ? "ENOTDIR" : "ENOENT" }),
    uid: 0,
  };
  return { lookups, searched };
}

const daemonEnv = new Map([["PATH", "/usr/bin"], ["FROM_DAEMON", "d"]]);
const svc = (input: Partial<ServiceDescriptionInput>) => describe({ name: "web", type: "process", command: ["serve", "-p", "80"], workingDir: "/srv/web", ...input });

function plan(input: Partial<ServiceDescriptionInput>, request?: ExecRequest, env = daemonEnv): ExecPlan {
  const result = prepareExec(svc(input), env, fakeLookups().lookups, request);
  if (!("argv" in result)) throw new Error(`expected a plan, got ${result.message}`);
  return result;
}
const refusal = (input: Partial<ServiceDescriptionInput>, request?: ExecRequest) => prepareExec(svc(input), daemonEnv, fakeLookups().lookups, request);

group("the plan", () => {
  test("a plain command execs the program found on PATH directly, under the name it was given", () => {
    expect(plan({})).toEqual({
      argv: ["/usr/bin/serve", "-p", "80"],
      argv0: "serve",
      cwd: "/srv/web",
      env: { PATH: "/usr/bin", FROM_DAEMON: "d" },
      fds: ["stdin", "stdout", "stderr"],
      stages: [],
      markerFd: null,
      cgroup: null,
    });
  });

  test("the program is looked up in the PATH of the child's environment, else in the default PATH", () => {
    const { lookups, searched } = fakeLookups();
    const own = prepareExec(svc({ env: { PATH: "/opt/app/bin:/usr/bin" } }), daemonEnv, lookups) as ExecPlan;
    expect(own.argv[0]).toBe("/opt/app/bin/serve");
    prepareExec(svc({}), new Map(), lookups);
    expect(searched).toEqual(["/opt/app/bin:/usr/bin", DEFAULT_PATH]);
  });

  test("the environment is the daemon's, then the service's own, then the request's", () => {
    const env = plan({ env: { FROM_DAEMON: "service", OWN: "o" } }, { env: { OWN: "request", READY_FD: "3" } }).env;
    expect(env).toEqual({ PATH: "/usr/bin", FROM_DAEMON: "service", OWN: "request", READY_FD: "3" });
  });

  test("the working directory is working-dir, else the service file's directory, else bosun's own for an ad-hoc service", () => {
    expect(plan({ workingDir: null, file: "/etc/bosun/services/web" }).cwd).toBe("/etc/bosun/services");
    const anyDir: ExecLookups = { ...fakeLookups().lookups, directoryError: () => undefined };
    expect((prepareExec(svc({ workingDir: null, file: null }), daemonEnv, anyDir) as ExecPlan).cwd).toBe(process.cwd());
    expect(plan({ command: ["./run.sh"] }).argv).toEqual(["/srv/web/run.sh"]);
  });

  test("helpers come in their fixed order, each followed by a marker step, the program last", () => {
    const p = plan({
      command: ["sleep", "1"],
      runAs: "app",
      noNewPrivs: true,
      oomScoreAdj: 300,
      ioprio: "best-effort:4",
      nice: 5,
      rlimits: { nofile: { soft: 100, hard: 200 }, core: null, data: null, addrspace: { soft: "unlimited", hard: null } },
    });
    expect(p.stages).toEqual([
      { stage: "rlimit", argv: ["prlimit", "--nofile=100:200", "--as=unlimited:", "--"] },
      { stage: "nice", argv: ["nice", "-n", "5"] },
      { stage: "ioprio", argv: ["ionice", "-c", "2", "-n", "4", "--"] },
      { stage: "oom-score-adj", argv: ["choom", "-n", "300", "--"] },
      { stage: "run-as", argv: ["setpriv", "--reuid=1000", "--regid=1001", "--init-groups", "--no-new-privs", "--"] },
    ]);
    expect(p.markerFd).toBe(3);
    expect(p.fds).toEqual(["stdin", "stdout", "stderr", "pipe"]);
    expect(p.argv0).toBeUndefined();
    const marks = p.argv.filter((a) => a.startsWith("printf x >&3;"));
    expect(marks).toHaveLength(p.stages.length);
    expect(marks.at(-1)).toBe('printf x >&3; exec 3>&-; exec "$0" "$@"');
    expect(p.argv.slice(0, 4)).toEqual(["prlimit", "--nofile=100:200", "--as=unlimited:", "--"]);
    expect(p.argv.slice(-2)).toEqual(["/usr/bin/sleep", "1"]);
  });

  test("no-new-privs without run-as is a setpriv of its own; a uid without a passwd entry gets the group of that number", () => {
    expect(plan({ noNewPrivs: true }).stages).toEqual([{ stage: "no-new-privs", argv: ["setpriv", "--no-new-privs", "--"] }]);
    expect(plan({ runAs: "4242" }).stages).toEqual([{ stage: "run-as", argv: ["setpriv", "--reuid=4242", "--regid=4242", "--clear-groups", "--"] }]);
  });

  test("socket-listen's socket is fd 3 with LISTEN_FDS, and the last step before the program sets LISTEN_PID", () => {
    const p = plan({}, { listenFd: 17 });
    expect(p.fds).toEqual(["stdin", "stdout", "stderr", 17]);
    expect(p.env.LISTEN_FDS).toBe("1");
    expect(p.argv).toEqual(["/bin/sh", "-c", 'LISTEN_PID=$$; export LISTEN_PID; exec "$0" "$@"', "/usr/bin/serve", "-p", "80"]);
  });

  test("readiness pipes keep their fds, the marker takes the first free one, and gaps are /dev/null", () => {
    expect(plan({ nice: 1 }, { pipes: [5] }).fds).toEqual(["stdin", "stdout", "stderr", "pipe", "ignore", "pipe"]);
    const both = plan({ nice: 1 }, { listenFd: 9, pipes: [4] });
    expect(both.markerFd).toBe(5);
    expect(both.fds).toEqual(["stdin", "stdout", "stderr", 9, "pipe", "pipe"]);
  });

  test("a stop-command runs with /dev/null as stdin and the service's identity, limits and environment", () => {
    const p = plan({ runAs: "app", env: { OWN: "o" } }, { command: ["serve", "--stop"], stdin: "ignore" });
    expect(p.fds).toEqual(["ignore", "stdout", "stderr", "pipe"]);
    expect(p.stages.map((s) => s.stage)).toEqual(["run-as"]);
    expect(p.env.OWN).toBe("o");
    expect(p.argv.slice(-2)).toEqual(["/usr/bin/serve", "--stop"]);
  });

  test("a run's cgroup is part of the plan: Bun's spawn option, and for more v1 hierarchies a join step before every other helper", () => {
    const one = plan({}, { cgroup: { spawnCgroup: "/cg/freezer/b/web.service", joinFiles: [] } });
    expect(one.cgroup).toBe("/cg/freezer/b/web.service");
    expect(one.stages).toEqual([]);
    const files = ["/cg/memory/b/web.service/cgroup.procs", "/cg/cpu/b/web.service/cgroup.procs"];
    const many = plan({ nice: 2, runAs: "app" }, { cgroup: { spawnCgroup: "/cg/freezer/b/web.service", joinFiles: files }, command: ["serve", "--stop"] });
    expect(many.stages.map((s) => s.stage)).toEqual(["cgroup", "nice", "run-as"]);
    expect(many.argv.slice(0, 7)).toEqual(["/bin/sh", "-c", expect.stringContaining('echo $$ > "$1"'), "cgroup", ...files, "--"]);
    expect(many.cgroup).toBe("/cg/freezer/b/web.service");
  });

  test("injected helper stages replace the description's", () => {
    const stages = [{ stage: "setpriv", argv: ["false"] }];
    expect(plan({ nice: 3 }, { stages }).stages).toEqual(stages);
  });
});

group("refusals name their stage", () => {
  test("a program not on PATH, a missing path and a file that is not executable fail at stage exec", () => {
    expect(refusal({ command: ["nosuchprog"] })).toEqual({ stage: "exec", errno: "ENOENT", message: "exec: ENOENT (no such file: nosuchprog in PATH)" });
    expect(refusal({ command: ["/usr/bin/nginxx", "-g"] })).toEqual({ stage: "exec", errno: "ENOENT", message: "exec: ENOENT (no such file: /usr/bin/nginxx)" });
    expect(refusal({ command: ["./plain"] })).toEqual({ stage: "exec", errno: "EACCES", message: "exec: EACCES (permission denied: /srv/web/plain)" });
  });

  test("no command, or an empty one, fails at stage exec", () => {
    expect(refusal({ command: null })).toEqual({ stage: "exec", errno: null, message: "exec: no command (type process needs one)" });
    expect(refusal({}, { command: [] })).toEqual({ stage: "exec", errno: null, message: "exec: empty command" });
  });

  test("a missing working dir, or one that is a file, fails at stage chdir", () => {
    expect(refusal({ workingDir: "/nope" })).toEqual({ stage: "chdir", errno: "ENOENT", message: "chdir: ENOENT (no such file: /nope)" });
    expect(refusal({ workingDir: "/usr/bin/sleep" })).toMatchObject({ stage: "chdir", errno: "ENOTDIR" });
  });

  test("a non-root bosun refuses run-as another user, saying it has no privilege to switch; its own uid is fine", () => {
    const asUser: ExecLookups = { ...fakeLookups().lookups, uid: 1000 };
    expect(prepareExec(svc({ runAs: "4242" }), daemonEnv, asUser)).toEqual({
      stage: "run-as",
      errno: "EPERM",
      message: "run-as: EPERM (operation not permitted: bosun runs as uid 1000, not root, so it cannot run web as 4242; run bosun as root or remove run-as)",
    });
    expect("argv" in prepareExec(svc({ runAs: "app" }), daemonEnv, asUser)).toBe(true);
  });

  test("a run-as name without a passwd entry is refused before the working dir and the program are looked at", () => {
    expect(refusal({ runAs: "nosuchuser", workingDir: "/nope", command: ["nosuchprog"] })).toEqual({
      stage: "run-as",
      errno: null,
      message: "run-as: no user nosuchuser in /etc/passwd",
    });
  });
});

group("after the spawn", () => {
  test("a chain that ended before the program ran names the first stage without a marker", () => {
    const p = plan({ nice: 2, runAs: "app" });
    expect(helperFailure(p, 1, { code: 127, signal: null })).toEqual({
      stage: "run-as",
      errno: null,
      message: "run-as: setpriv failed before the program ran (exited with 127); its message is in the service's log",
    });
    expect(helperFailure(p, 2, { code: 127, signal: null })).toBeNull();
    expect(helperFailure(plan({}), 0, { code: 127, signal: null })).toBeNull();
  });

  test("the system lookups tell a directory from a file and from nothing", () => {
    expect(systemLookups.directoryError(dirname(import.meta.path))).toBeUndefined();
    expect(systemLookups.directoryError(import.meta.path)).toEqual({ errno: "ENOTDIR" });
    expect(systemLookups.directoryError(`${import.meta.path}.nope`)).toEqual({ errno: "ENOENT" });
  });
});
