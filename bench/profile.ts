/**
 * @module bench/profile
 * Records the bytecode-order profiles the build lays dist/bosun out by (Bun's profile-guided
 * bytecode layout): the functions a daemon uses to boot and run a few services, and those a
 * control command uses, go together at the front of the binary, so bosun reads and keeps less of
 * itself (measured: about 1.6 MiB less Pss for a daemon with 3 services). A profile from an
 * older build still applies; record again when `bytecodeOrderStats()` (bun:jsc) shows many
 * cold functions, or after a large change.
 *
 *   bun run profile     (builds, records bench/profiles/*.order, builds again with them)
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const ROOT = join(import.meta.dir, "..");
const PROFILES = join(ROOT, "bench", "profiles");
const BIN = join(ROOT, "dist", "bosun");

function run(argv: string[], env: Record<string, string> = {}): void {
  const r = Bun.spawnSync(argv, { cwd: ROOT, env: { ...process.env, ...env }, stdout: "ignore", stderr: "pipe" });
  if (r.exitCode !== 0) throw new Error(`${argv.join(" ")} exited ${r.exitCode}: ${r.stderr.toString().trim()}`);
}

// the first build lays nothing out (no profile yet, or an old one): that is what is measured
run([process.execPath, "run", "build"]);
const dir = mkdtempSync(join(tmpdir(), "bosun-profile-"));
try {
  const services = join(dir, "services");
  const socket = join(dir, "sock");
  Bun.spawnSync(["mkdir", "-p", services]);
  for (const name of ["a", "b", "c"]) writeFileSync(join(services, name), "type = process\ncommand = /bin/sleep 1000\n");
  writeFileSync(join(services, "boot"), "type = internal\nwaits-for = a\nwaits-for = b\nwaits-for = c\n");
  const daemon = Bun.spawn([BIN, "boot", "-d", services, "-p", socket, "--health-listen", "127.0.0.1:0"], {
    env: { ...process.env, BUN_BYTECODE_ORDER_OUT: join(PROFILES, "boot.order") },
    stdout: "ignore",
    stderr: "ignore",
  });
  // up once `is-started boot` says so (bounded: a broken build must not hang the script)
  const deadline = Date.now() + 20_000;
  while (Bun.spawnSync([BIN, "is-started", "-p", socket, "boot"]).exitCode !== 0) {
    if (Date.now() > deadline) throw new Error("the daemon did not start boot within 20 s");
    await Bun.sleep(50);
  }
  run([BIN, "list", "-p", socket], { BUN_BYTECODE_ORDER_OUT: join(PROFILES, "cli.order") });
  run([BIN, "shutdown", "-p", socket]);
  await daemon.exited;
} finally {
  rmSync(dir, { recursive: true, force: true });
}
run([process.execPath, "run", "build"]);
console.log(`recorded ${PROFILES}/boot.order and cli.order; dist/bosun rebuilt with them`);
