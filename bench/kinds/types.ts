/**
 * @module bench/kinds/types
 * What the bench needs of each supervisor it compares ("kind"): its native configuration for N
 * identical services, how to launch it (plainly and as PID 1 of a fresh pid namespace), and how
 * its own status tool counts services that are up.
 */
import { accessSync, chmodSync, constants, statSync, writeFileSync } from "node:fs";

/** One service of a scenario: its command, and whether it should be restarted as fast as the kind allows. */
export interface Service {
  name: string;
  argv: string[];
  fastRestart?: boolean;
}

/** A supervisor found on this machine, ready to be measured. */
export interface Kind {
  /** The key used in --kinds and in the tables: dinit, bosun, bosun-src, bun-floor, s6, runit, supervisord, pm2. */
  readonly name: string;
  /** Version and how it runs, for the results header. */
  readonly version: string;
  /** The status tool behind "ctl reports all up". */
  readonly statusTool: string;
  /** How the smallest restart delay is configured (or why it cannot be). */
  readonly restartSetting: string;
  /** Writes the native configuration for `services` into `dir`. */
  write(dir: string, services: Service[]): void;
  /** The supervisor's command line, run with `dir` as working directory. */
  argv(dir: string): string[];
  /** The command line as PID 1 of a new pid namespace. */
  pid1Argv(dir: string): string[];
  /** Extra environment for the supervisor and its tools. */
  env(dir: string): Record<string, string>;
  /** How many of `names` the kind's own status tool reports as up (0 when it cannot tell yet); null without a status tool. */
  countUp: ((dir: string, names: string[]) => number) | null;
}

/** A kind that could not be measured here, and why (what to install or set). */
export interface Missing {
  name: string;
  missing: string;
}

/**
 * A binary from the directory named by `variable`, or from PATH when it is unset; null when
 * absent or not executable.
 *
 * @example
 * binary("DINIT_BIN_DIR", "dinitctl") // "/opt/dinit/bin/dinitctl" when DINIT_BIN_DIR=/opt/dinit/bin
 */
export function binary(variable: string, program: string): string | null {
  const dir = process.env[variable];
  const path = dir ? `${dir}/${program}` : Bun.which(program);
  if (!path) return null;
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile() ? path : null;
  } catch {
    return null;
  }
}

/** Writes a file with a mode (service run scripts are executable). */
export function writeFile(path: string, text: string, mode = 0o644): void {
  writeFileSync(path, text);
  chmodSync(path, mode);
}

/** Runs a short tool and returns its output (stdout then stderr), or "" when it could not run. */
export function output(argv: string[], env?: Record<string, string>, timeoutMs = 30_000): string {
  try {
    const r = Bun.spawnSync(argv, { stdin: "ignore", stdout: "pipe", stderr: "pipe", env: { ...process.env, ...env }, timeout: timeoutMs });
    return r.stdout.toString() + r.stderr.toString();
  } catch {
    return "";
  }
}

/** `unshare` arguments that make the command PID 1 of a new pid namespace with its own /proc. */
export function asPid1(argv: string[]): string[] {
  const user = process.getuid?.() === 0 ? [] : ["--map-root-user"];
  // --kill-child: if the bench dies, the namespace dies with it
  return ["unshare", ...user, "--pid", "--fork", "--mount-proc", "--kill-child", ...argv];
}

/** A `run` script for s6 and runit: replace the shell with the service's command. */
export function runScript(argv: string[]): string {
  return `#!/bin/sh\nexec ${argv.map(shellWord).join(" ")}\n`;
}

/** One word safe for sh: bare when it has no special characters, else single-quoted. */
export function shellWord(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", "'\\''")}'`;
}

/** The version of a Debian package, or "?" when dpkg does not know it. */
export function debianVersion(pkg: string): string {
  const v = output(["dpkg-query", "-W", "-f", "${Version}", pkg]).trim();
  return /^\d/.test(v) ? v.replace(/-[^-]*$/, "") : "?";
}
