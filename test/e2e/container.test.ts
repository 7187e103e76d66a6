/**
 * @module test/e2e/container
 * bosun as the PID 1 of real containers (podman, as root, offline): images built from
 * container/Containerfile, then what a container user sees: `podman exec NAME bosun list`,
 * `podman stop` ending the services in order with the main service's exit code, restarts,
 * orphans reaped, HEALTHCHECK, non-root users, the Bun-base image, and the Kubernetes manifest
 * under `podman kube play`. Without podman (or not as root) these tests say why and are skipped.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { waitFor } from "../support/wait.ts";
import { buildImages, cgroupSnapshot, kubeUnavailable, NAMED_USER, podman, removeNewCgroups, runId, unavailable, workDir, type Images, type Podman, type Result } from "./container-support.ts";

const reason = unavailable();
if (reason) console.warn(`container tests skipped: ${reason}`);
const kubeReason = reason ?? kubeUnavailable();
if (kubeReason && !reason) console.warn(`kube play test skipped: ${kubeReason}`);

const id = runId();
let work = "";
let p: Podman;
let images: Images;
const made: string[] = [];
const containers: string[] = [];
const kubeFiles: string[] = [];
let pauseImagesBefore = new Set<string>();
let cgroupsBefore = new Set<string>();

beforeAll(async () => {
  if (reason) return;
  work = workDir();
  // also when afterAll does not get that far (a podman call outlasting its timeout)
  process.on("exit", () => rmSync(work, { recursive: true, force: true }));
  cgroupsBefore = cgroupSnapshot();
  p = podman(work);
  pauseImagesBefore = await pauseImages();
  images = await buildImages(p, id, work, made);
}, 180_000);

afterAll(async () => {
  if (reason) return;
  for (const file of kubeFiles) await p.run(["kube", "down", file]);
  if (containers.length > 0) await p.run(["rm", "-f", "-t", "0", ...containers]);
  for (const image of [...made].reverse()) await p.run(["rmi", "-f", image]);
  // kube play builds its pause image on first use: remove it only if this run made it
  for (const image of await pauseImages()) if (!pauseImagesBefore.has(image)) await p.run(["rmi", image]);
  if (work) rmSync(work, { recursive: true, force: true });
  removeNewCgroups(cgroupsBefore);
}, 120_000);

async function pauseImages(): Promise<Set<string>> {
  const out = await p.run(["images", "--noheading", "--format", "{{.Repository}}:{{.Tag}}", "--filter", "reference=localhost/podman-pause"]);
  return new Set(out.stdout.split("\n").filter(Boolean));
}

/** The fields of `bosun list --json` these tests read. */
interface Service {
  name: string;
  state: string;
  pid: number | null;
  restarts: number;
  failure: { stage: string; message: string } | null;
}

interface Box {
  name: string;
  exec(args: string[], opts?: { user?: string }): Promise<Result>;
  /** `bosun list --json` inside, or null while bosun does not answer yet. */
  list(user?: string): Promise<Service[] | null>;
  /** Waits until each named service is started; returns the list then. */
  started(names: string[], user?: string): Promise<Service[]>;
  /** `podman stop -t SECS`, then the container's exit code. */
  stop(secs?: number): Promise<number>;
  /** Waits for the container to exit by itself; its exit code. */
  exited(): Promise<number>;
  /** bosun's own lines (stderr) and the services' output, as podman kept them. */
  logs(): Promise<Result>;
}

/** The bounded wait for a check that runs podman: asked every 100 ms (each podman exec costs about that), 20 s by default. */
const until = <T>(what: string, check: () => Promise<T>, ms = 20_000) => waitFor(what, check, ms, 100);

let serial = 0;

/** Per test: a few podman runs, each well under a second on an idle machine, many times that on a busy one. */
const SLOW = 60_000;

/**
 * `podman run -d IMAGE CMD...` with no network (nothing on the host changes), `services` (if
 * given) mounted as /etc/bosun/services, and health checks only on demand (no systemd timers).
 */
async function start(image: string, opts: { services?: Record<string, string>; cmd?: string[]; flags?: string[] } = {}): Promise<Box> {
  const name = `bosun-test-${id}-${++serial}`;
  const args = ["run", "-d", "--name", name, "--network", "none", "--health-interval", "disable", ...(opts.flags ?? [])];
  if (opts.services) {
    const dir = mkdtempSync(join(work, "services-"));
    chmodSync(dir, 0o755); // a non-root container user must read it
    for (const [file, text] of Object.entries(opts.services)) writeFileSync(join(dir, file), text, { mode: 0o644 });
    args.push("-v", `${dir}:/etc/bosun/services:ro`);
  }
  containers.push(name);
  await p.ok([...args, image, ...(opts.cmd ?? [])]);
  const exec = (cmd: string[], o: { user?: string } = {}) => p.run(["exec", ...(o.user ? ["--user", o.user] : []), name, ...cmd]);
  const list = async (user?: string) => {
    const r = await exec(["bosun", "list", "--json"], { user });
    return r.code === 0 ? (JSON.parse(r.stdout) as Service[]) : null;
  };
  const exitCode = async () => Number((await p.ok(["inspect", "--format", "{{.State.ExitCode}}", name])).trim());
  return {
    name,
    exec,
    list,
    started: (names, user) =>
      until(`${names.join(", ")} started in ${name}`, async () => {
        const services = await list(user);
        return services && names.every((n) => services.some((s) => s.name === n && s.state === "started")) ? services : null;
      }),
    async stop(secs = 10) {
      await p.ok(["stop", "-t", String(secs), name]);
      return exitCode();
    },
    async exited() {
      return Number((await p.ok(["wait", name])).trim());
    },
    logs: () => p.run(["logs", name]),
  };
}

/** A long-running service; `deps` are its depends-on lines. */
const sleeper = (...deps: string[]) => `type = process\ncommand = /bin/sleep 1000\nrestart = false\n${deps.map((d) => `depends-on = ${d}\n`).join("")}`;

/** db <- web <- worker, all pulled in by boot. */
const chain = { boot: "type = internal\ndepends-on = worker\n", worker: sleeper("web"), web: sleeper("db"), db: sleeper() };

/** Indexes of "NAME: stopped" in bosun's log lines, by name. */
function stopOrder(log: string, names: string[]): number[] {
  const lines = log.split("\n");
  return names.map((n) => lines.findIndex((l) => new RegExp(`\\| ${n}: stopped`).test(l)));
}

describe.skipIf(reason !== null)("bosun as a container's PID 1", () => {
  test("podman exec NAME bosun list --json shows the services started, and the main command beside them", async () => {
    const box = await start(images.app, { services: chain, cmd: ["sleep", "1000"] });
    const services = await box.started(["boot", "db", "web", "worker", "main"]);
    expect(services.find((s) => s.name === "web")!.pid).toBeGreaterThan(1);
  }, SLOW);

  test("with no CMD the image's ENTRYPOINT boots the services on disk", async () => {
    const box = await start(images.app, { services: chain });
    const services = await box.started(["boot", "db", "web", "worker"]);
    expect(services.map((s) => s.name)).not.toContain("main");
    expect(await box.stop()).toBe(0);
  }, SLOW);

  test("podman stop stops the services in reverse dependency order and the container exits with main's code", async () => {
    const box = await start(images.app, { services: chain, cmd: ["sh", "-c", 'trap "exit 5" TERM; while :; do sleep 1; done'] });
    await box.started(["boot", "db", "web", "worker", "main"]);
    expect(await box.stop()).toBe(5);
    const [worker, web, db] = stopOrder((await box.logs()).stderr, ["worker", "web", "db"]);
    expect(worker).toBeGreaterThanOrEqual(0);
    expect(web).toBeGreaterThan(worker!);
    expect(db).toBeGreaterThan(web!);
  }, SLOW);

  test("a main command exiting 3 makes the container exit 3", async () => {
    const box = await start(images.app, { services: {}, cmd: ["sh", "-c", "exit 3"] });
    expect(await box.exited()).toBe(3);
  }, SLOW);

  test("a main command that does not exist makes the container exit 127, one not executable 126", async () => {
    const missing = await start(images.app, { services: {}, cmd: ["nosuchprog"] });
    expect(await missing.exited()).toBe(127);
    const notExecutable = await start(images.app, { services: {}, cmd: ["/etc/passwd"] });
    expect(await notExecutable.exited()).toBe(126);
  }, SLOW);

  test("a service's process killed by podman exec kill -KILL is restarted", async () => {
    const box = await start(images.app, {
      services: { boot: "type = internal\nwaits-for = web\n", web: "type = process\ncommand = /bin/sleep 1000\nrestart = yes\nrestart-delay = 0.1\n" },
    });
    const before = (await box.started(["web"])).find((s) => s.name === "web")!;
    expect((await box.exec(["kill", "-KILL", String(before.pid)])).code).toBe(0);
    const after = await until("web restarted with a new pid", async () => {
      const web = (await box.list())?.find((s) => s.name === "web");
      return web && web.state === "started" && web.pid !== before.pid ? web : null;
    });
    expect(after.restarts).toBe(before.restarts + 1);
  }, SLOW);

  test("a main ignoring SIGTERM is killed at its stop-timeout, bosun's own deadline, before podman stop -t 10 would kill bosun", async () => {
    const box = await start(images.app, {
      services: {
        boot: "type = internal\ndepends-on = app\n",
        // 137 (SIGKILL) maps to 0: a container exit of 137 would mean podman killed bosun itself
        app: "type = process\nmain = true\nstop-timeout = 1\nexit-code-map = 137:0\ncommand = /bin/sh -c \"trap '' TERM; while :; do sleep 1; done\"\n",
      },
    });
    await box.started(["app"]);
    expect(await box.stop(10)).toBe(0);
    expect((await box.logs()).stderr).toMatch(/app: stopped/);
  }, SLOW);

  test("BOSUN_STOP_GRACE shorter than podman stop -t ends every service on bosun's deadline, not the runtime's SIGKILL", async () => {
    const stubborn = "type = process\nstop-timeout = 300\ncommand = /bin/sh -c \"trap '' TERM; while :; do sleep 1; done\"\n";
    const box = await start(images.app, {
      services: { boot: "type = internal\ndepends-on = app\ndepends-on = helper\n", app: `${stubborn}main = true\nexit-code-map = 137:0\n`, helper: stubborn },
      flags: ["--env", "BOSUN_STOP_GRACE=2"],
    });
    await box.started(["app", "helper"]);
    expect(await box.stop(10)).toBe(0); // 137 would be podman's SIGKILL of bosun itself
    const stderr = (await box.logs()).stderr;
    expect(stderr).toMatch(/app: stopped/);
    expect(stderr).toMatch(/helper: stopped/);
  }, SLOW);

  test("orphans left by podman exec sh -c 'sleep 1 &' are reparented to bosun and reaped: no zombie", async () => {
    const box = await start(images.app, { services: {}, cmd: ["sleep", "1000"] });
    await box.started(["main"]);
    const orphans: number[] = [];
    for (let i = 0; i < 3; i++) {
      const r = await box.exec(["sh", "-c", "sleep 1 & echo $!"]);
      expect(r.code).toBe(0);
      orphans.push(Number(r.stdout.trim()));
    }
    for (const pid of orphans) {
      const stat = await box.exec(["cat", `/proc/${pid}/stat`]);
      // still there (running or a zombie), its parent is bosun; or already reaped
      if (stat.code === 0) expect(stat.stdout.split(") ")[1]!.split(" ")[1]).toBe("1");
    }
    for (const pid of orphans) {
      await until(`orphan ${pid} reaped (not left a zombie)`, async () => (await box.exec(["test", "-e", `/proc/${pid}`])).code !== 0, 10_000);
    }
    const states = await box.exec(["sh", "-c", "cat /proc/[0-9]*/stat"]);
    expect(states.stdout.split("\n").filter((l) => l.split(") ")[1]?.startsWith("Z "))).toEqual([]);
  }, SLOW);

  test("HEALTHCHECK (bosun health): podman healthcheck run is healthy once the boot services are up", async () => {
    const box = await start(images.app, { services: chain });
    await box.started(["boot"]);
    expect((await p.run(["healthcheck", "run", box.name])).code).toBe(0);
    expect((await p.ok(["inspect", "--format", "{{.State.Health.Status}}", box.name])).trim()).toBe("healthy");
  }, SLOW);

  test("HEALTHCHECK: unhealthy while a boot service is not ready yet", async () => {
    const box = await start(images.app, {
      services: { boot: "type = internal\ndepends-on = web\n", web: "type = process\nready-notification = pipefd:3\ncommand = /bin/sleep 1000\n" },
    });
    await until("web starting", async () => (await box.list())?.find((s) => s.name === "web")?.state === "starting");
    const r = await p.run(["healthcheck", "run", box.name]);
    expect(r.code).toBe(1);
    expect(r.stdout.trim()).toBe("unhealthy");
  }, SLOW);
});

describe.skipIf(reason !== null)("non-root containers", () => {
  test("USER 1000 with no passwd entry and no HOME: bosun boots, and podman exec --user 1000 NAME bosun list works", async () => {
    // --passwd=false: podman would otherwise add a passwd entry for 1000, as Docker and Kubernetes do not
    const box = await start(images.uid1000, { services: chain, cmd: ["sleep", "1000"], flags: ["--passwd=false"] });
    await box.started(["boot", "db", "web", "worker", "main"], "1000");
    expect((await box.exec(["grep", "-q", ":1000:", "/etc/passwd"])).code).toBe(1);
    const check = await box.exec(["env", "-u", "HOME", "bosun", "check"], { user: "1000" });
    expect(check.stderr).toBe("");
    expect(check.code).toBe(0);
    expect(await box.stop()).toBe(143); // main is `sleep`: SIGTERM, 128+15
  }, SLOW);

  test("a service that asks to run as another user fails at run-as, saying bosun has no privilege to switch", async () => {
    const box = await start(images.uid1000, {
      services: { boot: "type = internal\n", other: "type = process\nrun-as = root\ncommand = /bin/sleep 1000\nrestart = false\n" },
      cmd: ["sleep", "1000"],
      flags: ["--passwd=false"],
    });
    await box.started(["main"]);
    expect((await box.exec(["bosun", "start", "other"])).code).toBe(1);
    const other = (await box.list())!.find((s) => s.name === "other")!;
    expect(other.failure?.stage).toBe("run-as");
    expect(other.failure?.message).toContain("bosun runs as uid 1000, not root, so it cannot run other as root");
  }, SLOW);

  test("a named user from /etc/passwd: podman exec --user NAME bosun list works", async () => {
    const box = await start(images.named, { services: chain, cmd: ["sleep", "1000"] });
    expect((await box.exec(["id", "-un"])).stdout.trim()).toBe(NAMED_USER);
    await box.started(["boot", "db", "web", "worker", "main"], NAMED_USER);
  }, SLOW);
});

describe.skipIf(reason !== null)("the Bun-base image", () => {
  test("the one-file JS bundle, run by the image's bun, boots the services and stops them in order", async () => {
    const box = await start(images.bun, { services: chain, cmd: ["sh", "-c", 'trap "exit 6" TERM; while :; do sleep 1; done'] });
    await box.started(["boot", "db", "web", "worker", "main"]);
    const cmdline = (await box.exec(["cat", "/proc/1/cmdline"])).stdout.split("\0");
    expect(cmdline.slice(0, 2)).toEqual(["bun", "/usr/local/bin/bosun"]);
    expect(await box.stop()).toBe(6);
    const [worker, web, db] = stopOrder((await box.logs()).stderr, ["worker", "web", "db"]);
    expect(worker).toBeGreaterThanOrEqual(0);
    expect(web).toBeGreaterThan(worker!);
    expect(db).toBeGreaterThan(web!);
  }, SLOW);
});

describe.skipIf(kubeReason !== null)("container/kubernetes.yaml", () => {
  test("podman kube play starts the pod, its probe endpoints answer on bosun's listener, and kube down removes it", async () => {
    // The manifest as written, under this run's names (podman's names are machine-wide).
    const manifest = Bun.YAML.parse(readFileSync(join(import.meta.dir, "..", "..", "container", "kubernetes.yaml"), "utf8")) as Deployment;
    const deployment = `bosun-test-${id}-kube`;
    manifest.metadata.name = deployment;
    const spec = manifest.spec.template.spec.containers[0]!;
    spec.image = images.app;
    const file = join(work, "kubernetes.yaml");
    writeFileSync(file, Bun.YAML.stringify(manifest));
    kubeFiles.push(file);
    await p.ok(["kube", "play", "--network", "none", file]);
    const pod = `${deployment}-pod-0`;
    const container = `${pod}-${spec.name}`;
    const listen = spec.env.find((e) => e.name === "BOSUN_HEALTH_LISTEN")!.value.replace("0.0.0.0", "127.0.0.1");
    const probes = [spec.livenessProbe, spec.readinessProbe, spec.startupProbe].map((probe) => probe.httpGet.path);
    expect(probes).toEqual(["/livez", "/readyz", "/startupz"]);
    expect(new Set([spec.livenessProbe, spec.readinessProbe, spec.startupProbe].map((probe) => String(probe.httpGet.port)))).toEqual(
      new Set([listen.split(":")[1]!]),
    );
    // busybox's wget exits non-zero on anything but a 2xx answer
    for (const path of probes) {
      await until(`${path} answering 200 in ${container}`, async () => (await p.run(["exec", container, "wget", "-qO-", `http://${listen}${path}`])).code === 0, 30_000);
    }
    await p.ok(["kube", "down", file]);
    kubeFiles.pop();
    expect((await p.run(["pod", "exists", pod])).code).toBe(1);
  }, SLOW);

  test("/readyz fails during BOSUN_DRAIN_DELAY after SIGTERM while the services still run", async () => {
    const box = await start(images.app, {
      services: chain,
      flags: ["--env", "BOSUN_HEALTH_LISTEN=127.0.0.1:8080", "--env", "BOSUN_DRAIN_DELAY=30"],
    });
    await box.started(["boot", "db", "web", "worker"]);
    const readyz = () => box.exec(["wget", "-qO-", "http://127.0.0.1:8080/readyz"]);
    expect((await readyz()).code).toBe(0);
    await p.ok(["kill", "--signal", "TERM", box.name]);
    await until("/readyz failing after SIGTERM", async () => (await readyz()).code !== 0);
    const services = await box.list();
    expect(services?.find((s) => s.name === "web")?.state).toBe("started");
  }, SLOW);
  test("the services/ example in the image: every service started, healthy, its scheduled report runs, and it stops with 0", async () => {
    const box = await start(images.app);
    await box.started(["boot", "migrate", "web", "web-log", "worker", "report"]);
    expect((await p.run(["healthcheck", "run", box.name])).code).toBe(0);
    const web = await box.exec(["bosun", "status", "--json", "web"]);
    expect(JSON.parse(web.stdout).health.state).toBe("healthy");
    // the scheduled task, run now rather than in 30 s
    expect((await box.exec(["bosun", "run", "report"])).code).toBe(0);
    expect((await box.exec(["bosun", "logs", "report"])).stdout).toMatch(/report: \d+ jobs done so far/);
    // web is main: SIGTERM's 143 is mapped to 0 by its exit-code-map
    expect(await box.stop()).toBe(0);
  }, SLOW);
  test("a service's memory-max is applied in a container given a writable cgroupfs; without one, best effort skips it", async () => {
    const limited = { boot: "type = internal\ndepends-on = web\n", web: `${sleeper()}memory-max = 64M\n` };
    const writable = await start(images.app, { services: limited, flags: ["--privileged"] });
    const web = (await writable.started(["web"])).find((s) => s.name === "web") as Service & { usage: { memoryMax: number | null } | null };
    expect(web.usage?.memoryMax).toBe(64 * 1024 * 1024);
    // An unprivileged container's cgroupfs is read-only: the image's BOSUN_CGROUPS=best-effort starts it anyway.
    const readOnly = await start(images.app, { services: limited });
    const unlimited = (await readOnly.started(["web"])).find((s) => s.name === "web") as Service & { usage: unknown };
    expect(unlimited.usage).toBeNull();
    expect((await readOnly.logs()).stderr).toContain("memory-max");
  }, SLOW);
});

/** The parts of container/kubernetes.yaml the test reads and renames. */
interface Deployment {
  metadata: { name: string };
  spec: {
    template: {
      spec: {
        containers: {
          name: string;
          image: string;
          env: { name: string; value: string }[];
          livenessProbe: Probe;
          readinessProbe: Probe;
          startupProbe: Probe;
        }[];
      };
    };
  };
}
interface Probe {
  httpGet: { path: string; port: number | string };
}
