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

/** Executables of the made-up machine (helpers included); anything else on a PATH is absent. */
const helpers = ["/usr/bin/prlimit", "/usr/bin/nice", "/usr/bin/ionice", "/usr/bin/choom", "/usr/bin/setpriv", "/usr/bin/unshare", "/usr/bin/nsenter", "/usr/sbin/ip"];
const programs = new Set(["/usr/bin/sleep", "/usr/bin/serve", "/opt/app/bin/serve", "/srv/web/run.sh", ...helpers]);
// two new roots: /srv/jail with a shell, a server and setpriv; /srv/bare with the server only
programs.add("/srv/jail/bin/sh").add("/srv/jail/usr/bin/serve").add("/srv/jail/usr/bin/setpriv").add("/srv/bare/usr/bin/serve");
const notExecutable = new Set(["/srv/web/plain"]);
const directories = new Set(["/", "/srv/web", "/etc/bosun/services", "/srv/jail", "/srv/jail/var/www", "/srv/bare"]);
const users: User[] = [{ name: "app", uid: 1000, gid: 1001, home: "/home/app", shell: "/bin/sh" }];

/** A path inside a new root as bosun's machine sees it. */
const inside = (root: string, path: string) => resolve(root, `.${path}`);

/** Lookups over the made-up machine, recording the PATH each program search used. */
function fakeLookups(missing: string[] = []) {
  const searched: string[] = [];
  const lookups: ExecLookups = {
    findProgram(program, cwd, searchPath, root) {
      searched.push(searchPath);
      const candidates = program.includes("/") ? [resolve(cwd, program)] : searchPath.split(":").map((dir) => `${dir}/${program}`);
      const at = (p: string) => (root ? inside(root, p) : p);
      const found = candidates.find((p) => programs.has(at(p)) && !missing.includes(at(p)));
      if (found) return found;
      const plain = candidates.find((p) => notExecutable.has(at(p)));
      if (plain) return { errno: "EACCES", subject: plain, message: "" };
      return { errno: "ENOENT", subject: program.includes("/") ? candidates[0]! : `${program} in PATH`, message: "" };
    },
    findUser: (nameOrUid) => users.find((u) => u.name === nameOrUid || String(u.uid) === nameOrUid) ?? null,
    directoryError(path, root) {
      const at = root ? inside(root, path) : path;
      return directories.has(at) ? undefined : { errno: programs.has(at) ? "ENOTDIR" : "ENOENT" };
    },
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
const refusal = (input: Partial<ServiceDescriptionInput>, request?: ExecRequest, missing?: string[]) =>
  prepareExec(svc(input), daemonEnv, fakeLookups(missing).lookups, request);
/** The argv of each helper stage, by stage name. */
const stagesOf = (input: Partial<ServiceDescriptionInput>) => plan(input).stages.map((s) => [s.stage, s.argv.join(" "), s.place ?? "host"]);

group("the plan", () => {
  test("a plain command execs the program found on PATH directly, under the name it was given", () => {
    expect(plan({})).toEqual({
      argv: ["/usr/bin/serve", "-p", "80"],
      argv0: "serve",
      cwd: "/srv/web",
      env: { PATH: "/usr/bin", FROM_DAEMON: "d" },
      fds: ["stdin", "stdout", "stderr"],
      stages: [],
      marked: 0,
      markerFd: null,
      pidNamespace: null,
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

  test("helpers come in their fixed order by absolute path, each followed by a marker step, the program last", () => {
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
      { stage: "rlimit", argv: ["/usr/bin/prlimit", "--nofile=100:200", "--as=unlimited:", "--"] },
      { stage: "nice", argv: ["/usr/bin/nice", "-n", "5"] },
      { stage: "ioprio", argv: ["/usr/bin/ionice", "-c", "2", "-n", "4", "--"] },
      { stage: "oom-score-adj", argv: ["/usr/bin/choom", "-n", "300", "--"] },
      { stage: "run-as", argv: ["/usr/bin/setpriv", "--reuid=1000", "--regid=1001", "--init-groups", "--no-new-privs", "--"] },
    ]);
    expect(p.marked).toBe(5);
    expect(p.markerFd).toBe(3);
    expect(p.fds).toEqual(["stdin", "stdout", "stderr", "pipe"]);
    expect(p.argv0).toBeUndefined();
    // the first step sends the helpers' stderr to the marker pipe, keeping the service's on fd 4
    expect(p.argv.slice(0, 4)).toEqual(["/bin/sh", "-c", 'exec 4>&2 2>&3; exec "$0" "$@"', "/usr/bin/prlimit"]);
    const marks = p.argv.filter((a) => a.startsWith("printf '\\001' >&3;"));
    expect(marks).toHaveLength(p.stages.length);
    expect(marks.at(-1)).toBe(`printf '\\001' >&3; exec 2>&4 4>&- 3>&-; exec "$0" "$@"`);
    expect(p.argv.slice(-2)).toEqual(["/usr/bin/sleep", "1"]);
  });

  test("no-new-privs without run-as is a setpriv of its own; a uid without a passwd entry gets the group of that number", () => {
    expect(plan({ noNewPrivs: true }).stages).toEqual([{ stage: "no-new-privs", argv: ["/usr/bin/setpriv", "--no-new-privs", "--"] }]);
    expect(plan({ runAs: "4242" }).stages).toEqual([{ stage: "run-as", argv: ["/usr/bin/setpriv", "--reuid=4242", "--regid=4242", "--clear-groups", "--"] }]);
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
    // the service's stderr waits on the next free fd, which the spawn leaves closed
    expect(both.argv[2]).toBe('exec 6>&2 2>&5; exec "$0" "$@"');
  });

  test("the last step before the program sets LISTEN_PID after the helpers", () => {
    const p = plan({ nice: 1 }, { listenFd: 17 });
    expect(p.argv.at(-4)).toBe(`printf '\\001' >&4; exec 2>&5 5>&- 4>&-; LISTEN_PID=$$; export LISTEN_PID; exec "$0" "$@"`);
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
    // after the chain's first step (which only moves stderr), before any helper
    const join = many.argv.indexOf("cgroup");
    expect(many.argv.slice(join - 3, join + 4)).toEqual(["/bin/sh", "-c", expect.stringContaining('echo $$ > "$1"'), "cgroup", ...files, "--"]);
    expect(many.argv.findIndex((a) => a.endsWith("/nice"))).toBeGreaterThan(join);
    expect(many.cgroup).toBe("/cg/freezer/b/web.service");
  });

  test("into a pid namespace, the join step joins every hierarchy of the run's cgroup and Bun's option is not used", () => {
    const files = ["/cg/memory/b/web.service/cgroup.procs"];
    const p = plan({ namespaces: ["pid"] }, { cgroup: { spawnCgroup: "/cg/freezer/b/web.service", joinFiles: files } });
    expect(p.cgroup).toBeNull();
    expect(p.pidNamespace).toBe("new");
    expect(p.stages[0]).toEqual({ stage: "cgroup", argv: expect.arrayContaining(["/cg/freezer/b/web.service/cgroup.procs", ...files]) });
  });

  test("injected helper stages replace the description's", () => {
    const stages = [{ stage: "setpriv", argv: ["false"] }];
    expect(plan({ nice: 3 }, { stages }).stages).toEqual(stages);
  });
});

group("isolation", () => {
  test("namespaces are one unshare after scheduling; net brings lo up with ip; pid spawns into a new pid namespace with a fresh /proc", () => {
    expect(stagesOf({ nice: 3, namespaces: ["uts", "net", "ipc", "mount"] })).toEqual([
      ["nice", "/usr/bin/nice -n 3", "host"],
      ["namespaces", "/usr/bin/unshare --net --mount --uts --ipc --", "host"],
      ["namespaces", '/bin/sh -c /usr/sbin/ip link set lo up && exec "$0" "$@"', "host"],
    ]);
    const pid = plan({ namespaces: ["pid"] });
    expect(pid.pidNamespace).toBe("new");
    expect(pid.stages).toEqual([{ stage: "namespaces", argv: ["/usr/bin/unshare", "--mount-proc", "--"] }]);
    expect(plan({}).pidNamespace).toBeNull();
  });

  test("a user namespace is made by the run-as user after setpriv, so its uid and gid map to themselves", () => {
    expect(stagesOf({ runAs: "app", namespaces: ["user", "net"] })).toEqual([
      ["namespaces", "/usr/bin/unshare --net --", "host"],
      ["namespaces", '/bin/sh -c /usr/sbin/ip link set lo up && exec "$0" "$@"', "host"],
      ["run-as", "/usr/bin/setpriv --reuid=1000 --regid=1001 --init-groups --", "host"],
      ["namespaces", "/usr/bin/unshare --user --map-current-user --", "host"],
    ]);
  });

  test("capabilities and securebits go on setpriv as dinit's IAB: exact inheritable and ambient sets, ! drops from the bounding set", () => {
    expect(stagesOf({ runAs: "app", noNewPrivs: true, capabilities: "^cap_net_bind_service,!CAP_NET_RAW,cap_chown", securebits: ["noroot", "noroot-locked"] })).toEqual([
      [
        "capabilities",
        "/usr/bin/setpriv --reuid=1000 --regid=1001 --init-groups --inh-caps=-all,+net_bind_service,+chown --ambient-caps=-all,+net_bind_service --bounding-set=-net_raw --securebits=+noroot,+noroot_locked --no-new-privs --",
        "host",
      ],
    ]);
    expect(stagesOf({ securebits: ["no-setuid-fixup"] })).toEqual([["securebits", "/usr/bin/setpriv --securebits=+no_setuid_fixup --", "host"]]);
  });

  test("chroot is unshare --root last, with no marker after it; the working dir and the program are looked up inside the new root", () => {
    const p = plan({ chroot: "/srv/jail", workingDir: "/var/www", command: ["serve", "-p", "80"] });
    expect(p.stages).toEqual([{ stage: "chroot", argv: ["/usr/bin/unshare", "--root=/srv/jail", "--wd=/var/www", "--"], place: "root" }]);
    expect(p.marked).toBe(0);
    expect(p.markerFd).toBeNull();
    expect(p.cwd).toBe("/srv/jail");
    expect(p.argv).toEqual(["/usr/bin/unshare", "--root=/srv/jail", "--wd=/var/www", "--", "/usr/bin/serve", "-p", "80"]);
    // without working-dir, the new root's /
    expect(plan({ chroot: "/srv/jail", workingDir: null }).stages[0]!.argv).toContain("--wd=/");
  });

  test("with chroot, helpers acting on the outside run before the change of root, whose run-as needs no tool inside it", () => {
    const p = plan({ chroot: "/srv/bare", workingDir: null, nice: 2, runAs: "app", noNewPrivs: true, namespaces: ["pid", "net"] });
    expect(p.stages.map((s) => [s.stage, s.argv.join(" "), s.place ?? "host"])).toEqual([
      ["nice", "/usr/bin/nice -n 2", "host"],
      ["namespaces", "/usr/bin/unshare --net --mount-proc=/srv/bare/proc --", "host"],
      ["namespaces", '/bin/sh -c /usr/sbin/ip link set lo up && exec "$0" "$@"', "host"],
      ["no-new-privs", "/usr/bin/setpriv --no-new-privs --", "host"],
      ["chroot", "/usr/bin/unshare --root=/srv/bare --wd=/ --setgid=1001 --setuid=1000 --", "root"],
    ]);
    expect(p.marked).toBe(4);
    // the last marker step (the last host shell) comes right before the change of root
    const last = p.argv.lastIndexOf("/bin/sh");
    expect(p.argv[last + 2]).toStartWith("printf '\\001' >&3; exec 2>&4");
    expect(p.argv[last + 3]).toBe("/usr/bin/unshare");
  });

  test("with chroot, capabilities need setpriv inside the new root, after the change of root", () => {
    const p = plan({ chroot: "/srv/jail", workingDir: null, runAs: "app", capabilities: "^cap_net_bind_service" });
    expect(p.stages).toEqual([
      { stage: "chroot", argv: ["/usr/bin/unshare", "--root=/srv/jail", "--wd=/", "--"], place: "root" },
      {
        stage: "capabilities",
        argv: ["/usr/bin/setpriv", "--reuid=1000", "--regid=1001", "--clear-groups", "--inh-caps=-all,+net_bind_service", "--ambient-caps=-all,+net_bind_service", "--"],
        place: "root",
      },
    ]);
    expect(refusal({ chroot: "/srv/bare", workingDir: null, capabilities: "^cap_net_bind_service" })).toEqual({
      stage: "capabilities",
      errno: "ENOENT",
      message:
        "capabilities: ENOENT (no such file: setpriv inside /srv/bare; install the Debian package util-linux there (with chroot, setpriv sets capabilities and securebits after the change of root, so it must be there))",
    });
  });

  test("in a user namespace the change of root comes with it, after setpriv", () => {
    expect(stagesOf({ chroot: "/srv/jail", workingDir: null, runAs: "app", namespaces: ["user"] })).toEqual([
      ["run-as", "/usr/bin/setpriv --reuid=1000 --regid=1001 --init-groups --", "host"],
      ["chroot", "/usr/bin/unshare --user --map-current-user --root=/srv/jail --wd=/ --", "root"],
    ]);
  });

  test("a command beside a running service joins its namespaces with nsenter instead of making new ones", () => {
    const enter = (input: Partial<ServiceDescriptionInput>) => plan(input, { command: ["serve"], enter: 4242 });
    const net = enter({ namespaces: ["net", "pid", "uts"] });
    expect(net.pidNamespace).toBe(4242);
    // lo is up already; the pid namespace's /proc is in the mount namespace made for it
    expect(net.stages).toEqual([{ stage: "namespaces", argv: ["/usr/bin/nsenter", "--target=4242", "--net", "--uts", "--mount", "--"] }]);
    expect(enter({ runAs: "app", namespaces: ["user"] }).stages.map((s) => s.argv.join(" "))).toEqual([
      "/usr/bin/setpriv --reuid=1000 --regid=1001 --init-groups --",
      "/usr/bin/nsenter --target=4242 --user --preserve-credentials --",
    ]);
    // nsenter opens the working dir before it changes root: the path outside
    expect(enter({ runAs: "app", namespaces: ["user"], chroot: "/srv/jail", workingDir: "/var/www" }).stages.at(-1)).toEqual({
      stage: "chroot",
      argv: ["/usr/bin/nsenter", "--target=4242", "--user", "--preserve-credentials", "--root=/srv/jail", "--wd=/srv/jail/var/www", "--"],
      place: "root",
    });
    expect(enter({}).stages).toEqual([]);
    expect(enter({}).pidNamespace).toBeNull();
  });

  test("a missing new root fails at stage chroot, a working dir missing inside it at stage chdir", () => {
    expect(refusal({ chroot: "/srv/nope", workingDir: null })).toEqual({ stage: "chroot", errno: "ENOENT", message: "chroot: ENOENT (no such file: /srv/nope)" });
    expect(refusal({ chroot: "/srv/jail", workingDir: "/nope" })).toEqual({ stage: "chdir", errno: "ENOENT", message: "chdir: ENOENT (no such file: /nope inside /srv/jail)" });
    expect(refusal({ chroot: "/srv/bare", workingDir: null, command: ["sh"] })).toMatchObject({ stage: "exec", errno: "ENOENT" });
  });

  test("a helper that is not installed fails the launch at its stage, naming the Debian package", () => {
    expect(refusal({ namespaces: ["uts"] }, {}, ["/usr/bin/unshare"])).toEqual({
      stage: "namespaces",
      errno: "ENOENT",
      message: "namespaces: ENOENT (no such file: unshare; install the Debian package util-linux)",
    });
    expect(refusal({ namespaces: ["net"] }, {}, ["/usr/sbin/ip"])).toMatchObject({ stage: "namespaces", message: expect.stringContaining("ip; install the Debian package iproute2") });
    expect(refusal({ nice: 1 }, {}, ["/usr/bin/nice"])).toMatchObject({ stage: "nice", message: expect.stringContaining("coreutils") });
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
  test("a chain that ended before the program ran names the first stage without a marker, with the helpers' message", () => {
    const p = plan({ nice: 2, runAs: "app" });
    expect(helperFailure(p, { passed: 1, message: "setpriv: setresuid failed: Operation not permitted" }, { code: 127, signal: null })).toEqual({
      stage: "run-as",
      errno: null,
      message: "run-as: setpriv: setresuid failed: Operation not permitted (before the program ran: exited with 127)",
    });
    expect(helperFailure(p, { passed: 0, message: "" }, { code: 1, signal: null })?.message).toBe("nice: nice failed (before the program ran: exited with 1)");
    expect(helperFailure(p, { passed: 2, message: "" }, { code: 127, signal: null })).toBeNull();
    expect(helperFailure(plan({}), { passed: 0, message: "" }, { code: 127, signal: null })).toBeNull();
  });

  test("the system lookups tell a directory from a file and from nothing", () => {
    expect(systemLookups.directoryError(dirname(import.meta.path))).toBeUndefined();
    expect(systemLookups.directoryError(import.meta.path)).toEqual({ errno: "ENOTDIR" });
    expect(systemLookups.directoryError(`${import.meta.path}.nope`)).toEqual({ errno: "ENOENT" });
  });
});
