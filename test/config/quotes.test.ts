/**
 * @module test/config/quotes
 * Shell-style single quotes in command lines: which spans are spotted, and the line to write
 * instead (each span in double quotes, everything else as it was).
 */
import { describe, expect, test } from "bun:test";
import { singleQuoteHint } from "../../src/config/quotes.ts";

/** The line the hint says to write, or null when there is no hint. */
const rewrite = (raw: string, op: "=" | ":" | "+=" = "=") => singleQuoteHint("command", op, raw)?.split("; write: ")[1] ?? null;

describe("single quotes in a command line", () => {
  test.each([
    ["/bin/sh -c 'echo hi'", 'command = /bin/sh -c "echo hi"'],
    ["/usr/bin/printf '%s\\n' x", 'command = /usr/bin/printf "%s\\n" x'],
    ["/bin/app --name='a b' --x", 'command = /bin/app --name="a b" --x'],
    ["/bin/sh -c 'a' 'b c'", 'command = /bin/sh -c "a" "b c"'],
    ['/bin/sh -c \'echo "$$HOME"\'', 'command = /bin/sh -c "echo \\"$$HOME\\""'],
  ])("%s is rewritten to %s", (raw, line) => {
    expect(rewrite(raw)).toBe(line);
  });

  test("the operator is kept as written", () => {
    expect(rewrite("-c 'a b'", "+=")).toBe('command += -c "a b"');
    expect(rewrite("/bin/sh -c 'a b'", ":")).toBe('command: /bin/sh -c "a b"');
  });

  test.each([
    ['/bin/sh -c "echo \'hi there\'"'],
    ["/bin/echo it's Bob's"],
    ["/bin/echo don't"],
    ["/bin/echo \\'a b\\'"],
    ["/bin/sh -c 'unclosed"],
    ["/bin/sh -c 'a'b"],
  ])("%s is left alone", (raw) => {
    expect(singleQuoteHint("command", "=", raw)).toBeNull();
  });

  test("the hint says how many words each span makes", () => {
    expect(singleQuoteHint("command", "=", "/bin/sh -c 'exec  sleep 1' 'x'")).toContain("gets 'exec  sleep 1' as 3 words and 'x' as 1 word, quotes included");
  });
});
