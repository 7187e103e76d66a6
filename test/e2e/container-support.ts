/**
 * @module test/e2e/container-support
 * Real containers for the tests, without a registry: Debian's podman as root with the settings
 * these machines need (in a file named by CONTAINERS_CONF, never /etc), base images imported
 * from a folder (busybox-static, the glibc files the binaries link, util-linux's helpers), and
 * bosun's images built from container/Containerfile's prebuilt targets with those bases as
 * build arguments. Everything a run creates carries its unique id and is removed by `cleanup`.
 */
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmdirSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";

const ROOT = join(import.meta.dir, "..", "..");
const CONTAINERFILE = join(ROOT, "container", "Containerfile");
const BINARY = join(ROOT, "dist", "bosun");
const BUNDLE = join(ROOT, "dist", "bosun.js");
/** The util-linux helpers bosun puts in front of a service's command. */
const HELPERS = ["/usr/bin/prlimit", "/usr/bin/setpriv", "/usr/bin/unshare", "/usr/bin/choom", "/usr/bin/ionice"];

/** Why the container tests cannot run here, or null when they can. */
export function unavailable(): string | null {
  const install = "(.ci/run installs podman, runc, busybox-static, uidmap and catatonit from Debian)";
  if (process.platform !== "linux" || process.getuid?.() !== 0) return "they run podman as root";
  if (!Bun.which("podman")) return `podman is not installed ${install}`;
  if (!Bun.which("runc")) return `runc is not installed ${install}`;
  if (!staticBusybox()) return `no statically linked busybox ${install}`;
  for (const h of HELPERS) if (!existsSync(h)) return `${h} is missing (util-linux)`;
  return null;
}

/** Why `podman kube play` cannot run here (beyond `unavailable`), or null. */
export function kubeUnavailable(): string | null {
  const found = Bun.which("catatonit") || existsSync("/usr/libexec/podman/catatonit");
  return found ? null : "catatonit is not installed: podman kube play builds its pause image from it";
}

function staticBusybox(): string | null {
  for (const path of ["/bin/busybox", "/usr/bin/busybox"]) {
    if (!existsSync(path)) continue;
    const ldd = Bun.spawnSync(["ldd", path], { stderr: "pipe" });
    if (ldd.exitCode !== 0) return path; // "not a dynamic executable"
  }
  return null;
}

export interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

/** podman with this run's settings. */
export interface Podman {
  /** Runs podman; never throws on a non-zero exit. */
  run(args: string[], stdin?: string): Promise<Result>;
  /** Runs podman and returns its stdout, or throws with its stderr. */
  ok(args: string[]): Promise<string>;
}

/**
 * A podman whose settings live in a file of their own: runc (crun refuses the machine's hybrid
 * cgroup layout), the cgroupfs manager and the file events logger (no systemd to ask), and
 * rlimits within the hard limits (podman's defaults are above them, and runc then fails).
 */
export function podman(dir: string): Podman {
  const conf = join(dir, "containers.conf");
  const hardNofile = Bun.spawnSync(["sh", "-c", "ulimit -Hn"]).stdout.toString().trim();
  const nofile = /^\d+$/.test(hardNofile) ? hardNofile : "1024";
  writeFileSync(
    conf,
    [
      "[containers]",
      `default_ulimits = ["nofile=${nofile}:${nofile}", "nproc=32768:32768"]`,
      "[engine]",
      'runtime = "runc"',
      'cgroup_manager = "cgroupfs"',
      'events_logger = "file"',
      "",
    ].join("\n"),
  );
  const env = { ...process.env, CONTAINERS_CONF: conf };
  const run = async (args: string[], stdin?: string): Promise<Result> => {
    const proc = Bun.spawn(["podman", ...args], { env, stdin: stdin === undefined ? "ignore" : new Blob([stdin]), stdout: "pipe", stderr: "pipe" });
    const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
    return { code, stdout, stderr: withoutSystemdNoise(stderr) };
  };
  return {
    run,
    async ok(args) {
      const r = await run(args);
      if (r.code !== 0) throw new Error(`podman ${args.join(" ")} exited ${r.code}: ${r.stderr.trim()}`);
      return r.stdout;
    },
  };
}

/** podman logs an error for each health-check timer it cannot hand to systemd (none runs here). */
function withoutSystemdNoise(text: string): string {
  return text
    .split("\n")
    .filter((l) => !l.includes("unable to get systemd connection"))
    .join("\n");
}

/** The newest modification time under `path` (a file or a folder). */
function newest(path: string): number {
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  return Math.max(st.mtimeMs, ...readdirSync(path).map((e) => newest(join(path, e))));
}

/** Makes dist/bosun and dist/bosun.js with the package's scripts when missing or older than the sources. */
export function ensureBuilt(): void {
  const sources = Math.max(newest(join(ROOT, "src")), newest(join(ROOT, "package.json")), newest(join(ROOT, "package-lock.json")));
  for (const [file, script] of [[BINARY, "build"], [BUNDLE, "bundle"]] as const) {
    if (existsSync(file) && statSync(file).mtimeMs >= sources) continue;
    const r = Bun.spawnSync([process.execPath, "run", script], { cwd: ROOT, stdout: "pipe", stderr: "pipe" });
    if (r.exitCode !== 0) throw new Error(`npm run ${script} failed: ${r.stderr.toString()}`);
  }
}

/** The shared libraries `ldd` names for these programs. */
function libraries(programs: string[]): string[] {
  const out = Bun.spawnSync(["ldd", ...programs], { stdout: "pipe" }).stdout.toString();
  return [...new Set(out.match(/\/\S+\.so[.\d]*/g) ?? [])].filter((p) => !programs.includes(p));
}

/**
 * A root folder a glibc program runs in: busybox-static as /bin/busybox with a link per applet,
 * util-linux's helpers, the libraries the given programs and the helpers link, a passwd and
 * group file with root alone, and /tmp (1777), /run, /root.
 */
function makeRootfs(dir: string, programs: string[]): void {
  for (const d of ["bin", "sbin", "usr/bin", "usr/sbin", "usr/local/bin", "etc", "tmp", "run", "root", "proc", "sys", "dev"]) {
    mkdirSync(join(dir, d), { recursive: true });
  }
  chmodSync(join(dir, "tmp"), 0o1777);
  const busybox = staticBusybox()!;
  copyFileSync(busybox, join(dir, "bin/busybox"));
  chmodSync(join(dir, "bin/busybox"), 0o755);
  const applets = Bun.spawnSync([busybox, "--list-full"], { stdout: "pipe" }).stdout.toString().split("\n").filter(Boolean);
  for (const applet of applets) {
    if (applet !== "bin/busybox" && !existsSync(join(dir, applet))) symlinkSync("/bin/busybox", join(dir, applet));
  }
  for (const helper of HELPERS) {
    rmSync(join(dir, helper), { force: true }); // busybox's own applet of that name, if any
    copyFileSync(helper, join(dir, helper));
  }
  for (const lib of libraries([...programs, ...HELPERS])) {
    mkdirSync(join(dir, dirname(lib)), { recursive: true });
    copyFileSync(lib, join(dir, lib)); // follows the link: the image has the file under the name ldd used
  }
  writeFileSync(join(dir, "etc/passwd"), "root:x:0:0:root:/root:/bin/sh\n");
  writeFileSync(join(dir, "etc/group"), "root:x:0:\n");
}

/** The images one run builds, by role. */
export interface Images {
  /** The prebuilt target: the compiled binary on a glibc (busybox) base. */
  app: string;
  /** The same with `USER 1000`, a uid with no passwd entry. */
  uid1000: string;
  /** The same with a named user from /etc/passwd. */
  named: string;
  /** The bun-prebuilt target: the JS bundle on a base whose `bun` runs it. */
  bun: string;
}

/** The user the `named` image runs as. */
export const NAMED_USER = "keeper";

/**
 * Builds this run's images: two bases imported from folders (one with this project's bun as
 * /usr/local/bin/bun, standing in for a Bun image), then container/Containerfile's targets.
 * Every image is pushed to `made` before it is made, for the clean-up (even after a failure).
 */
export async function buildImages(p: Podman, id: string, work: string, made: string[]): Promise<Images> {
  ensureBuilt();
  const name = (role: string) => `localhost/bosun-test-${role}-${id}`;
  const bun = process.execPath;
  const rootfs = join(work, "rootfs");
  makeRootfs(rootfs, [BINARY, bun]);
  const importDir = async (image: string) => {
    const tar = join(work, "rootfs.tar");
    const t = Bun.spawnSync(["tar", "-C", rootfs, "-cf", tar, "."], { stderr: "pipe" });
    if (t.exitCode !== 0) throw new Error(`tar failed: ${t.stderr.toString()}`);
    made.push(image);
    await p.ok(["import", "-q", tar, image]);
    rmSync(tar);
  };
  await importDir(name("base"));
  copyFileSync(bun, join(rootfs, "usr/local/bin/bun"));
  await importDir(name("bunbase"));

  const build = async (image: string, args: string[]) => {
    made.push(image);
    await p.ok(["build", "-q", "--format", "docker", "--pull=never", "--network", "none", "-t", image, ...args]);
  };
  await build(name("app"), ["-f", CONTAINERFILE, "--target", "prebuilt", "--build-arg", `BASE=${name("base")}`, ROOT]);
  await build(name("bun"), ["-f", CONTAINERFILE, "--target", "bun-prebuilt", "--build-arg", `BUN_BASE=${name("bunbase")}`, ROOT]);
  const derived = (role: string, lines: string[]) => {
    const ctx = mkdtempSync(join(work, `${role}-`));
    writeFileSync(join(ctx, "Containerfile"), `FROM ${name("app")}\n${lines.join("\n")}\n`);
    return build(name(role), ["-f", join(ctx, "Containerfile"), ctx]);
  };
  await derived("uid1000", ["USER 1000"]);
  // what useradd would add (busybox-static has no adduser)
  const entry = `${NAMED_USER}:x:1001:1001::/home/${NAMED_USER}:/bin/sh`;
  await derived("named", [`RUN echo '${entry}' >> /etc/passwd && echo '${NAMED_USER}:x:1001:' >> /etc/group`, `USER ${NAMED_USER}`]);
  return {
    app: name("app"),
    uid1000: name("uid1000"),
    named: name("named"),
    bun: name("bun"),
  };
}

/** A unique id for one run's names: podman names are shared by every session on the machine. */
export function runId(): string {
  return `${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
}

/** A temp folder for one run (its services dirs are mounted into containers, so readable to all). */
export function workDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "bosun-container-"));
  chmodSync(dir, 0o755);
  return dir;
}

/** Where podman (cgroupfs manager) puts the cgroups of containers and their monitors, in every hierarchy. */
const LIBPOD_CGROUPS = "libpod_parent";

/** The directories under each hierarchy's libpod_parent (and those themselves), deepest first. */
function libpodCgroups(): string[] {
  const found: string[] = [];
  const walk = (dir: string) => {
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) if (e.isDirectory()) walk(join(dir, e.name));
    found.push(dir);
  };
  for (const h of readdirSync("/sys/fs/cgroup")) walk(join("/sys/fs/cgroup", h, LIBPOD_CGROUPS));
  return found;
}

/**
 * Podman on this machine kind leaves each container's (empty) cgroup behind in the named and
 * unified hierarchies, and its `libpod_parent` tree on first use. The tests take a snapshot first
 * and remove, afterwards, every empty cgroup directory podman made meanwhile, so a run leaves the
 * machine's cgroup tree as it found it. A directory still in use (processes, children) stays.
 *
 * @example
 * const before = cgroupSnapshot(); ...; removeNewCgroups(before);
 */
export function cgroupSnapshot(): Set<string> {
  return new Set(libpodCgroups());
}

/** Removes the libpod cgroup directories made since `before` (deepest first); see cgroupSnapshot. */
export function removeNewCgroups(before: Set<string>): void {
  for (const dir of libpodCgroups()) {
    if (before.has(dir)) continue;
    try {
      rmdirSync(dir);
    } catch {
      // still in use, or already gone
    }
  }
}
