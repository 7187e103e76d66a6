/**
 * Bad usage of every command and flag, table-driven: exit 2, the command's usage line, and a
 * sentence of bosun's own saying what is missing or wrong (never valibot's raw text such as
 * "Invalid type: Expected string but received undefined"). No daemon is needed: the arguments
 * are refused before anything is asked.
 */
import { describe, expect, test } from "bun:test";
import { runCli } from "../support/cli.ts";

/** [argv, words the sentence must contain]. */
const cases: [string[], string][] = [
  // one NAME
  ...["status", "start", "stop", "restart", "wake", "release", "unpin", "reload", "unload", "trigger", "untrigger", "enable", "disable", "is-started", "is-failed", "logs", "run"].flatMap(
    (cmd): [string[], string][] => [
      [[cmd], "give the service NAME"],
      [[cmd, "a", "b"], "'b': give exactly one service NAME"],
      [[cmd, "../etc"], "'../etc': a service name is"],
      [[cmd, "--frobnicate", "a"], "Unknown option '--frobnicate'"],
    ],
  ),
  // no arguments
  ...["list", "shutdown", "events", "info"].map((cmd): [string[], string] => [[cmd, "x"], `'x': ${cmd} takes no arguments`]),
  [["health", "web", "db"], "give at most one service NAME"],
  [["health", "../etc"], "'../etc': a service name is"],
  [["signal"], "give the signal SIG"],
  [["signal", "FOO", "app"], "'FOO': no such signal (bosun signal --list shows them)"],
  [["signal", "99", "app"], "'99': no such signal"],
  [["signal", "HUP"], "give the service NAME"],
  [["signal", "--list", "x"], "'x': --list takes no arguments"],
  [["add-dep"], "give TYPE: need, milestone or waits-for"],
  [["add-dep", "frob", "a", "b"], "'frob': give TYPE: need, milestone or waits-for"],
  [["add-dep", "need", "a"], "give TO"],
  [["rm-dep", "need"], "give FROM"],
  [["setenv"], "give at least one NAME=VALUE"],
  [["setenv", "novalue"], "'novalue': each argument is NAME=VALUE"],
  [["unsetenv", "1BAD"], "'1BAD': a variable NAME is letters, digits and '_'"],
  [["logs", "-n", "x", "web"], "--lines: LINES is a whole number"],
  [["logs", "-n", "200000", "web"], "--lines: LINES is at most 100000"],
  [["logs", "-f", "--json", "web"], "--json cannot be combined with -f"],
  [["boot", "--max-starting", "x"], "--max-starting: a whole number of services, at least 1"],
  [["boot", "--max-starting", "0"], "--max-starting: at least 1"],
  [["boot", "--stop-grace", "soon"], "--stop-grace: seconds, 0 or more"],
  [["boot", "--drain-delay", "1m"], "--drain-delay: seconds, 0 or more"],
  [["boot", "--starting-grace", "soon"], "--starting-grace: seconds, 0 or more"],
  [["boot", "--log-format", "xml"], "--log-format: the log format is text or json"],
  [["boot", "--health-listen", "nowhere"], "--health-listen: HOST:PORT"],
  [["boot", "--health-listen", ":99999"], "--health-listen: HOST:PORT"],
  [["boot", "-q", "-v"], "--quiet and --verbose exclude each other"],
  [["boot", "-p"], "argument missing"],
  [["check", "../x"], "'../x': a service name is"],
  [["graph", "--format", "png"], "--format: --format is dot or mermaid"],
];

describe("bad usage is exit 2 with the usage line and a sentence of bosun's own", () => {
  test.each(cases)("bosun %p", async (argv, words) => {
    const r = await runCli(argv);
    expect({ argv, code: r.code }).toEqual({ argv, code: 2 });
    const [sentence, usage] = r.stderr.split("\n");
    expect(sentence).toStartWith(`bosun ${argv[0]}: `);
    expect(sentence).toContain(words);
    expect(usage).toStartWith(`usage: bosun ${argv[0]}`);
    expect(r.stderr).not.toMatch(/Invalid (type|key|length|value|number)|Expected |Received /);
  });
});

test("an environment variable standing for a boot flag is checked like the flag", async () => {
  for (const [name, value, words] of [
    ["BOSUN_LOG_FORMAT", "xml", "the log format is text or json"],
    ["BOSUN_HEALTH_LISTEN", "nowhere", "HOST:PORT"],
    ["BOSUN_VERBOSITY", "loud", "the verbosity is quiet, normal or verbose"],
    ["BOSUN_MAX_STARTING", "many", "a whole number of services"],
    ["BOSUN_SERVICES", "web ../x", "a service name is"],
    ["BOSUN_STOP_GRACE", "soon", "seconds"],
  ]) {
    const r = await runCli(["boot"], { [name!]: value! });
    expect(r.code).toBe(2);
    expect(r.stderr).toStartWith(`bosun boot: ${name}=${value}: `);
    expect(r.stderr).toContain(words!);
  }
});

test("--version prints bosun's version from package.json, the same from source and compiled", async () => {
  const pkg = (await Bun.file(`${import.meta.dir}/../../package.json`).json()) as { version: string };
  const r = await runCli(["--version"]);
  expect(r.code).toBe(0);
  expect(r.stdout).toBe(`bosun ${pkg.version}\n`);
});
