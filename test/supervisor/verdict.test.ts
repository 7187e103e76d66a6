/**
 * @module test/supervisor/verdict
 * The readiness rules over a graph of service records: what the boot set needs (depends-on,
 * depends-ms, prepared-by, transitively) and what is only optional (waits-for and what it
 * reaches), health and readiness protocols, drain and shutdown, the startup latch, and the
 * words of the one-line summary and of Kubernetes' verbose text.
 */
import { describe, expect, test } from "bun:test";
import type { DepKind } from "../../src/config/schema.ts";
import type { ServiceStatus } from "../../src/engine/types.ts";
import type { HealthView, ServiceRuntime } from "../../src/supervisor/status.ts";
import { bootReach, ready, startup, summary, verboseText, type VerdictSource } from "../../src/supervisor/verdict.ts";

type Spec = { state?: ServiceStatus["state"]; reason?: ServiceStatus["reason"]; deps?: string[]; health?: HealthView["state"]; waiting?: boolean };

/** A source over `specs` (name -> state, `kind:name` dependencies, health); boot is `boot`. */
function source(specs: Record<string, Spec>, extra: Partial<VerdictSource> = {}): VerdictSource {
  const status = (name: string): ServiceStatus | null => {
    const s = specs[name];
    if (!s) return null;
    return {
      name,
      type: "process",
      state: s.state ?? "started",
      target: "started",
      activated: false,
      pinned: null,
      pid: null,
      exit: null,
      reason: s.reason ?? null,
      cause: null,
      failure: null,
      restarts: 0,
      since: 0,
      triggered: false,
      depends: (s.deps ?? []).map((d) => ({ kind: d.split(":")[0] as DepKind, name: d.split(":")[1]! })),
      dependents: [],
      task: null,
    };
  };
  const runtime = (name: string): ServiceRuntime => {
    const s = specs[name];
    const health: HealthView | null = s?.health
      ? { state: s.health, failures: 0, lastCheck: null, duration: null, output: s.health === "healthy" ? null : "HTTP 503", checking: true, checks: { success: 0, failure: 0, timeout: 0 } }
      : null;
    return { readiness: s?.waiting ? "waiting" : null, statusText: null, health };
  };
  return { status, runtime, bootServices: ["boot"], startedOnce: false, draining: false, shuttingDown: false, ...extra };
}

describe("what the boot set needs", () => {
  test("depends-on, depends-ms and prepared-by are needed, transitively; waits-for and what only it reaches are optional", () => {
    const src = source({
      boot: { deps: ["need:web", "waits-for:extra"] },
      web: { deps: ["milestone:db", "prepared-by:setup"] },
      db: {},
      setup: {},
      extra: { deps: ["need:cache"] },
      cache: {},
    });
    const { needed, optional } = bootReach(src);
    expect([...needed].sort()).toEqual(["boot", "db", "setup", "web"]);
    expect([...optional].sort()).toEqual(["cache", "extra"]);
  });

  test("a service reached both ways is needed", () => {
    const src = source({ boot: { deps: ["waits-for:a", "need:b"] }, a: { deps: ["need:shared"] }, b: { deps: ["need:shared"] }, shared: {} });
    expect(bootReach(src).needed.has("shared")).toBe(true);
    expect([...bootReach(src).optional]).toEqual(["a"]);
  });
});

describe("ready", () => {
  test("an optional service stopped, failed or unhealthy never makes it unready; it is listed as optional", () => {
    const src = source({
      boot: { deps: ["need:web", "waits-for:a", "waits-for:b"] },
      web: { health: "healthy" },
      a: { state: "stopped", reason: "failed" },
      b: { health: "unhealthy" },
    });
    const r = ready(src);
    expect(r.ok).toBe(true);
    expect(r.services).toEqual([
      { name: "boot", ok: true, reason: null, optional: false },
      { name: "web", ok: true, reason: null, optional: false },
      { name: "a", ok: false, reason: "stopped (failed)", optional: true },
      { name: "b", ok: false, reason: "health unhealthy: HTTP 503", optional: true },
    ]);
    expect(summary(r, "ready")).toBe("ready");
  });

  test("a needed service not started, waiting for its readiness word, or not healthy makes it unready, each saying why", () => {
    const r = ready(
      source({
        boot: { deps: ["need:a", "need:b", "milestone:c", "need:d"] },
        a: { state: "starting" },
        b: { waiting: true },
        c: { state: "stopped", reason: "timed-out" },
        d: { health: "starting" },
      }),
    );
    expect(r.ok).toBe(false);
    expect(summary(r, "ready")).toBe(
      "not ready: a: starting; b: started, waiting for its readiness notification; c: stopped (timed-out); d: health starting: HTTP 503",
    );
  });

  test("a stop that was asked for is just stopped; a service not loaded says so", () => {
    const r = ready(source({ boot: { deps: ["need:a", "need:gone"] }, a: { state: "stopped", reason: "normal" } }));
    expect(r.services.filter((s) => !s.ok).map((s) => s.reason)).toEqual(["stopped", "not loaded"]);
  });

  test("draining and shutting down are never ready, whatever the services", () => {
    const specs = { boot: {} };
    expect(ready(source(specs, { draining: true })).services[0]).toEqual({ name: "bosun", ok: false, reason: "draining before shutdown", optional: false });
    expect(ready(source(specs, { shuttingDown: true })).ok).toBe(false);
    expect(ready(source(specs)).ok).toBe(true);
  });
});

describe("startup", () => {
  test("not started until every boot service is; once it finished starting it stays ok", () => {
    const specs: Record<string, Spec> = { boot: { state: "starting" } };
    expect(startup(source(specs)).ok).toBe(false);
    specs.boot!.state = "stopped";
    expect(startup(source(specs, { startedOnce: true }))).toEqual({ ok: true, services: [{ name: "boot", ok: true, reason: null, optional: false }] });
  });
});

describe("verbose text", () => {
  test("Kubernetes' form: [+]name ok, [-]name failed: reason, optional marked, then the check's verdict", () => {
    const r = ready(source({ boot: { deps: ["need:web", "waits-for:extra", "waits-for:spare"] }, web: { state: "starting" }, extra: { state: "stopped" }, spare: {} }));
    expect(verboseText(r, "readyz")).toBe(
      [
        "[+]boot ok",
        "[-]web failed: starting",
        "[-]extra failed: stopped (optional: not counted)",
        "[+]spare ok (optional)",
        "readyz check failed",
        "",
      ].join("\n"),
    );
  });
});
