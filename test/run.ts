/**
 * @module test/run
 * The project's test command. Each test file runs in a `bun test` process of its own: files
 * install signal handlers, load bun:ffi and start daemons, and a file must not inherit another
 * file's process state (one loaded bun:ffi library was enough to stall a later control test).
 * After the runs it prints the closing line `N passed, N failed, N skipped` from the junit
 * reports (bun's own summary is not in that form; skipped counts test.skip and test.todo) and
 * exits non-zero when anything failed or nothing ran.
 *
 * `npm test` runs every file; `npm test -- test/engine test/process/reaper` runs the files under
 * the given paths, a path being a directory, a test file, or a test file without `.test.ts`. A
 * path that matches no test file is an error, never a silent empty run.
 */
import { Glob } from "bun";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";

const root = join(import.meta.dir, "..");
const filters = process.argv.slice(2).map((p) => relative(root, join(process.cwd(), p)));
const all = [...new Glob("test/**/*.test.ts").scanSync({ cwd: root })].sort();
const matches = (file: string, path: string) => file === path || file === `${path}.test.ts` || file.startsWith(`${path}/`);
const unmatched = filters.filter((p) => !all.some((f) => matches(f, p)));
if (unmatched.length > 0) {
  for (const p of unmatched) console.error(`no test file matches ${p} (give a directory, a *.test.ts file, or one without .test.ts)`);
  process.exit(1);
}
const files = all.filter((f) => filters.length === 0 || filters.some((p) => matches(f, p)));

const dir = mkdtempSync(join(tmpdir(), "bosun-junit-"));
let passed = 0;
let failed = 0;
let skipped = 0;
const broken: string[] = [];
try {
  for (const [i, file] of files.entries()) {
    const report = join(dir, `${i}.xml`);
    const proc = Bun.spawn([process.execPath, "test", "--reporter=junit", `--reporter-outfile=${report}`, `./${file}`], {
      cwd: root,
      stdio: ["ignore", "inherit", "inherit"],
    });
    const code = await proc.exited;
    const counts = readCounts(report);
    passed += counts.passed;
    failed += counts.failed;
    skipped += counts.skipped;
    // A crash outside any test (a syntax error, a dying runner) still fails the run.
    if (code !== 0 && counts.failed === 0) {
      failed += 1;
      broken.push(`${file} (bun test exited ${code})`);
    } else if (counts.failed > 0) broken.push(file);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
if (broken.length > 0) console.log(`\nfailing files:\n  ${broken.join("\n  ")}`);
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
// A run whose tests were all skipped (the container tests without podman) ran what it could.
process.exit(failed > 0 || passed + skipped === 0 ? 1 : 0);

/** Counts from one junit report; none when bun wrote no report. */
function readCounts(report: string): { passed: number; failed: number; skipped: number } {
  let xml: string;
  try {
    xml = readFileSync(report, "utf8");
  } catch {
    return { passed: 0, failed: 0, skipped: 0 };
  }
  const head = /<testsuites\b[^>]*>/.exec(xml)?.[0] ?? "";
  const attr = (name: string) => Number(new RegExp(`\\b${name}="(\\d+)"`).exec(head)?.[1] ?? 0);
  const [tests, failures, skipped] = [attr("tests"), attr("failures"), attr("skipped")];
  return { passed: tests - failures - skipped, failed: failures, skipped };
}
