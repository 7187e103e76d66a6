/**
 * @module paths
 * Where the control socket and the service directories are. The daemon and every client use
 * these same functions, so a client finds the socket the daemon made. Every rule has a fallback
 * that needs no passwd entry, no HOME and no XDG variables (a container's `USER 1000`).
 */
import { mkdirSync, lstatSync } from "node:fs";
import { join } from "node:path";
import { findUser } from "./config/users.ts";

type Env = Record<string, string | undefined>;

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
  if (env.XDG_RUNTIME_DIR) return join(env.XDG_RUNTIME_DIR, "bosun.sock");
  const dir = `/tmp/bosun-${uid}`;
  if (opts.create) {
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
  return join(dir, "bosun.sock");
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
  const home = env.HOME || findUser(String(uid))?.home;
  const config = env.XDG_CONFIG_HOME || (home ? join(home, ".config") : null);
  return config ? [join(config, "bosun", "services"), "/etc/bosun/services"] : ["/etc/bosun/services"];
}
