/**
 * @module bench/study/binary-fs
 * The same compiled program (a timer only, built like dist/bosun) run from a copy on the disk's
 * temp dir and from a copy on /dev/shm (tmpfs): resident memory depends on the filesystem the
 * binary is mapped from, through how many pages each fault maps in.
 *
 *   bun bench/study/binary-fs.ts [--reps 3]
 */
import { copyFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { compileSource, measureRun, workspace } from "./memory.ts";

const { values } = parseArgs({ options: { reps: { type: "string", default: "3" } } });
const reps = Number(values.reps);
using ws = workspace();
const disk = compileSource(ws, "timer", `await Bun.write(Bun.stdout, "ready\\n");\nsetInterval(() => {}, 1 << 30);\nexport {};\n`);
const shm = join("/dev/shm", `bosun-study-${process.pid}-timer`);
copyFileSync(disk, shm);
try {
  for (let r = 0; r < reps; r++) {
    for (const [label, bin] of [["disk (temp dir)", disk], ["tmpfs (/dev/shm)", shm]] as const) {
      const m = await measureRun([bin], 3);
      const code = m.parts["executable: code"]!;
      console.log(`${label.padEnd(18)} Pss ${(m.usage.pss / 1024).toFixed(1)} MiB, of which the executable's code ${(code.pss / 1024).toFixed(1)} MiB`);
    }
  }
} finally {
  rmSync(shm, { force: true });
}
