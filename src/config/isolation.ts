/**
 * @module config/isolation
 * The rules of the isolation settings (`namespaces`, `chroot`, `capabilities`, `securebits`,
 * `kill-all-on-stop`) that the loader, `check` and the launcher all follow: dinit's IAB string
 * and securebits names read into what setpriv takes, the helper programs each setting needs
 * (and the Debian package that ships each), the combinations that cannot work, and when
 * `kill-all-on-stop` may be honoured.
 */
import { error, type Problem } from "./problems.ts";
import { fileOf } from "./reach.ts";
import type { ServiceDescription } from "./schema.ts";
import { ValueError } from "./value.ts";

/** The kernel's capabilities (0 to 40), in libcap's names without the `cap_` prefix. */
export const CAPABILITIES = [
  "chown", "dac_override", "dac_read_search", "fowner", "fsetid", "kill", "setgid", "setuid", "setpcap", "linux_immutable",
  "net_bind_service", "net_broadcast", "net_admin", "net_raw", "ipc_lock", "ipc_owner", "sys_module", "sys_rawio", "sys_chroot",
  "sys_ptrace", "sys_pacct", "sys_admin", "sys_boot", "sys_nice", "sys_resource", "sys_time", "sys_tty_config", "mknod", "lease",
  "audit_write", "audit_control", "setfcap", "mac_override", "mac_admin", "syslog", "wake_alarm", "block_suspend", "audit_read",
  "perfmon", "bpf", "checkpoint_restore",
] as const;

/** An IAB tuple as setpriv applies it: capability names without `cap_`, lower case. */
export interface Iab {
  /** In the inheritable set (bare `CAP`, `%CAP`, and every `^CAP`). */
  inheritable: string[];
  /** In the ambient set too (`^CAP`): what a program run as a non-root user keeps. */
  ambient: string[];
  /** Dropped from the bounding set (`!CAP`): no process of the service can gain them. */
  blocked: string[];
}

/**
 * Reads dinit's `capabilities` (libcap's IAB text): comma-separated, `^CAP` puts CAP in the
 * ambient and inheritable sets, a bare `CAP` (or `%CAP`) in the inheritable set, `!CAP` drops it
 * from the bounding set. Names are libcap's (`cap_net_bind_service`, any case). Throws a
 * ValueError for an unknown name and for what setpriv cannot apply.
 *
 * @example
 * parseCapabilities("^cap_net_bind_service,!cap_sys_admin")
 * // { inheritable: ["net_bind_service"], ambient: ["net_bind_service"], blocked: ["sys_admin"] }
 */
export function parseCapabilities(text: string): Iab {
  const iab: Iab = { inheritable: [], ambient: [], blocked: [] };
  const add = (list: string[], name: string) => void (list.includes(name) || list.push(name));
  for (const item of text.split(/[\s,]+/).filter((w) => w !== "")) {
    const m = /^([!^%]*)(.*)$/.exec(item)!;
    const flags = m[1]!;
    const name = m[2]!.toLowerCase().replace(/^cap_/, "");
    if (!m[2]!.toLowerCase().startsWith("cap_") || !(CAPABILITIES as readonly string[]).includes(name)) {
      throw new ValueError(`'${m[2]}' is not a capability: use libcap's names, such as cap_net_bind_service`);
    }
    if (flags.includes("!")) add(iab.blocked, name);
    if (flags.includes("^")) add(iab.ambient, name);
    if (flags.includes("^") || flags.includes("%") || !flags.includes("!")) add(iab.inheritable, name);
  }
  const both = iab.inheritable.filter((c) => iab.blocked.includes(c));
  if (both.length > 0) {
    // setpriv drops the bounding set first, after which the kernel refuses the inheritable bit
    throw new ValueError(`cap_${both[0]} is both given and blocked ('!'): setpriv cannot keep a capability inheritable once it is out of the bounding set; keep one`);
  }
  return iab;
}

/**
 * dinit's securebits flags and setpriv's name for each; `keep-caps` has none, since the kernel
 * clears it at every exec (setpriv refuses it, and it could not reach the service anyway).
 */
export const SECUREBITS: Record<string, string | null> = {
  "keep-caps": null,
  "keep-caps-locked": "keep_caps_locked",
  "no-setuid-fixup": "no_setuid_fixup",
  "no-setuid-fixup-locked": "no_setuid_fixup_locked",
  noroot: "noroot",
  "noroot-locked": "noroot_locked",
};

/**
 * Checks one securebits flag: unknown names and `keep-caps` throw a ValueError saying why.
 *
 * @example
 * checkSecurebit("noroot") // "noroot"
 */
export function checkSecurebit(word: string): string {
  if (!(word in SECUREBITS)) throw new ValueError(`'${word}' is not a securebits flag: use one of ${Object.keys(SECUREBITS).join(", ")}`);
  if (SECUREBITS[word] === null) {
    throw new ValueError("'keep-caps' is cleared by the kernel when the service's program is exec'd, so it cannot reach the service (setpriv refuses it); remove it (keep-caps-locked still locks the bit)");
  }
  return word;
}

/** The Debian package that ships each helper program bosun runs. */
export const HELPER_PACKAGES: Record<string, string> = {
  prlimit: "util-linux",
  ionice: "util-linux",
  choom: "util-linux",
  unshare: "util-linux",
  nsenter: "util-linux",
  setpriv: "util-linux",
  nice: "coreutils",
  ip: "iproute2",
};

/** True when the service gets a fresh user namespace (its run-as uid and gid mapped to themselves). */
const userNamespace = (d: ServiceDescription) => d.namespaces.includes("user");

/**
 * Whether setpriv must run inside the new root: with `chroot`, capabilities and securebits are
 * set after the change of root, since switching the user before it would drop them and the
 * root cannot be changed without privilege. (In a user namespace the chroot comes last, after
 * setpriv, so setpriv stays outside.)
 */
export function setprivInRoot(d: ServiceDescription): boolean {
  return d.chroot !== null && !userNamespace(d) && (d.capabilities !== null || d.securebits.length > 0);
}

/** A helper program a description's settings need: where it must be, and for which setting. */
export interface HelperNeed {
  program: string;
  setting: string;
  /** Inside the new root (`chroot`) rather than on bosun's machine. */
  inRoot: boolean;
}

/**
 * The helper programs a description needs, in the order they run. The launcher builds its chain
 * from the same settings (process/chain.ts); `check` warns about the ones not installed.
 *
 * @example
 * helperNeeds(describe({ name: "web", nice: 5, namespaces: ["net"] }))
 * // [{ program: "nice", ... }, { program: "unshare", ... }, { program: "ip", ... }]
 */
export function helperNeeds(d: ServiceDescription): HelperNeed[] {
  const needs: HelperNeed[] = [];
  const need = (program: string, setting: string, inRoot = false) => needs.push({ program, setting, inRoot });
  const limit = Object.entries(d.rlimits).find(([, l]) => l !== null);
  if (limit) need("prlimit", `rlimit-${limit[0]}`);
  if (d.nice !== null) need("nice", "nice");
  if (d.ioprio !== null) need("ionice", "ioprio");
  if (d.oomScoreAdj !== null) need("choom", "oom-score-adj");
  if (d.namespaces.length > 0) need("unshare", "namespaces");
  if (d.namespaces.includes("net")) need("ip", "namespaces");
  const privileges = d.runAs !== null || d.noNewPrivs || d.capabilities !== null || d.securebits.length > 0;
  const setting = d.capabilities !== null ? "capabilities" : d.securebits.length > 0 ? "securebits" : d.runAs !== null ? "run-as" : "no-new-privs";
  if (privileges) need("setpriv", setting, setprivInRoot(d));
  if (d.chroot !== null) need("unshare", "chroot");
  return needs;
}

/** A combination of settings that cannot work: the setting it is reported at, and why. */
export interface Conflict {
  setting: string;
  message: string;
}

/**
 * The isolation settings that contradict each other or the service's type; the loader refuses
 * them (so `check` reports them and `boot` will not run them).
 *
 * @example
 * isolationConflicts(describe({ name: "web", namespaces: ["user"] }))
 * // [{ setting: "namespaces", message: "'user' maps the run-as uid and gid ..." }]
 */
export function isolationConflicts(d: ServiceDescription): Conflict[] {
  const out: Conflict[] = [];
  if (userNamespace(d) && d.runAs === null) {
    out.push({
      setting: "namespaces",
      message: "'user' maps the service's run-as uid and gid to themselves; without run-as there is no one to map (the service would be root outside its namespace); set run-as",
    });
  }
  if (userNamespace(d)) {
    for (const setting of ["capabilities", "securebits"]) {
      if (setting === "capabilities" ? d.capabilities === null : d.securebits.length === 0) continue;
      out.push({
        setting,
        message: `a new user namespace ('namespaces = user') starts the service with a fresh capability set and securebits, so ${setting} would not reach it; drop one of them`,
      });
    }
  }
  if (d.namespaces.includes("pid") && d.type === "bgprocess") {
    out.push({
      setting: "namespaces",
      message: "'pid' makes the command the namespace's init; a bgprocess's command exits once its daemon is forked, which ends the namespace and kills the daemon; use type = process",
    });
  }
  if (d.chroot !== null && d.readiness?.kind === "notify") {
    out.push({
      setting: "ready-notification",
      message: "notify's socket is outside the chroot, where the service cannot reach it; use pipefd:N or pipevar:VAR",
    });
  }
  return out;
}

/**
 * Why bosun will not honour `options = kill-all-on-stop` here, as an error at the options line,
 * or null: it sends TERM and then KILL to every process bosun can signal, which means "the
 * container" only when bosun is PID 1 of its pid namespace; anywhere else it would reach
 * processes that are not bosun's. `check` and `boot` both refuse it by this rule.
 *
 * @example
 * killAllRefusal(d, process.pid === 1) // null inside a container, an error outside
 */
export function killAllRefusal(d: ServiceDescription, pid1: boolean): Problem | null {
  if (pid1 || !d.options.includes("kill-all-on-stop")) return null;
  return error(
    fileOf(d, "options"),
    d.lines.options ?? null,
    d.name,
    "options: kill-all-on-stop sends TERM and then KILL to every process in bosun's pid namespace, so bosun honours it only as PID 1 of a pid namespace of its own (a container), and this bosun is not; remove the option, or run bosun as a container's PID 1",
  );
}
