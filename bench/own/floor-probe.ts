/**
 * @module bench/own/floor-probe
 * A bare Bun program, compiled like dist/bosun, that does only what any supervisor on Bun must:
 * the floor bosun's figures are compared with.
 *
 *   floor-probe idle                       a timer, nothing else
 *   floor-probe hold N pipe|inherit|ignore spawn N `sleep 1000` (detached), output as given
 *                                          (piped output is read), then idle
 *   floor-probe restart K SCRIPT FILE      run `sh SCRIPT FILE` K times, each after the last ended
 *
 * Prints `ready MS` (MS: the time its work took) when done, then stays until killed.
 */
const [mode, a, b, c] = process.argv.slice(2);
const t0 = performance.now();

async function drain(stream: ReadableStream<Uint8Array>): Promise<void> {
  for await (const _ of stream);
}

if (mode === "hold") {
  const stdio = b as "pipe" | "inherit" | "ignore";
  for (let i = 0; i < Number(a); i++) {
    const p = Bun.spawn(["sleep", "1000"], { stdio: ["ignore", stdio, stdio], detached: true });
    if (stdio === "pipe") {
      void drain(p.stdout as ReadableStream<Uint8Array>);
      void drain(p.stderr as ReadableStream<Uint8Array>);
    }
  }
} else if (mode === "restart") {
  for (let i = 0; i < Number(a); i++) await Bun.spawn(["sh", b!, c!], { stdio: ["ignore", "ignore", "ignore"] }).exited;
} else if (mode !== "idle") {
  console.error("usage: floor-probe idle | hold N pipe|inherit|ignore | restart K SCRIPT FILE");
  process.exit(2);
}
// Bun.write to the stdout fd: not process.stdout, whose stream layer costs memory of its own
await Bun.write(Bun.stdout, `ready ${(performance.now() - t0).toFixed(3)}\n`);
setInterval(() => {}, 1 << 30);

export {};
