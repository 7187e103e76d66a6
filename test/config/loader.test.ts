/**
 * @module test/config/loader
 * The loader over real directories: defaults, every dinit setting and bosun's own, templates,
 * includes, `.d` directories, env-files, relative paths, caching, and what `loadAll` reaches.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { createLoader } from "../../src/config/loader.ts";
import { InvalidService, ServiceNotFound } from "../../src/config/problems.ts";
import { cycles } from "../../src/config/reach.ts";
import { blankDescription, describe as description } from "../../src/config/schema.ts";
import { SETTINGS } from "../../src/config/settings.ts";
import { removeTempDirs, tempDir } from "../support/files.ts";
import { loaderFor, problemsOf } from "./support.ts";

afterAll(removeTempDirs);

describe("loader", () => {
  test("a minimal process service gets dinit's defaults and bosun's console logging", () => {
    const { dir, loader } = loaderFor({ web: "type = process\ncommand = /bin/sleep 1\n" });
    const d = loader.load("web");
    expect(d).toMatchObject({
      name: "web",
      file: join(dir, "web"),
      type: "process",
      command: ["/bin/sleep", "1"],
      workingDir: dir,
      restart: "yes",
      restartDelay: 0.2,
      restartLimitInterval: 10,
      restartLimitCount: 3,
      startTimeout: 60,
      stopTimeout: 10,
      termSignal: "TERM",
      logType: "console",
      logBufferSize: 4096,
      socketPermissions: 0o666,
      logfilePermissions: 0o600,
      env: {},
      lines: { type: 1, command: 2 },
    });
  });

  test("a file without 'type' is an internal service", () => {
    expect(loaderFor({ boot: "depends-on = x\n", x: "" }).loader.load("boot").type).toBe("internal");
  });

  test("all 52 dinit settings load with their typed values", () => {
    const { dir, loader } = loaderFor({
      all: `type = process
command = /bin/sleep 10
stop-command = /bin/kill -TERM 1
working-dir = work
run-as = root
env-file = all.env
pid-file = run/all.pid
depends-on = a
depends-ms = b
waits-for = c
prepared-by = p
depends-on.d = need.d
depends-ms.d = ms.d
waits-for.d = wants.d
after = a
before = z
chain-to = next
restart = on-failure
smooth-recovery = yes
restart-delay = 0.5
restart-limit-interval = 20
restart-limit-count = 5
start-timeout = 30
stop-timeout = 1,5
term-signal = HUP
termsignal = INT
ready-notification = pipevar:READY_FD
socket-listen = run/all.sock
socket-permissions = 0600
socket-uid = root
socket-gid = root
log-type = buffer
logfile = log/all.log
logfile-permissions = 0640
logfile-uid = root
logfile-gid = root
log-buffer-size = 8192
consumer-of = producer
options = signal-process-only always-chain
load-options = export-service-name sub-vars
inittab-id = 1
inittab-line = tty1
rlimit-nofile = 1024:4096
rlimit-core = -
rlimit-data = :1000
rlimit-addrspace = 512:
nice = 5
ioprio = best-effort:3
oom-score-adj = -500
run-in-cgroup = /bosun/all
capabilities = ^cap_net_bind_service
securebits = keep-caps-locked noroot
`,
      "all.env": "A=1\n",
      "wants.d/c2": "",
      "wants.d/.hidden": "",
    });
    const d = loader.load("all");
    expect(d).toMatchObject({
      stopCommand: ["/bin/kill", "-TERM", "1"],
      workingDir: join(dir, "work"),
      runAs: "root",
      envFile: join(dir, "all.env"),
      env: { A: "1", DINIT_SERVICE: "all" },
      pidFile: join(dir, "run/all.pid"),
      depends: [
        { kind: "need", name: "a", line: 8 },
        { kind: "milestone", name: "b", line: 9 },
        { kind: "waits-for", name: "c", line: 10 },
        { kind: "prepared-by", name: "p", line: 11 },
        { kind: "waits-for", name: "c2", line: 14 },
      ],
      after: ["a"],
      before: ["z"],
      chainTo: "next",
      restart: "on-failure",
      smoothRecovery: true,
      restartDelay: 0.5,
      restartLimitInterval: 20,
      restartLimitCount: 5,
      startTimeout: 30,
      stopTimeout: 1.5,
      termSignal: "INT",
      readiness: { kind: "pipevar", variable: "READY_FD" },
      socketListen: join(dir, "run/all.sock"),
      socketPermissions: 0o600,
      socketUid: "root",
      socketGid: "root",
      logType: "buffer",
      logfile: join(dir, "log/all.log"),
      logfilePermissions: 0o640,
      logBufferSize: 8192,
      consumerOf: "producer",
      options: ["signal-process-only", "always-chain"],
      loadOptions: ["export-service-name", "sub-vars"],
      rlimits: {
        nofile: { soft: 1024, hard: 4096 },
        core: { soft: "unlimited", hard: "unlimited" },
        data: { soft: null, hard: 1000 },
        addrspace: { soft: 512, hard: null },
      },
      nice: 5,
      ioprio: "best-effort:3",
      oomScoreAdj: -500,
      runInCgroup: "/bosun/all",
      capabilities: "^cap_net_bind_service",
      securebits: ["keep-caps-locked", "noroot"],
    });
    const warned = loader.warnings().map((w) => [w.line, w.message.split(":")[0]]);
    expect(warned).toEqual([
      [41, "inittab-id"],
      [42, "inittab-line"],
    ]);
  });

  test("bosun's own settings load typed", () => {
    const { loader } = loaderFor({
      api: `type = process
command = /bin/true
health-http = http://127.0.0.1:8080/healthz
health-interval = 5s
health-timeout = 500ms
health-retries = 2
health-start-period = 1m
memory-max = 512M
memory-high = 1G
cpu-max = 50%
cpu-weight = 200
pids-max = max
io-weight = 50
main = true
exit-code-map = 143:0 3:0
log-format = json
log-max-size = 10M
log-max-files = 3
log-file-after = db
schedule = */5 * * * *
namespaces = net uts user
run-as = nobody
no-new-privs = yes
restart-delay-max = 30
ready-notification = notify
`,
    });
    expect(loader.load("api")).toMatchObject({
      health: { command: null, http: "http://127.0.0.1:8080/healthz", tcp: null, interval: 5, timeout: 0.5, retries: 2, startPeriod: 60 },
      cgroup: { memoryMax: 512 * 1024 ** 2, memoryHigh: 1024 ** 3, cpuMax: "50000 100000", cpuWeight: 200, pidsMax: null, ioWeight: 50 },
      main: true,
      exitCodeMap: { "143": 0, "3": 0 },
      logFormat: "json",
      logMaxSize: 10 * 1024 ** 2,
      logMaxFiles: 3,
      logFileAfter: "db",
      schedule: "*/5 * * * *",
      namespaces: ["net", "uts", "user"],
      noNewPrivs: true,
      restartDelayMax: 30,
      readiness: { kind: "notify" },
    });
  });

  test("log-type follows bosun's rules: console by default, file with a logfile, none when asked", () => {
    const { loader } = loaderFor({
      a: "type = process\ncommand = /bin/true\n",
      b: "type = process\ncommand = /bin/true\nlogfile = b.log\n",
      c: "type = process\ncommand = /bin/true\nlog-type = none\n",
      d: "type = process\ncommand = /bin/true\noptions = shares-console\n",
      e: "type = process\ncommand = /bin/true\nlog-type = pipe\n",
    });
    expect(["a", "b", "c", "d", "e"].map((n) => loader.load(n).logType)).toEqual(["console", "file", "none", "console", "pipe"]);
  });

  test("a template instance reads the base file and substitutes $1, also in dependency names", () => {
    const { loader } = loaderFor({
      getty: "type = process\ncommand = /sbin/agetty $1 38400\ndepends-on = log@$1\n",
    });
    const d = loader.load("getty@tty1");
    expect(d.name).toBe("getty@tty1");
    expect(d.command).toEqual(["/sbin/agetty", "tty1", "38400"]);
    expect(d.depends).toEqual([{ kind: "need", name: "log@tty1", line: 3 }]);
  });

  test("the env-file and load-options variables reach commands and the description's env", () => {
    const { loader } = loaderFor(
      {
        web: `type = process
env-file = conf/web.env
load-options = export-passwd-vars export-service-name
run-as = root
command = /bin/echo \${PORT} $HOME $DINIT_SERVICE $GLOBAL "$/FLAGS"
`,
        "conf/web.env": "# port\nPORT=8080\nFLAGS=-a -b\nHOME=/override\n!import GLOBAL\n",
      },
      { GLOBAL: "from-bosun" },
    );
    const d = loader.load("web");
    expect(d.command).toEqual(["/bin/echo", "8080", "/override", "web", "from-bosun", "-a", "-b"]);
    expect(d.env).toMatchObject({ PORT: "8080", HOME: "/override", USER: "root", DINIT_SERVICE: "web", GLOBAL: "from-bosun" });
  });

  test("dependency names see bosun's environment but not the service's env-file (pre-load substitution)", () => {
    const { loader } = loaderFor({ a: "env-file = a.env\ndepends-on = ${DEP:-fallback}\n", "a.env": "DEP=fromfile\n" }, {});
    expect(loader.load("a").depends[0]!.name).toBe("fallback");
  });

  test("@include reads a fragment relative to the including file; @include-opt skips a missing one", () => {
    const { dir, loader } = loaderFor({
      web: "type = process\n@include common/base\n@include-opt common/missing\n",
      "common/base": "command = /bin/true\nenv-file = base.env\nwaits-for.d = deps.d\n",
      "common/base.env": "X=1\n",
      "common/deps.d/side": "",
    });
    const d = loader.load("web");
    expect(d.command).toEqual(["/bin/true"]);
    expect(d.env).toEqual({ X: "1" });
    expect(d.depends).toEqual([{ kind: "waits-for", name: "side", line: 3 }]);
    expect(d.sources).toEqual({ command: join(dir, "common/base"), "env-file": join(dir, "common/base"), "waits-for.d": join(dir, "common/base") });
  });

  test("a missing @include is an error at the include line", () => {
    const { dir, loader } = loaderFor({ web: "type = internal\n@include nope\n" });
    expect(problemsOf(() => loader.load("web"))).toEqual([
      expect.objectContaining({ file: join(dir, "web"), line: 2, service: "web", message: expect.stringContaining("does not exist") }),
    ]);
  });

  test("a fragment included twice reports each of its bad lines once", () => {
    const { dir, loader } = loaderFor({ web: "type = internal\n@include part\n@include part\n", part: "bogus line\n" });
    expect(problemsOf(() => loader.load("web"))).toEqual([
      expect.objectContaining({ file: join(dir, "part"), line: 1, service: "web", message: expect.stringContaining("badly formed line") }),
    ]);
  });

  test("the same edge written twice, or also linked in a .d directory, is one edge; other kinds stay", () => {
    const { loader } = loaderFor({
      boot: "waits-for = x\nwaits-for = x\ndepends-on = y\nwaits-for = y\nwaits-for.d = boot.d\n",
      "boot.d/x": "",
    });
    expect(loader.load("boot").depends).toEqual([
      { kind: "waits-for", name: "x", line: 1 },
      { kind: "need", name: "y", line: 3 },
      { kind: "waits-for", name: "y", line: 4 },
    ]);
  });

  test("a missing .d directory adds nothing", () => {
    expect(loaderFor({ boot: "waits-for.d = boot.d\n" }).loader.load("boot").depends).toEqual([]);
  });

  test("an unknown setting is an error at its line, with a suggestion", () => {
    const { dir, loader } = loaderFor({ web: "type = process\ncomand = /bin/true\ncommand = /bin/true\n" });
    expect(problemsOf(() => loader.load("web"))).toEqual([
      { file: join(dir, "web"), line: 2, service: "web", severity: "error", message: "unknown setting 'comand' (did you mean 'command'?)" },
    ]);
  });

  test("each bad value is reported at its own line, naming the setting", () => {
    const { loader } = loaderFor({
      web: "type = proces\ncommand = /bin/true\nrestart = maybe\nstop-timeout = soon\nterm-signal = SEGV\noom-score-adj = 5000\ntype += x\n",
    });
    const problems = problemsOf(() => loader.load("web"));
    expect(problems.map((p) => [p.line, p.message.split(":")[0]])).toEqual([
      [1, "type"],
      [3, "restart"],
      [4, "stop-timeout"],
      [5, "term-signal"],
      [6, "oom-score-adj"],
      [7, "'+=' cannot be used with 'type' (only command, stop-command, health-command, capabilities and securebits append); use '='"],
    ]);
    // A range the schema enforces is said in words, not as valibot's "Expected <=1000".
    expect(problems[4]!.message).toBe("oom-score-adj: must be -1000 to 1000");
  });

  test("the settings table holds dinit's 52 settings and bosun's own, no more", () => {
    const own = Object.keys(SETTINGS).filter((k) => SETTINGS[k]!.bosun);
    expect(Object.keys(SETTINGS).length - own.length).toBe(52);
    expect(own.sort()).toEqual([
      "chroot", "cpu-max", "cpu-weight", "exit-code-map", "health-command", "health-gates-start", "health-http", "health-interval",
      "health-retries", "health-start-interval", "health-start-period", "health-tcp", "health-timeout", "io-weight", "log-file-after", "log-format", "log-max-files",
      "log-max-size", "main", "memory-high", "memory-max", "namespaces", "no-new-privs", "pids-max", "restart-delay-max", "run-once-marker",
      "schedule", "schedule-jitter", "schedule-overlap", "schedule-timeout", "schedule-timezone",
    ]);
  });

  test("settings that contradict each other or the type are errors at the right line", () => {
    const { loader } = loaderFor({
      bg: "type = bgprocess\ncommand = /bin/true\nready-notification = pipefd:3\n",
      kill: "type = process\ncommand = /bin/true\noptions = kill-all-on-stop\n",
      consumer: "type = scripted\ncommand = /bin/true\nconsumer-of = x\n",
      health: "type = process\ncommand = /bin/true\nhealth-tcp = 80\nhealth-http = http://localhost/\n",
      tuning: "type = process\ncommand = /bin/true\n\nhealth-retries = 5\n",
    });
    const first = (name: string) => problemsOf(() => loader.load(name)).map((p) => [p.line, p.message]);
    expect(first("bg")).toEqual([
      [1, expect.stringContaining("needs a 'pid-file'")],
      [3, expect.stringContaining("ready-notification: not supported for bgprocess")],
    ]);
    expect(first("kill")).toEqual([[3, expect.stringContaining("kill-all-on-stop can only be set on scripted or internal")]]);
    expect(first("consumer")).toEqual([[3, expect.stringContaining("only a process or bgprocess service can consume")]]);
    expect(first("health")).toEqual([[4, expect.stringContaining("health-tcp and health-http: a service has one health check")]]);
    expect(first("tuning")).toEqual([[4, expect.stringContaining("there is no health check to tune")]]);
  });

  test("bosun's own values are checked: sizes, cpu-max, exit-code-map, schedule, namespaces", () => {
    const { loader } = loaderFor({
      web: "type = process\ncommand = /bin/true\nmemory-max = lots\ncpu-max = 0.5%\ncpu-max = 1 2 3\nexit-code-map = 143=0\nschedule = every day\nnamespaces = net cgroup\ncpu-weight = 0\n",
    });
    expect(problemsOf(() => loader.load("web")).map((p) => [p.line, p.message.split(":")[0]])).toEqual([
      [3, "memory-max"],
      [4, "cpu-max"],
      [5, "cpu-max"],
      [6, "exit-code-map"],
      [7, "schedule"],
      [8, "namespaces"],
      [9, "cpu-weight"],
    ]);
  });

  test("a process service without a command is an error pointing at its type", () => {
    const { loader } = loaderFor({ web: "# web\ntype = process\n" });
    expect(problemsOf(() => loader.load("web"))).toEqual([expect.objectContaining({ line: 2, message: expect.stringContaining("needs a 'command'") })]);
  });

  test("an out-of-range nice is clamped with a warning, as dinit clamps it", () => {
    const { loader } = loaderFor({ web: "type = process\ncommand = /bin/true\nnice = -50\n" });
    expect(loader.load("web").nice).toBe(-20);
    expect(loader.warnings()).toEqual([expect.objectContaining({ line: 3, severity: "warning" })]);
  });

  test("names with '/' or a leading dot are refused before any file is touched", () => {
    const { loader } = loaderFor({});
    for (const bad of ["../etc/passwd", ".hidden", "a/b", ""]) {
      expect(problemsOf(() => loader.load(bad))[0]!.message).toContain("not a valid service name");
    }
  });

  test("a missing service is ServiceNotFound naming the directories searched", () => {
    const { dir, loader } = loaderFor({});
    expect(() => loader.load("ghost")).toThrow(ServiceNotFound);
    expect(() => loader.load("ghost")).toThrow(dir);
  });

  test("the first directory holding a service wins", () => {
    const first = tempDir({ web: "type = internal\n" });
    const second = tempDir({ web: "type = triggered\n", db: "type = triggered\n" });
    const loader = createLoader({ dirs: [first, second], env: {} });
    expect([loader.load("web").type, loader.load("db").type]).toEqual(["internal", "triggered"]);
  });

  test("loads are cached until forgotten", () => {
    const { dir, loader } = loaderFor({ web: "type = internal\n" });
    expect(loader.load("web")).toBe(loader.load("web"));
    writeFileSync(join(dir, "web"), "type = triggered\n");
    expect(loader.load("web").type).toBe("internal");
    loader.forget("web");
    expect(loader.load("web").type).toBe("triggered");
  });
});

describe("loadAll", () => {
  test("follows dependencies, chain-to, consumer-of and ordering links", () => {
    const { loader } = loaderFor({
      boot: "depends-on = app\nwaits-for = side\nbefore = late\n",
      app: "type = process\ncommand = /bin/true\nchain-to = after-app\nafter = early\n",
      side: "type = process\ncommand = /bin/true\nconsumer-of = app-log\n",
      "app-log": "type = process\ncommand = /bin/true\nlog-type = pipe\n",
      "after-app": "type = internal\n",
      early: "type = internal\n",
      late: "type = internal\n",
    });
    expect(loader.loadAll(["boot"]).map((d) => d.name).sort()).toEqual(["after-app", "app", "app-log", "boot", "early", "late", "side"]);
  });

  test("a missing before/after target is fine; a missing dependency is an error where it is named", () => {
    const { dir, loader } = loaderFor({ boot: "after = nothing\nbefore = nobody\n\ndepends-on = ghost\n" });
    expect(problemsOf(() => loader.loadAll(["boot"]))).toEqual([
      expect.objectContaining({ file: join(dir, "boot"), line: 4, service: "boot", message: expect.stringContaining("depends-on: service 'ghost' not found") }),
    ]);
  });

  test("a file with a bad value is refused, and loadAll still follows what it names and reports every problem", () => {
    const { dir, loader } = loaderFor({ boot: "stop-timeout = ten\ndepends-on = ghost\nwaits-for = side\n", side: "type = process\ncommand = /bin/true\nrestart = sometimes\n" });
    expect(problemsOf(() => loader.loadAll(["boot"])).map((p) => [p.file, p.line, p.message])).toEqual([
      [join(dir, "boot"), 1, expect.stringContaining("stop-timeout: 'ten'")],
      [join(dir, "boot"), 2, expect.stringContaining("depends-on: service 'ghost' not found")],
      [join(dir, "side"), 3, expect.stringContaining("restart: 'sometimes'")],
    ]);
    expect(problemsOf(() => loader.load("boot"))).toHaveLength(1);
  });

  test("what could be read of a file with errors comes with its refusal, the failed settings at their defaults", () => {
    const { loader } = loaderFor({ web: "type = process\ncommand = /bin/true\nstop-timeout = ten\nnice = 99\noom-score-adj = 5000\ndepends-on = db\n" });
    try {
      loader.load("web");
      throw new Error("expected an InvalidService");
    } catch (e) {
      if (!(e instanceof InvalidService)) throw e;
      expect(e.problems.map((p) => p.line)).toEqual([3, 5]);
      expect(e.partial).toMatchObject({ name: "web", type: "process", command: ["/bin/true"], stopTimeout: 10, oomScoreAdj: null, depends: [{ kind: "need", name: "db" }] });
    }
  });

  test("a dependency cycle is an error naming the loop", () => {
    const { loader } = loaderFor({ a: "depends-on = b\n", b: "waits-for = c\n", c: "depends-ms = a\n" });
    const [p] = problemsOf(() => loader.loadAll(["a"]));
    expect(p!.message).toContain("dependency cycle: a -> b (depends-on) -> c (waits-for) -> a (depends-ms)");
  });

  test("a dependency chain 20000 deep is checked without overflowing the stack", () => {
    const base = description({ name: "s" });
    const link = (name: string, on: string | null) => ({ ...base, name, depends: on === null ? [] : [{ kind: "need" as const, name: on, line: 1 }] });
    const chain = new Map(Array.from({ length: 20000 }, (_, i) => [`s${i}`, link(`s${i}`, i > 0 ? `s${i - 1}` : null)]));
    expect(cycles(chain)).toEqual([]);
    chain.set("s0", link("s0", "s19999"));
    expect(cycles(chain)).toHaveLength(1);
  });

  test("a cycle through before/after is an error; an ordering that agrees with a dependency is not", () => {
    const agreeing = loaderFor({ a: "depends-on = b\n", b: "before = a\n" }).loader;
    expect(agreeing.loadAll(["a"]).map((d) => d.name)).toEqual(["a", "b"]);
    const looping = loaderFor({ a: "depends-on = b\n", b: "after = a\n" }).loader;
    expect(problemsOf(() => looping.loadAll(["a"]))[0]!.message).toContain("dependency cycle");
    const beforeLoop = loaderFor({ a: "depends-on = b\nbefore = b\n", b: "" }).loader;
    expect(problemsOf(() => beforeLoop.loadAll(["a"]))[0]!.message).toContain("dependency cycle");
  });
});

test("each service starts from its own copy of the defaults: nothing one file sets reaches another's description", () => {
  const a = blankDescription("a", null);
  const b = blankDescription("b", null);
  a.env.FOO = "1";
  a.depends.push({ kind: "need", name: "x", line: 1 });
  a.rlimits.nofile = { soft: 1, hard: 1 } as typeof a.rlimits.nofile;
  a.cgroup.memoryMax = 1 as typeof a.cgroup.memoryMax;
  expect(blankDescription("c", null)).toEqual({ ...b, name: "c" });
  expect(b.env).toEqual({});
  expect(b.depends).toEqual([]);
  expect(b.rlimits.nofile).toBeNull();
  expect(b.cgroup.memoryMax).toBeNull();
});
