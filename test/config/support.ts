/**
 * @module test/config/support
 * What the loader's tests share: a loader over service files written to a fresh temp dir, and
 * the problems a refused load reports.
 */
import { createLoader } from "../../src/config/loader.ts";
import { ConfigError, type Problem } from "../../src/config/problems.ts";
import { tempDir, type Files } from "../support/files.ts";

/**
 * A loader over `files` in a fresh temp dir (removed by removeTempDirs), with `env` as bosun's
 * environment; and that directory.
 *
 * @example
 * const { dir, loader } = loaderFor({ web: "type = process\ncommand = /bin/sleep 1\n" });
 * expect(loader.load("web").file).toBe(join(dir, "web"));
 */
export function loaderFor(files: Files, env: Record<string, string> = {}) {
  const dir = tempDir(files);
  return { dir, loader: createLoader({ dirs: [dir], env }) };
}

/**
 * The problems of the ConfigError `fn` throws; fails the test when it throws nothing or
 * something else.
 *
 * @example
 * expect(problemsOf(() => loader.load("web"))).toEqual([expect.objectContaining({ line: 2 })]);
 */
export function problemsOf(fn: () => unknown): Problem[] {
  try {
    fn();
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
  throw new Error("expected a ConfigError");
}
