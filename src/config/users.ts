/**
 * @module config/users
 * Looks up users and groups in /etc/passwd and /etc/group (Bun has no getpwnam), for
 * `run-as`, the `*-uid`/`*-gid` settings and `load-options = export-passwd-vars`.
 */
import { readFileSync } from "node:fs";

/** The /etc/passwd fields bosun uses. */
export interface User {
  name: string;
  uid: number;
  gid: number;
  home: string;
  shell: string;
}

function records(file: string): string[][] {
  try {
    return readFileSync(file, "utf8")
      .split("\n")
      .filter((l) => l !== "" && !l.startsWith("#"))
      .map((l) => l.split(":"));
  } catch {
    return [];
  }
}

/**
 * Finds a user by name or numeric uid; null when there is none.
 *
 * @example
 * findUser("root") // { name: "root", uid: 0, gid: 0, home: "/root", shell: "/bin/bash" }
 */
export function findUser(nameOrUid: string, passwd = "/etc/passwd"): User | null {
  const numeric = /^\d+$/.test(nameOrUid);
  for (const f of records(passwd)) {
    if (f.length < 7) continue;
    if (numeric ? f[2] === String(Number(nameOrUid)) : f[0] === nameOrUid) {
      return { name: f[0]!, uid: Number(f[2]), gid: Number(f[3]), home: f[5]!, shell: f[6]! };
    }
  }
  return null;
}

/**
 * Whether a group exists, by name or numeric gid. A numeric id always counts as existing:
 * the kernel needs no entry for it.
 */
export function groupExists(nameOrGid: string, group = "/etc/group"): boolean {
  if (/^\d+$/.test(nameOrGid)) return true;
  return records(group).some((f) => f[0] === nameOrGid);
}
