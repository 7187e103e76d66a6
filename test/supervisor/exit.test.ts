/**
 * The exit policy over the events of a real (pure) engine driven by the fakes: which code bosun
 * ends with and when a service's end starts the shutdown.
 */
import { expect, test } from "bun:test";
import type { ServiceDescription } from "../../src/config/schema.ts";
import type { Engine } from "../../src/engine/types.ts";
import { describeStop } from "../../src/supervisor/announce.ts";
import { exitStep, type ExitState, type ExitStep } from "../../src/supervisor/exit.ts";
import { harness, svc, type Harness } from "../engine/fakes.ts";

/** Folds every event through the policy as the supervisor does; returns each step that did something. */
function watch(h: Harness, boot: string[]): { state: ExitState; steps: ExitStep[] } {
  const state = { code: null as number | null, bootSet: new Set(boot), everStarted: new Set<string>(), mainOverride: null as string | null };
  const steps: ExitStep[] = [];
  h.engine.subscribe((e) => {
    if (e.to === "started") state.everStarted.add(e.service);
    const desc = h.engine.description(e.service);
    const step = exitStep(e, desc, state, h.engine.shuttingDown, describeStop(e, desc?.type ?? null));
    state.code = step.code;
    if (step.shutdown || step.error) steps.push(step);
  });
  return { state, steps };
}

/** Starts `name` and lets the fake launcher report it ready. */
function up(h: Harness, name: string): void {
  h.engine.start(name);
  h.engine.launched(name, 100);
  h.engine.ready(name);
}

const main = (extra: Partial<ServiceDescription> = {}) => svc("main", { type: "process", main: true, restart: "no", ...extra });

test("a main service that exits decides the code and starts the shutdown", () => {
  const h = harness([main()]);
  const { state, steps } = watch(h, ["main"]);
  up(h, "main");
  h.engine.exited("main", { code: 3, signal: null });
  expect(state.code).toBe(3);
  expect(steps).toEqual([{ code: 3, shutdown: "main service main ended, exit code 3", error: null }]);
});

test("a main killed by a signal gives 128+N, mapped by exit-code-map", () => {
  const h = harness([main({ exitCodeMap: { "143": 0 } })]);
  const { state } = watch(h, ["main"]);
  up(h, "main");
  h.engine.exited("main", { code: null, signal: "TERM" });
  expect(state.code).toBe(0);

  const k = harness([main()]);
  const killed = watch(k, ["main"]);
  up(k, "main");
  k.engine.exited("main", { code: null, signal: "KILL" });
  expect(killed.state.code).toBe(137);
});

test("a boot service that stops before it ever started fails the boot with code 1", () => {
  const h = harness([svc("app", { type: "process", restart: "no" })]);
  const { state, steps } = watch(h, ["app"]);
  h.engine.start("app");
  h.engine.launchFailed("app", { stage: "exec", errno: "ENOENT", message: "exec: ENOENT (no such file: /bin/app)" });
  expect(state.code).toBe(1);
  expect(steps[0]?.shutdown).toBe("boot failed");
  expect(steps[0]?.error).toBe("cannot boot: app: failed to start: exec: ENOENT (no such file: /bin/app)");
});

test("the first main to end decides; what ends during the shutdown changes nothing", () => {
  const h = harness([main(), svc("side", { type: "process", restart: "no" })]);
  const { state, steps } = watch(h, ["main", "side"]);
  up(h, "main");
  up(h, "side");
  h.engine.exited("main", { code: 5, signal: null });
  h.engine.shutdown();
  h.engine.exited("side", { code: 1, signal: null });
  expect(state.code).toBe(5);
  expect(steps.filter((s) => s.shutdown !== null)).toHaveLength(1);
});

test("without a main service the code stays undecided (an orderly shutdown gives 0)", () => {
  const h = harness([svc("app", { type: "process", restart: "no" })]);
  const { state } = watch(h, ["app"]);
  up(h, "app");
  (h.engine as Engine).shutdown();
  h.engine.exited("app", { code: null, signal: "TERM" });
  expect(state.code).toBeNull();
});
