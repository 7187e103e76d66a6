/**
 * @module test/process/isolation
 * Namespaces, chroot, capabilities and kill-all-on-stop on the real kernel, each checked in
 * /proc. Every scenario runs the launcher in isolation-child.ts, inside namespaces of its own
 * (uts, mount, net, pid), so a hostname, mount, network or kill-everything bug can never reach
 * this machine; this file checks what the child saw.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { killEverything } from "../../src/process/killall.ts";
import { removeTempDirs, tempDir } from "../support/files.ts";

const SANDBOX = ["unshare", "--uts", "--mount", "--net", "--pid", "--fork", "--kill-child", "--mount-proc"];
afterAll(removeTempDirs);

/** What each scenario saw: several tests read one run. */
const runs = new Map<string, Promise<Record<string, any>>>();
const scenario = (name: string) => runs.get(name) ?? runs.set(name, run(name)).get(name)!;

/** Runs one scenario in a fresh sandbox; fails on an error the child caught. */
async function run(name: string): Promise<Record<string, any>> {
  const proc = Bun.spawn([...SANDBOX, process.execPath, `${import.meta.dir}/isolation-child.ts`, name, tempDir()], { stdout: "pipe", stderr: "inherit" });
  const [text, code] = await Promise.all([new Response(proc.stdout).text(), proc.exited]);
  expect(code).toBe(0);
  const out = JSON.parse(text.trim().split("\n").at(-1)!);
  expect(out.error).toBeUndefined();
  // the launcher runs as PID 1 of the sandbox
  expect(out.pid).toBe(1);
  return out;
}

describe("namespaces", () => {
  test("net: a network namespace of its own with only lo, and lo up", async () => {
    const out = await scenario("net");
    expect(out.ownNet).toBe(true);
    expect(out.interfaces).toEqual(["lo"]);
    expect(out.links).toHaveLength(1);
    expect(out.links[0]).toContain("lo: <LOOPBACK,UP,LOWER_UP>");
    expect(out.exit).toEqual({ code: null, signal: "TERM" });
  });

  test("pid: the service is pid 1 of its namespace and bosun's own child; its stop and exit code reach bosun", async () => {
    const out = await scenario("pid");
    const [outside, inside] = out.nspid.split(/\s+/).map(Number);
    expect(inside).toBe(1);
    expect(outside).toBeGreaterThan(1);
    expect(out.ppid).toBe(1); // the launcher, PID 1 of the sandbox
    // ls and grep are its only other processes
    expect(out.said).toMatch(/^pid=1 procs=[2-4]$/);
    expect(out.gotTerm).toBe(true);
    expect(out.exit).toEqual({ code: 7, signal: null });
  });

  test("pid: an init without a TERM handler ignores TERM, and the stop-timeout's KILL reaches bosun as KILL", async () => {
    const out = await scenario("pid");
    expect(out.aliveAfterTerm).toBe(true);
    expect(out.plainExit).toEqual({ code: null, signal: "KILL" });
  });

  test("its stop-command and health command join the running service's namespaces", async () => {
    const out = await scenario("join");
    expect(out.probeExit).toEqual({ code: 0, signal: null });
    const [net, host, procs] = out.probeSaid;
    expect(net).toBe(out.serviceNet);
    expect(host).toBe("inside");
    // the service's shell, its sleep, and the probe's own few
    expect(Number(procs)).toBeGreaterThan(2);
    // kill -TERM 1 in the stop-command reached the service: pid 1 of the namespace it joined
    expect(out.stopper).toBe("inside");
    expect(out.exit).toEqual({ code: 3, signal: null });
  });

  test("uts and mount: the service sets its own hostname and mounts a tmpfs, neither seen outside", async () => {
    const out = await scenario("uts-mount");
    expect(out.said).toEqual(["svc-own", "ready"]);
    expect(out.ownUts).toBe(true);
    expect(out.hostnameHere).toBe(true);
    expect(out.mountedThere).toBe(true);
    expect(out.mountedHere).toBe(false);
  });

  test("user: the run-as uid and gid map to themselves only", async () => {
    const out = await scenario("user");
    expect(out.ownUser).toBe(true);
    expect(out.uidMap).toEqual(["65534", "65534", "1"]);
    expect(out.gidMap).toEqual(["65534", "65534", "1"]);
    expect(out.uid.split(/\s+/)).toEqual(["65534", "65534", "65534", "65534"]);
  });
});

describe("chroot", () => {
  test("a busybox tree as the new root: working-dir inside it, run-as, and the pid namespace's /proc there", async () => {
    const out = await scenario("chroot");
    expect(out.root).toBe(out.expectedRoot);
    expect(out.cwd).toBe(`${out.expectedRoot}/www`);
    expect(out.said).toMatch(/^cwd=\/www uid=65534 gid=65534 root=bin proc www procs=[2-5]$/);
    expect(out.exit).toEqual({ code: null, signal: "KILL" });
  });

  test("failures name their stage: a missing root, no /proc for the pid namespace, no setpriv inside for capabilities", async () => {
    const out = await scenario("chroot");
    expect(out.missing).toMatchObject({ stage: "chroot", errno: "ENOENT" });
    expect(out.noProc.stage).toBe("namespaces");
    expect(out.noProc.message).toMatch(/^namespaces: unshare: mount .*\/bare\/proc failed: No such file or directory \(before the program ran: exited with 1\)$/);
    expect(out.noSetpriv).toMatchObject({ stage: "capabilities", errno: "ENOENT" });
    expect(out.noSetpriv.message).toContain("setpriv inside");
    expect(out.noSetpriv.message).toContain("install the Debian package util-linux there");
  });
});

describe("capabilities", () => {
  test("run-as nobody with ^cap_net_bind_service binds port 80: the capability is effective and ambient, and ! drops from the bounding set", async () => {
    const out = await scenario("capabilities");
    const NET_BIND = 1n << 10n;
    const NET_RAW = 1n << 13n;
    expect(out.caps.uid.split(/\s+/)[0]).toBe("65534");
    expect(BigInt(`0x${out.caps.eff}`)).toBe(NET_BIND);
    expect(BigInt(`0x${out.caps.amb}`)).toBe(NET_BIND);
    expect(BigInt(`0x${out.caps.inh}`)).toBe(NET_BIND);
    expect(BigInt(`0x${out.caps.bnd}`) & NET_RAW).toBe(0n);
    expect(BigInt(`0x${out.caps.bnd}`) & NET_BIND).toBe(NET_BIND);
    // without the capability the same program may not bind
    expect(out.without.code).not.toBe(0);
    expect(out.withoutSaid.join("\n")).toContain("Permission denied");
  });

  test("an unknown capability (in a description the loader did not check) fails at stage capabilities", async () => {
    const out = await scenario("capabilities");
    expect(out.unknown).toEqual({ stage: "capabilities", errno: null, message: "capabilities: 'cap_bogus' is not a capability: use libcap's names, such as cap_net_bind_service" });
  });
});

describe("kill-all-on-stop", () => {
  test("as PID 1 of its pid namespace, stopping the service sends TERM, then KILL to what is left, to every other process", async () => {
    const out = await scenario("kill-all");
    expect(out.exit).toEqual({ code: 0, signal: null });
    expect(out.polite).toEqual({ code: 0, saw: true });
    expect(out.stubborn).toEqual({ signal: "SIGKILL", saw: true });
    // the stubborn shell, and the sleep it may have started since
    expect(out.said).toEqual(["kill-all-on-stop: sending TERM, then KILL, to every other process", expect.stringMatching(/^kill-all-on-stop: [12] process\(es\) outlived TERM and got KILL$/)]);
  });

  test("outside PID 1 of a pid namespace it signals nothing", async () => {
    expect(process.pid).not.toBe(1);
    await expect(killEverything()).rejects.toThrow("bosun is not PID 1 of its pid namespace");
  });
});
