/**
 * @module test/process/isolation-child
 * The launcher with isolation settings, run inside a sandbox of its own (isolation.test.ts
 * starts `bun isolation-child.ts SCENARIO DIR` under `unshare --uts --mount --net --pid --fork
 * --mount-proc`, so this process is PID 1 of fresh namespaces and nothing a scenario does can
 * reach the machine). Each scenario starts services for real, reads what the kernel says about
 * them in /proc, stops them, and prints what it saw as one JSON line.
 */
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, readlinkSync, symlinkSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { describe, type ServiceDescriptionInput } from "../../src/config/schema.ts";
import { createLauncher } from "../../src/process/launcher.ts";
import { createReaper } from "../../src/process/reaper.ts";
import { spawnChild } from "../../src/process/spawn.ts";
import { stubLogs } from "../support/logs.ts";
import { alive } from "../support/proc.ts";
import { recorder } from "../support/recorder.ts";
import { waitFor } from "../support/wait.ts";

const [scenario, dir] = process.argv.slice(2) as [string, string];
const out: Record<string, unknown> = { pid: process.pid };
const reaper = createReaper();
const rec = recorder();
const logs = stubLogs();
const env = new Map([["PATH", "/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin"]]);
const launcher = createLauncher({ events: rec.events, logs: logs.logs, env, reaper, runtimeDir: () => dir });
let serial = 0;

const svc = (input: Partial<ServiceDescriptionInput>) => describe({ name: `s${++serial}`, type: "process", workingDir: dir, ...input });
const sh = (script: string) => ["/bin/sh", "-c", script];
/** Waits until the service printed `line`, then returns the pid it was launched with (the last launched event). */
async function running(name: string, line = "ready"): Promise<number> {
  await waitFor(`${name} to print ${line}`, () => logs.lines(name).includes(line) || rec.log.find((e) => e.name === name && e.kind !== "launched" && e.kind !== "ready"));
  const failed = rec.log.find((e) => e.name === name && e.kind === "launchFailed");
  if (failed) throw new Error(`${name} failed to launch: ${JSON.stringify(failed)}`);
  const launched = rec.log.filter((e) => e.kind === "launched" && e.name === name).at(-1)!;
  return (launched as Extract<typeof launched, { kind: "launched" }>).pid;
}
const status = (pid: number, field: string) => /^\S+:\s*(.*)$/m.exec(readFileSync(`/proc/${pid}/status`, "latin1").split("\n").find((l) => l.startsWith(`${field}:`)) ?? "")?.[1] ?? null;
const nsOf = (pid: number | "self", ns: string) => readlinkSync(`/proc/${pid}/ns/${ns}`);
const interfaces = (pid: number) =>
  readFileSync(`/proc/${pid}/net/dev`, "latin1").split("\n").slice(2).map((l) => l.split(":")[0]!.trim()).filter((n) => n !== "");

/** Stops a service and waits for its exit. */
async function stop(d: ReturnType<typeof svc>) {
  launcher.stop(d);
  return (await rec.next("exited", d.name)).status;
}

/** A process outside any service that says "up" once its TERM trap is set (spawned as the daemon's own, so the reaper leaves it to Bun). */
async function stray(trap: string): Promise<Bun.Subprocess<"ignore", "pipe", "inherit">> {
  const proc = spawnChild(["/bin/sh", "-c", `trap '${trap}' TERM; echo up; while :; do sleep 0.05; done`], { stdout: "pipe" });
  const reader = proc.stdout.getReader();
  await reader.read();
  reader.releaseLock();
  return proc;
}

/** A small busybox tree to chroot into: applets as absolute links, as busybox --install -s makes them. */
function busyboxRoot(withProc: boolean): string {
  const root = join(dir, withProc ? "jail" : "bare");
  mkdirSync(join(root, "bin"), { recursive: true });
  mkdirSync(join(root, "www"));
  if (withProc) mkdirSync(join(root, "proc"));
  copyFileSync("/usr/bin/busybox", join(root, "bin/busybox"));
  chmodSync(join(root, "bin/busybox"), 0o755);
  for (const applet of ["sh", "id", "ls", "sleep", "cat"]) symlinkSync("/bin/busybox", join(root, "bin", applet));
  return root;
}

try {
  switch (scenario) {
    case "net": {
      const d = svc({ namespaces: ["net"], command: sh("ip -o link show | cut -d: -f2,3; echo ready; exec sleep 30") });
      launcher.start(d);
      const pid = await running(d.name);
      out.interfaces = interfaces(pid);
      out.links = logs.lines(d.name).filter((l) => l !== "ready");
      out.ownNet = nsOf(pid, "net") !== nsOf("self", "net");
      out.exit = await stop(d);
      break;
    }
    case "pid": {
      const d = svc({
        namespaces: ["pid"],
        command: sh('echo "pid=$$ procs=$(ls /proc | grep -c "^[0-9]")"; trap "echo got TERM; exit 7" TERM; echo ready; while :; do sleep 0.05; done'),
      });
      launcher.start(d);
      const pid = await running(d.name);
      out.nspid = status(pid, "NSpid");
      out.ppid = Number(status(pid, "PPid"));
      out.said = logs.lines(d.name)[0];
      out.exit = await stop(d);
      out.gotTerm = logs.lines(d.name).includes("got TERM");
      // an init with no TERM handler ignores TERM: only the stop-timeout's KILL ends it
      const plain = svc({ namespaces: ["pid"], command: sh("echo ready; exec sleep 30") });
      launcher.start(plain);
      const plainPid = await running(plain.name);
      launcher.stop(plain);
      await Bun.sleep(200); // long enough for a TERM to have ended it, were it not ignored
      out.aliveAfterTerm = alive(plainPid);
      launcher.kill(plain);
      out.plainExit = (await rec.next("exited", plain.name)).status;
      break;
    }
    case "join": {
      // its stop-command and a health command run inside the service's namespaces, not new ones
      const d = svc({
        namespaces: ["pid", "net", "uts"],
        command: sh('hostname inside; trap "exit 3" TERM; echo ready; while :; do sleep 0.05; done'),
        stopCommand: sh(`hostname > ${dir}/stopper; kill -TERM 1`),
      });
      launcher.start(d);
      const pid = await running(d.name);
      const probe = launcher.spawnProbe(d, sh("echo $(readlink /proc/self/ns/net) $(hostname) $(ls /proc | grep -c '^[0-9]')"));
      if (!("pid" in probe)) throw new Error(probe.message);
      out.probeExit = await probe.exited;
      out.probeSaid = (await new Response(probe.stdout!).text()).trim().split(" ");
      out.serviceNet = nsOf(pid, "net");
      out.exit = await stop(d);
      out.stopper = readFileSync(`${dir}/stopper`, "latin1").trim();
      break;
    }
    case "uts-mount": {
      const before = hostname();
      mkdirSync(join(dir, "mnt"));
      const d = svc({
        namespaces: ["uts", "mount"],
        command: sh(`hostname svc-own && mount -t tmpfs none ${dir}/mnt && hostname && echo ready; exec sleep 30`),
      });
      launcher.start(d);
      const pid = await running(d.name);
      out.said = logs.lines(d.name);
      out.hostnameHere = hostname() === before;
      out.ownUts = nsOf(pid, "uts") !== nsOf("self", "uts");
      out.mountedThere = readFileSync(`/proc/${pid}/mountinfo`, "latin1").includes(`${dir}/mnt`);
      out.mountedHere = readFileSync("/proc/self/mountinfo", "latin1").includes(`${dir}/mnt`);
      out.exit = await stop(d);
      break;
    }
    case "user": {
      const d = svc({ namespaces: ["user"], runAs: "nobody", command: sh("id -u; echo ready; exec sleep 30") });
      launcher.start(d);
      const pid = await running(d.name);
      out.uidMap = readFileSync(`/proc/${pid}/uid_map`, "latin1").trim().split(/\s+/);
      out.gidMap = readFileSync(`/proc/${pid}/gid_map`, "latin1").trim().split(/\s+/);
      out.uid = status(pid, "Uid");
      out.ownUser = nsOf(pid, "user") !== nsOf("self", "user");
      out.exit = await stop(d);
      break;
    }
    case "chroot": {
      const root = busyboxRoot(true);
      const d = svc({
        chroot: root,
        workingDir: "/www",
        runAs: "nobody",
        namespaces: ["pid"],
        command: ["/bin/sh", "-c", 'echo "cwd=$(pwd) uid=$(id -u) gid=$(id -g) root=$(ls / | tr "\\n" " ")procs=$(ls /proc | grep -c "^[0-9]")"; echo ready; exec sleep 30'],
      });
      launcher.start(d);
      const pid = await running(d.name);
      out.said = logs.lines(d.name)[0];
      out.root = readlinkSync(`/proc/${pid}/root`);
      out.expectedRoot = root;
      out.cwd = readlinkSync(`/proc/${pid}/cwd`);
      // the namespace's init (sleep) has no TERM handler: the stop-timeout's KILL ends it
      launcher.kill(d);
      out.exit = (await rec.next("exited", d.name)).status;
      // no /proc inside the new root for the pid namespace's fresh one: unshare says so
      const bare = busyboxRoot(false);
      const noProc = svc({ chroot: bare, workingDir: null, namespaces: ["pid"], command: ["/bin/sh", "-c", "true"] });
      launcher.start(noProc);
      out.noProc = (await rec.next("launchFailed", noProc.name)).failure;
      // capabilities need setpriv inside the new root; this one has none
      const noSetpriv = svc({ chroot: bare, workingDir: null, runAs: "nobody", capabilities: "^cap_net_bind_service", command: ["/bin/sh", "-c", "true"] });
      launcher.start(noSetpriv);
      out.noSetpriv = (await rec.next("launchFailed", noSetpriv.name)).failure;
      const missing = svc({ chroot: join(dir, "nowhere"), workingDir: null, command: ["/bin/sh"] });
      launcher.start(missing);
      out.missing = (await rec.next("launchFailed", missing.name)).failure;
      break;
    }
    case "capabilities": {
      // binds port 80 as nobody: only the ambient capability allows it
      const bind = "exec busybox nc -l -p 80";
      const d = svc({ runAs: "nobody", capabilities: "^cap_net_bind_service,!cap_net_raw", command: sh(bind) });
      launcher.start(d);
      const pid = (await rec.next("launched", d.name)).pid;
      const listening = () => ["tcp", "tcp6"].some((f) => readFileSync(`/proc/${pid}/net/${f}`, "latin1").split("\n").some((l) => /:0050 0+:0000 0A /.test(l)));
      await waitFor("port 80 listening", listening);
      out.caps = { eff: status(pid, "CapEff"), amb: status(pid, "CapAmb"), inh: status(pid, "CapInh"), bnd: status(pid, "CapBnd"), uid: status(pid, "Uid") };
      out.exit = await stop(d);
      const without = svc({ runAs: "nobody", command: sh(bind) });
      launcher.start(without);
      out.without = (await rec.next("exited", without.name)).status;
      out.withoutSaid = logs.lines(without.name);
      const unknown = svc({ runAs: "nobody", capabilities: "^cap_bogus", command: sh("true") });
      launcher.start(unknown);
      out.unknown = (await rec.next("launchFailed", unknown.name)).failure;
      break;
    }
    case "kill-all": {
      // two processes bosun did not start as services: one leaves on TERM, one only on KILL
      const polite = await stray(`echo term > ${dir}/polite; exit 0`);
      const stubborn = await stray(`echo term > ${dir}/stubborn`);
      const d = svc({ type: "internal", options: ["kill-all-on-stop"] });
      launcher.start(d);
      await rec.next("ready", d.name);
      launcher.stop(d);
      out.exit = (await rec.next("exited", d.name, 10_000)).status;
      out.polite = { code: await polite.exited, saw: existsSync(`${dir}/polite`) };
      out.stubborn = { signal: (await stubborn.exited, stubborn.signalCode), saw: existsSync(`${dir}/stubborn`) };
      out.said = logs.system.filter((s) => s.service === d.name).map((s) => s.message);
      break;
    }
    default:
      throw new Error(`unknown scenario ${scenario}`);
  }
} catch (e) {
  out.error = (e as Error).stack ?? String(e);
} finally {
  launcher.killAll();
  launcher.close();
  reaper.close();
}
writeFileSync(1, `${JSON.stringify(out)}\n`);
process.exit(0);
