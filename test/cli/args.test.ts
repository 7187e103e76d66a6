/**
 * bosun's flag splitter against node's `util.parseArgs` (strict, positionals allowed), which it
 * stands in for: every argv of up to three words from a vocabulary of the forms people type
 * (long, long=value, short, grouped shorts, glued values, `--`, `-`, unknown flags, values
 * that look like flags) gives the same flags and positionals, or is refused by both.
 */
import { expect, test } from "bun:test";
import { parseArgs } from "node:util";
import { splitArgs, type FlagSpec } from "../../src/cli/args.ts";

const options: Record<string, FlagSpec> = {
  socket: { type: "string", short: "p" },
  json: { type: "boolean" },
  follow: { type: "boolean", short: "f" },
  quiet: { type: "boolean", short: "q" },
  lines: { type: "string", short: "n" },
  "services-dir": { type: "string", short: "d", multiple: true },
  "no-wait": { type: "boolean" },
};

const words = [
  "web", "-", "--", "--json", "--json=1", "--socket", "--socket=/s", "--socket=", "-p", "-p/s", "-p=",
  "-fq", "-fn", "-fn5", "-nf", "-qfx", "-x", "-5", "--frob", "--frob=1", "--no-wait", "--lines", "-d",
  "--services-dir=a", "-db", "--constructor", "--__proto__=x",
];

/** node's answer, or "refused". */
function node(argv: string[]): unknown {
  try {
    const r = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
    return { values: { ...r.values }, positionals: r.positionals };
  } catch {
    return "refused";
  }
}

function ours(argv: string[]): unknown {
  try {
    const r = splitArgs(argv, options);
    return { values: { ...r.values }, positionals: r.positionals };
  } catch {
    return "refused";
  }
}

test("splits every argv of up to three words as node's parseArgs does, or refuses it as node does", () => {
  const argvs: string[][] = [[]];
  for (let length = 1; length <= 3; length++) {
    for (const prefix of argvs.filter((a) => a.length === length - 1)) for (const w of words) argvs.push([...prefix, w]);
  }
  let refused = 0;
  for (const argv of argvs) {
    const expected = node(argv);
    expect({ argv, got: ours(argv) }).toEqual({ argv, got: expected });
    if (expected === "refused") refused++;
  }
  // both outcomes are well represented, so neither side of the comparison is vacuous
  expect(refused).toBeGreaterThan(argvs.length / 4);
  expect(argvs.length - refused).toBeGreaterThan(argvs.length / 10);
});

test("a refusal names the flag and what is wrong with it", () => {
  const refusal = (argv: string[]) => {
    try {
      splitArgs(argv, options);
    } catch (e) {
      return (e as Error).message;
    }
    return "accepted";
  };
  expect(refusal(["--frob", "web"])).toBe("Unknown option '--frob'");
  expect(refusal(["-qx"])).toBe("Unknown option '-x'");
  expect(refusal(["--constructor"])).toBe("Unknown option '--constructor'");
  expect(refusal(["-p"])).toBe("Option '-p, --socket <value>' argument missing");
  expect(refusal(["--json=yes"])).toBe("Option '--json' does not take an argument");
  expect(refusal(["--lines", "-5"])).toBe("Option '--lines' argument is ambiguous: to give a value starting with '-', write --lines=-5");
});
