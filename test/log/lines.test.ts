import { expect, test } from "bun:test";
import { prefixed } from "../../src/log/format.ts";
import { LineEnds, LineSplitter, linesOf, type LogChunk } from "../../src/log/lines.ts";
import { LineRing } from "../../src/log/ring.ts";

const encode = (text: string) => new TextEncoder().encode(text);
const decode = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

/** A splitter whose quiet timer never fires during a test (the timer is stopped by `end`). */
function splitter(maxLineBytes: number) {
  return new LineSplitter("stdout", { maxLineBytes, quietMs: 60_000 }, { quiet() {} });
}

/** A deterministic pseudo-random sequence, so a failure can be replayed. */
function random(seed: number) {
  let x = seed;
  return (n: number) => {
    x = (x * 1103515245 + 12345) % 2 ** 31;
    return x % n;
  };
}

test("the splitter hands on every byte once, in order, in lines no longer than the limit, whatever the chunk boundaries", () => {
  const max = 64;
  for (let seed = 1; seed <= 20; seed++) {
    const next = random(seed);
    let text = "";
    // short lines, empty ones, lines of exactly the limit and overlong ones, and an unfinished last one
    for (let i = 0; i < 200; i++) text += "x".repeat([0, 1, 10, max - 1, max, max + 1, 3 * max + 7][next(7)]!) + "\n";
    text += "y".repeat(next(2 * max));
    const input = encode(text);
    const s = splitter(max);
    const out: LogChunk[] = [];
    for (let at = 0; at < input.length; ) {
      const size = 1 + next(3 * max);
      out.push(...s.push(input.subarray(at, at + size)));
      at += size;
    }
    out.push(...s.end());
    expect(decode(Buffer.concat(out.map((c) => c.bytes)))).toBe(text);
    for (const chunk of out) {
      expect(chunk.bytes.length).toBeGreaterThan(0);
      if (chunk.complete) {
        expect(chunk.bytes.at(-1)).toBe(10);
        for (const line of decode(chunk.bytes).slice(0, -1).split("\n")) expect(line.length).toBeLessThanOrEqual(max);
      } else {
        expect(chunk.bytes.length).toBeLessThanOrEqual(max);
        expect(chunk.bytes.includes(10)).toBe(false);
      }
    }
  }
});

test("lines read together are handed on as one run of the bytes read, not copied line by line", () => {
  const input = encode(Array.from({ length: 1000 }, (_, i) => `line ${i}\n`).join("") + "partial");
  const out = splitter(16384).push(input);
  expect(out).toHaveLength(1);
  expect(out[0]!.complete).toBe(true);
  expect(out[0]!.bytes.buffer).toBe(input.buffer);
  expect(linesOf(out[0]!)).toHaveLength(1000);
  expect(linesOf(out[0]!, 2)).toEqual(["line 998", "line 999"]);
  expect(linesOf(out[0]!, 0)).toEqual([]);
});

test("a held start of a line is completed by the next chunk's first line, ahead of the rest", () => {
  const s = splitter(16384);
  expect(s.push(encode("a\nhal"))).toEqual([{ stream: "stdout", bytes: encode("a\n"), complete: true }]);
  const out = s.push(encode("f\nb\nc\n"));
  expect(out.map((c) => decode(c.bytes))).toEqual(["half\n", "b\nc\n"]);
  expect(s.end()).toEqual([]);
});

test("console prefixes go before every line of a run and every piece, and a piece gets a newline", () => {
  const chunks: LogChunk[] = [
    { stream: "stdout", bytes: encode("one\n\nthree\n"), complete: true },
    { stream: "stdout", bytes: encode("cut"), complete: false },
    { stream: "stdout", bytes: encode("four\n"), complete: true },
  ];
  const ends = new LineEnds();
  ends.index(chunks);
  expect(ends.total).toBe(5);
  expect(decode(prefixed(encode("web | "), chunks, ends))).toBe("web | one\nweb | \nweb | three\nweb | cut\nweb | four\n");
  expect(ends.startOfLast(0, 1)).toBe("one\n\n".length);
  expect(ends.startOfLast(0, 5)).toBe(0);
});

test("the newline index grows for a batch of more lines than it had room for", () => {
  const ends = new LineEnds();
  const bytes = encode("\n".repeat(5000));
  ends.index([{ stream: "stderr", bytes, complete: true }]);
  expect(ends.total).toBe(5000);
  expect(ends.at[4999]).toBe(5000);
  expect(decode(prefixed(encode("> "), [{ stream: "stderr", bytes, complete: true }], ends))).toBe("> \n".repeat(5000));
});

test("the recent-lines ring keeps its own copy of the newest lines across pushes", () => {
  const ring = new LineRing(3);
  expect(ring.last()).toEqual([]);
  const first = encode("a\nb\n");
  ring.push(first, 2);
  first.fill(120);
  ring.push(encode("c\nd\n"), 2);
  ring.push(encode("e\n"), 1);
  expect(ring.last()).toEqual(["c", "d", "e"]);
  expect(ring.last(2)).toEqual(["d", "e"]);
  ring.clear();
  expect(ring.last()).toEqual([]);
});
