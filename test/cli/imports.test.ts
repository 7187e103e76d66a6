/**
 * A control command loads no daemon code: the import graph of the control commands, read from
 * the sources as the bundler reads them, reaches only the CLI's own modules, the client and
 * the answer schemas, and a short list of pure helpers shared with the daemon (names, wordings,
 * shapes). What every control command loads before it knows what it needs (the static imports)
 * is smaller still: no node module and no package but valibot. main.ts itself imports nothing
 * until it knows the command.
 */
import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";

const ROOT = join(import.meta.dir, "..", "..");
const transpiler = new Bun.Transpiler({ loader: "ts" });

/** A module of the graph: `src/...` for ours, `pkg:NAME` for a package, `node:NAME` for a builtin. */
type Module = string;

/**
 * Every module `entry` (a path under the repository) reaches through static imports, and with
 * `lazy` also through `import()` and `require()`.
 */
function reach(entry: string, lazy: boolean): Set<Module> {
  const seen = new Set<Module>();
  const visit = (file: string) => {
    const id = relative(ROOT, file);
    if (seen.has(id)) return;
    seen.add(id);
    if (!file.endsWith(".ts")) return;
    for (const imp of transpiler.scanImports(readFileSync(file, "utf8").replace(/^#!.*/, ""))) {
      if (!lazy && imp.kind !== "import-statement") continue;
      if (imp.path.startsWith(".")) visit(join(dirname(file), imp.path));
      else if (imp.path.startsWith("node:") || imp.path.startsWith("bun:")) seen.add(imp.path);
      else seen.add(`pkg:${imp.path.split("/").slice(0, imp.path.startsWith("@") ? 2 : 1).join("/")}`);
    }
  };
  visit(join(ROOT, entry));
  return seen;
}

/** The modules of the control commands themselves, and the client they talk through. */
const CLIENT = ["src/cli/control.ts", "src/cli/args.ts", "src/cli/tasks.ts", "src/cli/logs.ts", "src/control/client.ts", "src/control/answers.ts"];

/**
 * Pure helpers the daemon and the CLI share: they hold a name, a shape or the one wording of
 * something, and import nothing of the supervisor, the engine's machinery, the process layer,
 * the server or the loader. A module added here must be one of those; anything heavier is
 * imported by the command that needs it, and from a module of its own if the daemon's module
 * holding it would drag more in.
 */
const SHARED = [
  "src/paths.ts",
  "src/config/names.ts",
  "src/config/due.ts",
  "src/config/units.ts",
  "src/config/value.ts",
  "src/config/users.ts",
  "src/engine/outcome.ts",
  "src/process/signals.ts",
  "src/cgroup/usage.ts",
  "src/control/schemas.ts",
  "src/supervisor/failure.ts",
  "src/supervisor/verdict-json.ts",
  "src/supervisor/describe-reload.ts",
];

describe("a control command loads no daemon code", () => {
  test("main.ts imports nothing before it knows the command", () => {
    expect([...reach("src/main.ts", false)]).toEqual(["src/main.ts"]);
  });

  test("everything a control command can load is the CLI's own, the client's, or a shared pure helper", () => {
    // valibot for every check, consola for the messages to people, node:os for the signal table
    // and node:fs for a passwd lookup
    const packages = ["pkg:valibot", "pkg:consola", "node:os", "node:fs"];
    for (const entry of ["src/cli/control.ts", "src/cli/logs.ts"]) {
      const beyond = [...reach(entry, true)].filter((m) => !CLIENT.includes(m) && !SHARED.includes(m) && !packages.includes(m));
      expect({ entry, beyond }).toEqual({ entry, beyond: [] });
    }
  });

  test("what every control command loads up front is the parser, the client, the answers and their shared names: no node module, no package but valibot", () => {
    expect([...reach("src/cli/control.ts", false)].sort()).toEqual(
      [
        "pkg:valibot",
        "src/cli/args.ts",
        "src/cli/control.ts",
        "src/config/names.ts",
        "src/control/answers.ts",
        "src/control/client.ts",
        "src/engine/outcome.ts",
        "src/paths.ts",
        "src/supervisor/failure.ts",
        "src/supervisor/verdict-json.ts",
      ].sort(),
    );
  });

  test("the same reading finds the daemon where it is: boot reaches the supervisor, the server and the process layer", () => {
    const boot = reach("src/cli/boot.ts", true);
    for (const m of ["src/daemon.ts", "src/supervisor/supervisor.ts", "src/control/server.ts", "src/process/launcher.ts", "pkg:hono", "pkg:croner"]) expect(boot).toContain(m);
  });
});
