/**
 * @module bench/own/floor-probe
 * A bare Bun program, compiled like dist/bosun, that does only what any supervisor on Bun must:
 * the floor bosun's figures are compared with.
 *
 *   floor-probe idle                        a timer, nothing else; prints `ready`
 *   floor-probe hold N pipe|inherit         spawns N `sleep 1000` (detached), output piped and
 *                                           read, or inherited; prints `ready`, then idles
 *   floor-probe supervise FILE              runs the services of FILE (JSON: [{argv, restart}])
 *                                           as bosun does at the least: detached, output piped
 *                                           and read, restarted at once when asked; on SIGTERM
 *                                           or SIGINT, TERM to every group, then exit 0 when
 *                                           all have ended
 */
const [mode, a, b] = process.argv.slice(2);

/** Reads a stream to its end, dropping what comes. */
async function drain(stream: ReadableStream<Uint8Array>): Promise<void> {
  for await (const _ of stream);
}

function spawnPiped(argv: string[]) {
  const p = Bun.spawn(argv, { stdio: ["ignore", "pipe", "pipe"], detached: true });
  void drain(p.stdout as ReadableStream<Uint8Array>);
  void drain(p.stderr as ReadableStream<Uint8Array>);
  return p;
}

if (mode === "hold") {
  for (let i = 0; i < Number(a); i++) {
    if (b === "pipe") spawnPiped(["sleep", "1000"]);
    else Bun.spawn(["sleep", "1000"], { stdio: ["ignore", "inherit", "inherit"], detached: true });
  }
} else if (mode === "supervise") {
  const services = (await Bun.file(a!).json()) as { argv: string[]; restart?: boolean }[];
  const running = new Map<number, Promise<unknown>>();
  let stopping = false;
  const start = (s: { argv: string[]; restart?: boolean }) => {
    const p = spawnPiped(s.argv);
    running.set(p.pid, p.exited);
    void p.exited.then(() => {
      running.delete(p.pid);
      if (s.restart && !stopping) start(s);
    });
  };
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    for (const pid of running.keys()) {
      try {
        process.kill(-pid, "SIGTERM");
      } catch {}
    }
    await Promise.all(running.values());
    process.exit(0);
  };
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
  for (const s of services) start(s);
} else if (mode !== "idle") {
  console.error("usage: floor-probe idle | hold N pipe|inherit | supervise FILE");
  process.exit(2);
}
// Bun.write to the stdout fd: not process.stdout, whose stream layer costs memory of its own
if (mode !== "supervise") await Bun.write(Bun.stdout, "ready\n");
setInterval(() => {}, 1 << 30);

export {};
