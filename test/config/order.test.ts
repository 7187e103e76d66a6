/**
 * @module test/config/order
 * The ordering rule and the cycle search that `check`, the loader and the engine share, over
 * plain links (the callers' own graphs are tested in test/config/loader and test/engine/runtime).
 */
import { describe, expect, test } from "bun:test";
import { cyclePath, findCycles, ordering, waitedOnBy, waitsFor, type OrderLink } from "../../src/config/order.ts";

/** Links at a service, from a flat list (what both callers build from their own records). */
function graph(links: OrderLink[]) {
  return (name: string) => links.filter((l) => l.from === name || l.to === name);
}

describe("the ordering rule", () => {
  test("a service waits for what it depends on (any kind), what it is after, and what is before it", () => {
    for (const kind of ["need", "milestone", "waits-for", "prepared-by", "after"] as const) {
      expect(ordering({ from: "web", to: "db", kind })).toEqual({ waiter: "web", first: "db" });
    }
    expect(ordering({ from: "db", to: "web", kind: "before" })).toEqual({ waiter: "web", first: "db" });
  });

  test("waitsFor and waitedOnBy split the links at a service by which end waits", () => {
    const at = graph([
      { from: "web", to: "db", kind: "need" },
      { from: "web", to: "log", kind: "before" },
      { from: "cache", to: "web", kind: "before" },
      { from: "api", to: "web", kind: "after" },
    ])("web");
    expect(waitsFor(at, "web").map((l) => ordering(l).first)).toEqual(["db", "cache"]);
    expect(waitedOnBy(at, "web").map((l) => ordering(l).waiter)).toEqual(["log", "api"]);
  });
});

describe("the cycle search", () => {
  test("an ordering that agrees with a dependency is no cycle; one that contradicts it is", () => {
    const agreeing = graph([{ from: "a", to: "b", kind: "need" }, { from: "b", to: "a", kind: "before" }]);
    expect(findCycles(agreeing, ["a", "b"])).toEqual([]);
    const looping = graph([{ from: "a", to: "b", kind: "need" }, { from: "a", to: "b", kind: "before" }]);
    expect(findCycles(looping, ["a", "b"]).map(cyclePath)).toEqual([["a", "b", "a"]]);
  });

  test("each loop is reported once, by the link that closes it, even a service after itself", () => {
    const at = graph([
      { from: "a", to: "b", kind: "need" },
      { from: "b", to: "a", kind: "waits-for" },
      { from: "c", to: "d", kind: "after" },
      { from: "d", to: "c", kind: "milestone" },
      { from: "e", to: "e", kind: "after" },
    ]);
    const cycles = findCycles(at, ["a", "b", "c", "d", "e"]);
    expect(cycles.map(cyclePath)).toEqual([["a", "b", "a"], ["c", "d", "c"], ["e", "e"]]);
    expect(cycles.map((c) => c[c.length - 1])).toEqual([
      { from: "b", to: "a", kind: "waits-for" },
      { from: "d", to: "c", kind: "milestone" },
      { from: "e", to: "e", kind: "after" },
    ]);
  });
});
