/**
 * @module config/users
 * Looks up users and groups in /etc/passwd and /etc/group (Bun has no getpwnam; containers
 * rarely have NSS), for `run-as`, the `*-uid`/`*-gid` settings and `export-passwd-vars`. The
 * one place every layer asks.
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
 * The uid for a user given by name or number: a number is taken as is (the kernel needs no
 * entry for it, as in a container's `USER 1000`); a name must be in /etc/passwd. Null when not.
 *
 * @example
 * userId("nobody") // 65534
 */
export function userId(nameOrUid: string, passwd = "/etc/passwd"): number | null {
  if (/^\d+$/.test(nameOrUid)) return Number(nameOrUid);
  return findUser(nameOrUid, passwd)?.uid ?? null;
}

/**
 * The gid for a group given by name or number, by the same rule as `userId`.
 *
 * @example
 * groupId("nogroup") // 65534
 */
export function groupId(nameOrGid: string, group = "/etc/group"): number | null {
  if (/^\d+$/.test(nameOrGid)) return Number(nameOrGid);
  const entry = records(group).find((f) => f[0] === nameOrGid && /^\d+$/.test(f[2] ?? ""));
  return entry ? Number(entry[2]) : null;
}
