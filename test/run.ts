/**
 * @module test/run
 * The project's test command: runs `bun test` with its usual output, then prints the closing
 * line `N passed, N failed` from the junit report (bun's own summary is not in that form) and
 * exits non-zero when anything failed or nothing ran.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const dir = mkdtempSync(join(tmpdir(), "bosun-junit-"));
const report = join(dir, "junit.xml");
const proc = Bun.spawn(
  [process.execPath, "test", "--reporter=junit", `--reporter-outfile=${report}`, ...process.argv.slice(2)],
  { stdio: ["inherit", "inherit", "inherit"] },
);
const code = await proc.exited;

let passed = 0;
let failed = 0;
try {
  const xml = readFileSync(report, "utf8");
  const head = /<testsuites[^>]*\btests="(\d+)"[^>]*\bfailures="(\d+)"(?:[^>]*\bskipped="(\d+)")?/.exec(xml);
  if (head) {
    const [tests, failures, skipped] = [Number(head[1]), Number(head[2]), Number(head[3] ?? 0)];
    failed = failures;
    passed = tests - failures - skipped;
  }
} catch {
  // No report: bun failed before running anything (a syntax error, say); count it as a failure.
  failed = Math.max(failed, 1);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
if (code !== 0 && failed === 0) failed = 1; // a crash outside any test still fails the run
console.log(`${passed} passed, ${failed} failed`);
process.exit(code !== 0 || failed > 0 || passed === 0 ? 1 : 0);
