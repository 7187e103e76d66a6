/**
 * @module process/failure
 * Launch failures as values: the stage that failed, the errno name, and one line for people,
 * e.g. `exec: ENOENT (no such file: /usr/bin/nginxx)`. Stages named so far: `exec`, `chdir`,
 * `socket`, `ready-notification`, `pid-file`, `log`, `run-as`, `cgroup`; helper-command stages
 * use the setting they apply (`cgroup`, `rlimit`, `nice`, `ioprio`, `oom-score-adj`,
 * `namespaces`, `chroot`, `run-as`, `capabilities`, `securebits`, `no-new-privs`).
 */
import type { LaunchFailure } from "../engine/types.ts";

const meanings: Record<string, string> = {
  ENOENT: "no such file",
  EACCES: "permission denied",
  ENOTDIR: "not a directory",
  ENOEXEC: "not an executable format",
  EISDIR: "is a directory",
  EPERM: "operation not permitted",
  EADDRINUSE: "address in use",
  EEXIST: "already exists",
  ENAMETOOLONG: "path too long",
  ELOOP: "too many symbolic links",
};

/**
 * Builds a LaunchFailure; `subject` is what the stage worked on (a path, a value).
 *
 * @example
 * launchFailure("exec", "ENOENT", "/usr/bin/nginxx").message // "exec: ENOENT (no such file: /usr/bin/nginxx)"
 * launchFailure("pid-file", null, "no pid in /run/x.pid").message // "pid-file: no pid in /run/x.pid"
 */
export function launchFailure(stage: string, errno: string | null, subject: string): LaunchFailure {
  if (errno === null) return { stage, errno, message: `${stage}: ${subject}` };
  const meaning = meanings[errno];
  return { stage, errno, message: `${stage}: ${errno} (${meaning ? `${meaning}: ` : ""}${subject})` };
}

/** The errno name carried by a Node/Bun error (`err.code`), or null. */
export function errnoOf(e: unknown): string | null {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === "string" && /^E[A-Z0-9]+$/.test(code) ? code : null;
}
