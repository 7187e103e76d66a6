/**
 * @module test/config/fuzz
 * Thousands of random and mutated service files through the loader and the checker: only
 * clean problems may come out (a location, a message, no stack trace), never an exception of
 * another kind, and never a hang. The generator is seeded; a failure prints its seed and case.
 */
import { afterAll, expect, test } from "bun:test";
import { readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { checkServices } from "../../src/config/check.ts";
import { createLoader } from "../../src/config/loader.ts";
import { ConfigError, type Problem } from "../../src/config/problems.ts";
import { SETTINGS } from "../../src/config/settings.ts";
import { removeTempDirs, tempDir } from "../support/files.ts";

afterAll(removeTempDirs);

const SEED = Number(process.env.BOSUN_FUZZ_SEED ?? 20261124);
const CASES = Number(process.env.BOSUN_FUZZ_CASES ?? 2000);

/** mulberry32: small, seedable, good enough to pick test inputs. */
function prng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function seedsFrom(dir: string, out: string[]): string[] {
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    const st = statSync(path, { throwIfNoEntry: false });
    if (st?.isDirectory()) seedsFrom(path, out);
    else if (st?.isFile() && st.size < 10000) out.push(readFileSync(path, "utf8"));
  }
  return out;
}

const ROOT = join(import.meta.dir, "../..");
const SEEDS = [...seedsFrom(join(ROOT, "services"), []), ...seedsFrom(join(ROOT, "test/fixtures/config"), [])];
const NAMES = Object.keys(SETTINGS);
const SHARDS = ['"', "\\", "$", "$$", "${", "}", "$/", "$1", "#", " #", ":", "=", "+=", "@", "\n", "\t", " \\\n ", "\0", "\r\n", "é", "\u00ff", "../", "/", ".", "-"];
const WORDS = ["a", "b", "svc", "yes", "no", "process", "internal", "scripted", "bgprocess", "1", "-1", "0x10", "99999999999999999999", "1.5", "512M", "50%", "pipefd:3", "pipevar:X", "notify", "/bin/true", "./x", "@include a", "@include-opt b", "@meta enable-via a", "a@b", ".hidden", "x/y", "${X:-d}", "$/X", "TERM", "none", "max", "143:0", "*/5 * * * *"];

function generated(rand: () => number): string {
  const pick = <T,>(xs: T[]) => xs[Math.floor(rand() * xs.length)]!;
  const lines: string[] = [];
  const n = Math.floor(rand() * 12);
  for (let i = 0; i < n; i++) {
    const r = rand();
    if (r < 0.1) lines.push(`# ${pick(WORDS)}`);
    else if (r < 0.2) lines.push(pick(WORDS.filter((w) => w.startsWith("@"))));
    else {
      const words = Array.from({ length: 1 + Math.floor(rand() * 4) }, () => (rand() < 0.2 ? pick(SHARDS) : pick(WORDS))).join(" ");
      lines.push(`${pick(NAMES)} ${pick(["=", ":", "+=", " = "])} ${words}`);
    }
  }
  return lines.join("\n") + (rand() < 0.8 ? "\n" : "");
}

function mutated(rand: () => number): string {
  const pick = <T,>(xs: T[]) => xs[Math.floor(rand() * xs.length)]!;
  let text = pick(SEEDS);
  const edits = 1 + Math.floor(rand() * 5);
  for (let i = 0; i < edits; i++) {
    const at = Math.floor(rand() * (text.length + 1));
    const r = rand();
    if (r < 0.35) text = text.slice(0, at) + pick(SHARDS) + text.slice(at);
    else if (r < 0.55) text = text.slice(0, at) + text.slice(at + 1 + Math.floor(rand() * 8));
    else if (r < 0.7) text = text.slice(0, at) + String.fromCharCode(Math.floor(rand() * 256)) + text.slice(at + 1);
    else if (r < 0.85) text = text.slice(0, at);
    else text = text + text.slice(at);
  }
  return text;
}

/** A problem that is a clean value: a location or null, a message without a stack trace. */
function assertClean(p: Problem, context: string): void {
  const ok =
    (p.severity === "error" || p.severity === "warning") &&
    typeof p.message === "string" &&
    p.message.length > 0 &&
    !/\n\s+at |\[object |undefined/.test(p.message) &&
    (p.line === null || (Number.isInteger(p.line) && p.line > 0)) &&
    (p.file === null || typeof p.file === "string");
  if (!ok) throw new Error(`unclean problem ${JSON.stringify(p)} for ${context}`);
}

test(`${CASES} random and mutated service files give only clean problems`, () => {
  const rand = prng(SEED);
  const dir = tempDir({});
  let loaded = 0;
  let refused = 0;
  for (let i = 0; i < CASES; i++) {
    const files = { svc: rand() < 0.5 ? generated(rand) : mutated(rand), a: generated(rand), b: mutated(rand), X: generated(rand) };
    for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
    const context = `seed ${SEED} case ${i}: ${JSON.stringify(files.svc).slice(0, 300)}`;
    try {
      const loader = createLoader({ dirs: [dir], env: { X: "x y" } });
      loader.loadAll(["svc", "svc@arg"]);
      loader.warnings().forEach((w) => assertClean(w, context));
      loaded++;
    } catch (e) {
      if (!(e instanceof ConfigError)) throw new Error(`${context}: ${(e as Error).stack}`);
      expect(e.problems.length).toBeGreaterThan(0);
      e.problems.forEach((p) => assertClean(p, context));
      refused++;
    }
    if (i % 10 === 0) checkServices({ dirs: [dir], env: {} }, ["svc"]).forEach((p) => assertClean(p, context));
  }
  // Both outcomes must occur, or the generator is not exercising the loader.
  expect(loaded).toBeGreaterThan(CASES / 20);
  expect(refused).toBeGreaterThan(CASES / 4);
  // A few seconds alone; the margin is for a machine busy with other test runs.
}, 60_000);
