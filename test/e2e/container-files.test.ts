/**
 * @module test/e2e/container-files
 * container/'s three files agree with each other and with bosun, without running anything:
 * every image target ends with the same ENTRYPOINT, STOPSIGNAL and HEALTHCHECK; compose's
 * healthcheck is the image's; both runtimes' grace periods outlast bosun's own shutdown (its stop
 * grace, which holds the drain).
 */
import { expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";

const dir = join(import.meta.dir, "..", "..", "container");
const read = (file: string) => readFileSync(join(dir, file), "utf8");

interface Stage {
  name: string;
  from: string;
  instructions: Map<string, string>;
}

/** The Containerfile's stages in order, each with its last value of each instruction. */
function stages(text: string): Stage[] {
  const out: Stage[] = [];
  for (const line of text.split("\n")) {
    const m = /^([A-Z]+)\s+(.*)$/.exec(line.trim());
    if (!m) continue;
    const [, word, rest] = m as unknown as [string, string, string];
    if (word === "FROM") {
      const [from, , name] = rest.split(/\s+/);
      out.push({ name: name ?? "", from: from!, instructions: new Map() });
    } else out.at(-1)?.instructions.set(word, rest);
  }
  return out;
}

/** An instruction's value for a target, following its FROM chain through earlier stages. */
function inherited(all: Stage[], target: string, word: string): string | undefined {
  const stage = all.find((s) => s.name === target);
  if (!stage) return undefined;
  return stage.instructions.get(word) ?? inherited(all, stage.from, word);
}

const containerfile = stages(read("Containerfile"));
const compose = Bun.YAML.parse(read("compose.yaml")) as {
  services: { bosun: { stop_signal: string; stop_grace_period: string; healthcheck: { test: string[] }; environment: Record<string, string>; build: { dockerfile: string } } };
};
const kube = Bun.YAML.parse(read("kubernetes.yaml")) as {
  spec: { template: { spec: { terminationGracePeriodSeconds: number; containers: { env: { name: string; value: string }[] }[] } } };
};

test("every image target runs bosun boot -- as PID 1 with SIGTERM to stop and bosun health to check, and the default target compiles", () => {
  for (const target of ["runtime", "prebuilt", "bun", "bun-prebuilt"]) {
    expect({ target, entrypoint: inherited(containerfile, target, "ENTRYPOINT") }).toEqual({ target, entrypoint: '["bosun", "boot", "--"]' });
    expect({ target, stop: inherited(containerfile, target, "STOPSIGNAL") }).toEqual({ target, stop: "SIGTERM" });
    expect({ target, health: inherited(containerfile, target, "HEALTHCHECK") }).toEqual({ target, health: 'CMD ["bosun", "health"]' });
  }
  expect(containerfile.at(-1)!.name).toBe("runtime");
  expect(inherited(containerfile, "runtime", "COPY")).toContain("--from=build");
});

test("compose builds that Containerfile and checks and stops the container as the image does", () => {
  const svc = compose.services.bosun;
  expect(svc.build.dockerfile).toBe("container/Containerfile");
  expect(svc.stop_signal).toBe(inherited(containerfile, "runtime", "STOPSIGNAL")!);
  const health = JSON.parse(inherited(containerfile, "runtime", "HEALTHCHECK")!.replace(/^CMD /, ""));
  expect(svc.healthcheck.test).toEqual(["CMD", ...health]);
});

test("the runtimes' grace periods outlast bosun's stop grace, which holds its drain delay", () => {
  const svc = compose.services.bosun;
  const composeGrace = Number(/^(\d+)s$/.exec(svc.stop_grace_period)?.[1]);
  expect(composeGrace).toBeGreaterThan(Number(svc.environment.BOSUN_STOP_GRACE));
  expect(Number(svc.environment.BOSUN_STOP_GRACE)).toBeGreaterThan(Number(svc.environment.BOSUN_DRAIN_DELAY));
  const pod = kube.spec.template.spec;
  const env = Object.fromEntries(pod.containers[0]!.env.map((e) => [e.name, e.value]));
  expect(pod.terminationGracePeriodSeconds).toBeGreaterThan(Number(env.BOSUN_STOP_GRACE));
  expect(Number(env.BOSUN_STOP_GRACE)).toBeGreaterThan(Number(env.BOSUN_DRAIN_DELAY));
});
