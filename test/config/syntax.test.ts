/**
 * @module test/config/syntax
 * The lexer and the value reader: dinit's line forms, comments, continuation lines, quoting
 * and backslash escapes, with the corner cases dinit itself decides.
 */
import { describe, expect, test } from "bun:test";
import { lex } from "../../src/config/lexer.ts";
import { readValue, ValueError } from "../../src/config/value.ts";

const only = (text: string) => {
  const r = lex(text, "/s/x");
  expect(r.problems).toEqual([]);
  return r.statements;
};

describe("lexer", () => {
  test("reads '=', ':' and '+=' settings with their line numbers", () => {
    expect(only("type = process\n\ndepends-on: db\ncommand += -v\n")).toEqual([
      { kind: "setting", name: "type", op: "=", value: "process", line: 1 },
      { kind: "setting", name: "depends-on", op: ":", value: "db", line: 3 },
      { kind: "setting", name: "command", op: "+=", value: "-v", line: 4 },
    ]);
  });

  test("allows no space around the operator and aligned columns", () => {
    expect(only("type=process\nrestart      =   false\n").map((s) => s.kind === "setting" && [s.name, s.value])).toEqual([
      ["type", "process"],
      ["restart", "false"],
    ]);
  });

  test("skips comment lines and blank lines, including indented comments", () => {
    expect(only("# top\n   # indented\n\n\t\ntype = internal\n")).toHaveLength(1);
  });

  test("joins a backslash-continued line whose next line starts with whitespace", () => {
    const [s] = only("command = /bin/echo a \\\n    b\n");
    expect(s).toMatchObject({ name: "command", value: "/bin/echo a \n    b", line: 1 });
    expect(readValue((s as { value: string }).value).parts).toEqual(["/bin/echo", "a", "b"]);
  });

  test("an even number of trailing backslashes is an escaped backslash, not a continuation", () => {
    const st = only("command = /bin/echo a\\\\\ntype = process\n");
    expect(st).toHaveLength(2);
    expect(readValue((st[0] as { value: string }).value).parts).toEqual(["/bin/echo", "a\\"]);
  });

  test("a continued line that does not start with whitespace is an error at that line", () => {
    const r = lex("command = a \\\nb = c\n", "/s/x");
    expect(r.problems).toEqual([expect.objectContaining({ file: "/s/x", line: 2, severity: "error" })]);
    expect(r.problems[0]!.message).toContain("begins with whitespace");
  });

  test("a backslash on the last line is an error", () => {
    const r = lex("command = a \\", "/s/x");
    expect(r.problems[0]).toMatchObject({ line: 1 });
    expect(r.problems[0]!.message).toContain("ends right after");
  });

  test("reads @include, @include-opt and @meta", () => {
    expect(only("@include common\n@include-opt local.conf\n@meta enable-via net\n")).toEqual([
      { kind: "include", optional: false, value: "common", line: 1 },
      { kind: "include", optional: true, value: "local.conf", line: 2 },
      { kind: "meta", value: "enable-via net", line: 3 },
    ]);
  });

  test("an unknown meta-command is an error naming it", () => {
    const r = lex("@import x\n", "/s/x");
    expect(r.problems[0]).toMatchObject({ line: 1 });
    expect(r.problems[0]!.message).toContain("'@import'");
  });

  test("a line without an operator is a badly formed line at its number, and lexing goes on", () => {
    const r = lex("type = process\njust words\n+= x\ncommand = /bin/true\n", "/s/x");
    expect(r.problems.map((p) => p.line)).toEqual([2, 3]);
    expect(r.statements.map((s) => s.line)).toEqual([1, 4]);
  });

  test("CRLF line endings load like LF ones", () => {
    expect(only("type = process\r\ncommand = /bin/true\r\n").map((s) => s.kind === "setting" && s.value)).toEqual(["process", "/bin/true"]);
  });

  test("a NUL byte makes the line an error instead of a setting", () => {
    const r = lex("type = pro\0cess\n", "/s/x");
    expect(r.problems[0]!.message).toContain("NUL");
  });
});

describe("value reader", () => {
  test("collapses whitespace between parts", () => {
    expect(readValue("/bin/echo   a\t b")).toEqual({ parts: ["/bin/echo", "a", "b"], text: "/bin/echo a b" });
  });

  test("double quotes keep whitespace and '#' and join with adjacent text", () => {
    expect(readValue(`a"b  c"d "#x" ""`).parts).toEqual(["ab  cd", "#x", ""]);
  });

  test("single quotes are ordinary characters", () => {
    expect(readValue(`/bin/sh -c 'echo a'`).parts).toEqual(["/bin/sh", "-c", "'echo", "a'"]);
  });

  test("a backslash takes the next character literally, inside and outside quotes", () => {
    expect(readValue(`a\\ b "x\\"y" \\# \\\\`).parts).toEqual(["a b", 'x"y', "#", "\\"]);
  });

  test("a comment after whitespace ends the value", () => {
    expect(readValue("process   # the type").parts).toEqual(["process"]);
  });

  test("a comment inside a continued value ends only its own line", () => {
    expect(readValue("a # one\n   b").parts).toEqual(["a", "b"]);
  });

  test("a '#' glued to a value is refused like dinit does", () => {
    expect(() => readValue("value#comment")).toThrow(ValueError);
    expect(() => readValue("value#comment")).toThrow("separated from the value by whitespace");
  });

  test("an unterminated quote is an error", () => {
    expect(() => readValue(`"abc`)).toThrow("unterminated quoted string");
  });

  test("an empty value has no parts", () => {
    expect(readValue("")).toEqual({ parts: [], text: "" });
  });
});
