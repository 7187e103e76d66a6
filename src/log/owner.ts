/**
 * @module log/owner
 * Turns `logfile-uid` / `logfile-gid` (a number or a name) into ids, reading /etc/passwd and
 * /etc/group as the C library would for local accounts (bosun runs in containers without NSS).
 */
import { readFileSync } from "node:fs";

/**
 * The numeric id for a user or group given by number or name; throws naming the setting when
 * the name is unknown.
 *
 * @example
 * resolveId("0", "user") // 0
 * resolveId("nobody", "user") // 65534 on most systems
 */
export function resolveId(value: string, kind: "user" | "group"): number {
  if (/^\d+$/.test(value)) return Number(value);
  const file = kind === "user" ? "/etc/passwd" : "/etc/group";
  let text = "";
  try {
    text = readFileSync(file, "utf8");
  } catch {
    // No database: the name cannot be resolved; fall through to the error below.
  }
  for (const entry of text.split("\n")) {
    const [name, , id] = entry.split(":");
    if (name === value && id !== undefined && /^\d+$/.test(id)) return Number(id);
  }
  throw new Error(`unknown ${kind} '${value}' (not in ${file}); use a number or an existing name`);
}
