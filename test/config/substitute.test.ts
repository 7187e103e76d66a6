/**
 * @module test/config/substitute
 * Variable substitution: every form dinit has, word splitting, `$$`, `$1`, and the errors.
 */
import { describe, expect, test } from "bun:test";
import { substituteText, substituteWords, type Resolver } from "../../src/config/substitute.ts";

const env: Record<string, string> = { HOME: "/root", EMPTY: "", OPTS: "  -a   -b  ", ONE: "x" };
const r: Resolver = { lookup: (n) => env[n], arg: "tty1" };
const words = (...parts: string[]) => substituteWords(parts, r);

describe("substitution", () => {
  test("$NAME and ${NAME} substitute inside a word", () => {
    expect(words("$HOME/x", "a${ONE}b")).toEqual(["/root/x", "axb"]);
  });

  test("a name ends at the first character that cannot be in a variable name", () => {
    expect(words("$HOME.d", "$ONE-x")).toEqual(["/root.d", "x-x"]);
  });

  test("an unset variable substitutes as empty and still makes an argument", () => {
    expect(words("a", "$UNSET", "b")).toEqual(["a", "", "b"]);
  });

  test("${NAME:-w} uses w when unset or empty; ${NAME-w} only when unset", () => {
    expect(words("${UNSET:-w}", "${EMPTY:-w}", "${UNSET-w}", "${EMPTY-w}", "${ONE:-w}")).toEqual(["w", "w", "w", "", "x"]);
  });

  test("${NAME:+w} uses w when set and non-empty; ${NAME+w} when set at all", () => {
    expect(words("${ONE:+w}", "${EMPTY:+w}", "${EMPTY+w}", "${UNSET+w}")).toEqual(["w", "", "w", ""]);
  });

  test("$/NAME splits the value into words and drops empty ones", () => {
    expect(words("run", "$/OPTS", "end")).toEqual(["run", "-a", "-b", "end"]);
    expect(words("run", "$/UNSET", "end")).toEqual(["run", "end"]);
  });

  test("$/NAME glued to text joins the first and last words to it", () => {
    expect(words("x$/OPTS.y")).toEqual(["x", "-a", "-b", ".y"]);
    env.TWO = "a b";
    expect(words("x$/TWO.y")).toEqual(["xa", "b.y"]);
  });

  test("$$ is a literal dollar and is not substituted again", () => {
    expect(words("$$HOME", "$$$$", "a$$1")).toEqual(["$HOME", "$$", "a$1"]);
  });

  test("$1 and ${1} are the template argument", () => {
    expect(words("/dev/$1", "${1}")).toEqual(["/dev/tty1", "tty1"]);
  });

  test("$1 without an argument is an error, but ${1:-w} is not", () => {
    const plain: Resolver = { lookup: () => undefined, arg: null };
    expect(() => substituteWords(["$1"], plain)).toThrow("not a template instance");
    expect(substituteWords(["${1:-none}"], plain)).toEqual(["none"]);
  });

  test("$2 is refused: a service has one argument", () => {
    expect(() => words("$2")).toThrow("one argument only");
  });

  test("a '$' not followed by a name is an error that suggests '$$'", () => {
    for (const bad of ["$", "a$", "$-x", "$.x", "${}", "$ x"]) {
      expect(() => words(bad)).toThrow("'$$'");
    }
  });

  test("malformed braces are errors", () => {
    expect(() => words("${HOME")).toThrow("unmatched '{'");
    expect(() => words("${HOME:x}")).toThrow("':' must be followed by '-' or '+'");
    expect(() => words("${HOME:-x")).toThrow("unmatched '{'");
  });

  test("a one-word value substitutes as a whole", () => {
    expect(substituteText("logger@$1", r)).toBe("logger@tty1");
  });
});
