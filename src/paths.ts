/**
 * @module paths
 * Where the control socket and the service directories are. The daemon and every client use
 * these same functions, so a client finds the socket the daemon made. Every rule has a fallback
 * that needs no passwd entry, no HOME and no XDG variables (a container's `USER 1000`).
 *
 * A control command resolving its socket loads no node module: paths are joined here as
 * written (the kernel resolves the rest), and node:fs, with the passwd lookup that reads through
 * it, is required only in the branches that use it; loading node:path and node:fs would be
 * about a fifth of such a command's start-up.
 */

type Env = Record<string, string | undefined>;

/** `dir/name...`, with no doubled `/` where `dir` ends in one. */
function under(dir: string, ...names: string[]): string {
  return [dir.replace(/\/+$/, ""), ...names].join("/");
}

/**
 * The control socket: `-p`, else `$BOSUN_SOCKET`, else `/run/bosun.sock` for root, else
 * `$XDG_RUNTIME_DIR/bosun.sock`, else a private `/tmp/bosun-UID/` directory (made 0700 when
 * `create`; refused when it exists and is not this user's own, since another user could then
 * answer in bosun's place).
 *
 * @example
 * socketPath({ flag: undefined, env: process.env, uid: 0 }) // "/run/bosun.sock"
 */
export function socketPath(opts: { flag?: string; env?: Env; uid?: number; create?: boolean }): string {
  const env = opts.env ?? process.env;
  const uid = opts.uid ?? process.getuid?.() ?? 0;
  if (opts.flag) return opts.flag;
  if (env.BOSUN_SOCKET) return env.BOSUN_SOCKET;
  if (uid === 0) return "/run/bosun.sock";
  if (env.XDG_RUNTIME_DIR) return under(env.XDG_RUNTIME_DIR, "bosun.sock");
  const dir = `/tmp/bosun-${uid}`;
  if (opts.create) {
    const { mkdirSync, lstatSync } = require("node:fs") as typeof import("node:fs");
    try {
      mkdirSync(dir, { mode: 0o700 });
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== "EEXIST") throw new Error(`cannot make the socket directory ${dir} (${code}); pass -p SOCKET or set BOSUN_SOCKET or XDG_RUNTIME_DIR to a writable place`);
    }
    const st = lstatSync(dir);
    if (!st.isDirectory() || st.uid !== uid || (st.mode & 0o077) !== 0) {
      throw new Error(`${dir} exists but is not a private directory owned by uid ${uid}; remove it or pass -p SOCKET`);
    }
  }
  return under(dir, "bosun.sock");
}

/**
 * Service directories: the `-d` flags in order, else `/etc/bosun/services` for root, else the
 * user's `$XDG_CONFIG_HOME/bosun/services` (or `~/.config/bosun/services`) then
 * `/etc/bosun/services`. A user with no home at all (no `$HOME` and no passwd entry, as
 * `USER 1000` in an image gets) has only `/etc/bosun/services`.
 *
 * @example
 * serviceDirs({ env: { HOME: "/home/ann" }, uid: 1000 }) // ["/home/ann/.config/bosun/services", "/etc/bosun/services"]
 * serviceDirs({ env: {}, uid: 4242 }) // ["/etc/bosun/services"] (no HOME, no passwd entry)
 */
export function serviceDirs(opts: { flags?: string[]; env?: Env; uid?: number }): string[] {
  if (opts.flags && opts.flags.length > 0) return opts.flags;
  const env = opts.env ?? process.env;
  const uid = opts.uid ?? process.getuid?.() ?? 0;
  if (uid === 0) return ["/etc/bosun/services"];
  const home = env.HOME || (require("./config/users.ts") as typeof import("./config/users.ts")).findUser(String(uid))?.home;
  const config = env.XDG_CONFIG_HOME || (home ? under(home, ".config") : null);
  return config ? [under(config, "bosun", "services"), "/etc/bosun/services"] : ["/etc/bosun/services"];
}
