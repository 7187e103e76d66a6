/**
 * @module test/cgroup/readonly
 * Where cgroupfs is read-only (an unprivileged container) or absent, a service that asks for
 * cgroup settings is refused with what to do, unless best-effort mode starts it without them
 * after one warning; a service without such settings starts either way. The layouts are made
 * for real, inside a private mount namespace of a child process (`unshare --mount`): its
 * cgroup mounts remounted read-only, or unmounted. The machine's own mounts are untouched.
 */
import { expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { runChild } from "./support.ts";

const cgroupMounts = /^\S+ \S+ \S+ \S+ (\S+) .* - cgroup2? /gm;
const mounted = [...readFileSync("/proc/self/mountinfo", "utf8").matchAll(cgroupMounts)].length > 0;

/** The child under a private mount namespace where `each` is applied to every cgroup mount point. */
function inNamespace(each: string) {
  const script = `grep -E ' - cgroup2? ' /proc/self/mountinfo | cut -d' ' -f5 | while read -r m; do ${each} "$m" || exit 1; done; exec "$0" "$@"`;
  return runChild<Record<string, any>>("readonly-child.ts", [], ["unshare", "--mount", "--propagation", "private", "/bin/sh", "-c", script]);
}

test.skipIf(!mounted)("read-only cgroupfs: limits are refused with what to do; best-effort starts the service without them, warning once", async () => {
  const out = await inNamespace("mount -o remount,ro,bind");
  expect(out.mode).toBe("read-only");
  expect(out.strictDescription).toMatch(/read-only, \S+ is mounted read-only; services with cgroup settings are refused \(--cgroups=best-effort starts them without\)$/);
  expect(out.lenientDescription).toContain("best-effort: services with cgroup settings start without them, and stop by process group");

  expect(out.strictLimited.ok).toBe(false);
  expect(out.strictLimited.failure.stage).toBe("cgroup");
  expect(out.strictLimited.failure.message).toMatch(
    /^cgroup: memory-max and cpu-max need a writable cgroup filesystem, but \S+ is mounted read-only: run bosun with one \(a container with a writable cgroup namespace, e\.g\. --privileged\), or remove them from web, or start bosun with --cgroups=best-effort \(BOSUN_CGROUPS=best-effort\) to run web without them$/,
  );
  expect(out.strictPlain).toEqual({ ok: true, cgroup: null, warnings: [] });
  expect(out.strictPlaced.ok).toBe(false);
  expect(out.strictPlaced.failure.message).toStartWith("cgroup: run-in-cgroup needs a writable cgroup filesystem");

  expect(out.lenientFirst.ok).toBe(true);
  expect(out.lenientFirst.cgroup).toBeNull();
  expect(out.lenientFirst.warnings).toEqual([expect.stringMatching(/^memory-max and cpu-max: \S+ is mounted read-only; started without them \(best-effort cgroups\)$/)]);
  expect(out.lenientAgain).toEqual({ ok: true, cgroup: null, warnings: [] });
  expect(out.strictClose).toEqual([]);
  expect(out.lenientClose).toEqual([]);
});

test.skipIf(!mounted)("no cgroupfs at all: the same refusal, naming the reason", async () => {
  const out = await inNamespace("umount -l");
  expect(out.mode).toBe("none");
  expect(out.strictDescription).toStartWith("no cgroup filesystem is mounted;");
  expect(out.strictLimited.failure.message).toStartWith("cgroup: memory-max and cpu-max need a writable cgroup filesystem, but no cgroup filesystem is mounted: ");
  expect(out.lenientFirst.warnings).toEqual(["memory-max and cpu-max: no cgroup filesystem is mounted; started without them (best-effort cgroups)"]);
});
