import { expect, test } from "bun:test";
import { Channel } from "../../src/log/sink.ts";
import type { SystemLevel } from "../../src/log/types.ts";

function reported() {
  const lines: string[] = [];
  return { lines, report: (level: SystemLevel, message: string, service?: string) => void lines.push(`${level} ${service}: ${message}`) };
}

test("a follower that throws is dropped with one warning; the others still get every line", () => {
  const { lines, report } = reported();
  const channel = new Channel("web", report);
  const seen: string[] = [];
  channel.follow(() => {
    throw new Error("stream gone");
  });
  channel.follow((line, stream) => seen.push(`${stream}:${line}`));
  channel.notify("one", "stdout");
  channel.notify("two", "stderr");
  expect(seen).toEqual(["stdout:one", "stderr:two"]);
  expect(lines).toEqual(["warn web: a log follower failed and was dropped: Error: stream gone"]);
  expect(channel.following).toBe(true);
});

test("a stopped follower gets nothing more, and a channel without followers says so", () => {
  const channel = new Channel("web", reported().report);
  const seen: string[] = [];
  const stop = channel.follow((line) => seen.push(line));
  channel.notify("one", "stdout");
  stop();
  channel.notify("two", "stdout");
  expect(seen).toEqual(["one"]);
  expect(channel.following).toBe(false);
});

test("a sink problem is reported once when it appears, once when it changes, and once when it clears", () => {
  const { lines, report } = reported();
  const channel = new Channel("db", report);
  channel.setProblem("logfile /x: ENOSPC");
  channel.setProblem("logfile /x: ENOSPC");
  channel.setProblem("logfile /x: EACCES");
  channel.setProblem(null);
  channel.setProblem(null);
  expect(channel.problem).toBeNull();
  expect(lines).toEqual([
    "error db: logfile /x: ENOSPC",
    "error db: logfile /x: EACCES",
    "info db: log output is written again (was: logfile /x: EACCES)",
  ]);
});
