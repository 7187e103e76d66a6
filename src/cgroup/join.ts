/**
 * @module cgroup/join
 * The join step for cgroup v1 services that need several hierarchies. Bun.spawn's `cgroup`
 * option joins one hierarchy before exec; the others are joined by the first helper of the
 * chain, a shell that writes its own pid into each `cgroup.procs` and then execs what
 * follows. Its pid is the program's pid after exec, so every process the program makes is
 * born inside: nothing is moved after the program runs (a pid written after spawn loses the
 * race against the program's first forks). It must come before any helper that forks
 * (`unshare --fork`) or drops privileges (`setpriv`).
 */

/**
 * The argv prefix that joins `procsFiles` and execs the argv that follows it; [] when there
 * is nothing to join. A write that fails ends the step with status 1, and the shell's message
 * (`cgroup: 1: cannot create /sys/fs/cgroup/...: Permission denied`) on stderr.
 *
 * @example
 * [...joinArgv(["/sys/fs/cgroup/memory/b/web.service/cgroup.procs"]), "nginx", "-g", "daemon off;"]
 * // ["/bin/sh", "-c", "<loop>", "cgroup", "/sys/fs/cgroup/memory/b/web.service/cgroup.procs", "--", "nginx", ...]
 */
export function joinArgv(procsFiles: readonly string[]): string[] {
  if (procsFiles.length === 0) return [];
  const script = 'while [ "$1" != -- ]; do echo $$ > "$1" || exit 1; shift; done; shift; exec "$@"';
  return ["/bin/sh", "-c", script, "cgroup", ...procsFiles, "--"];
}
