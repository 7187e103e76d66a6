/**
 * @module bench/study/imports
 * What each import costs a compiled program at start: small programs compiled with the same
 * flags as dist/bosun, each loading one thing more than a bare timer, their Pss after a settle
 * (split into the executable's pages and anonymous memory) and the time to their first line.
 * Beside them, bosun's own modules imported without running. With --without, the other way
 * round: a program using everything the daemon uses, and the same with one piece left out each
 * time, which is what dropping that piece from the daemon would save (pieces share code, so
 * the single costs do not add up).
 *
 *   bun bench/study/imports.ts [--settle S] [--reps N] [--without]
 */
import { join } from "node:path";
import { parseArgs } from "node:util";
import { ROOT } from "../kinds/bosun.ts";
import { compileSource, measureRun, type Usage, workspace } from "./memory.ts";

const { values } = parseArgs({ options: { settle: { type: "string", default: "3" }, reps: { type: "string", default: "3" }, without: { type: "boolean", default: false } } });
const settle = Number(values.settle);
const reps = Number(values.reps);
const src = (path: string) => JSON.stringify(join(ROOT, "src", path));

/** Every program ends like this: say ready on stdout without Node's stream layer, then idle. */
const TAIL = `\nawait Bun.write(Bun.stdout, "ready\\n");\nsetInterval(() => {}, 1 << 30);\nexport {};\n`;
/** Keeps a namespace import alive through the bundler's tree shaking. */
const keep = (name: string) => `(globalThis as any).__keep_${name} = ${name};\n`;

const variants: [string, string][] = [
  ["a timer only (the floor)", ""],
  ["+ process.stderr.write once", `process.stderr.write("x\\n");`],
  ["+ console.log once", `console.log("x");`],
  ["+ Bun.stderr.writer() write once", `const w = Bun.stderr.writer(); w.write("x\\n"); w.flush();`],
  ["+ consola (full): createConsola().info", `import { createConsola } from "consola";\ncreateConsola().info("x");`],
  ["+ consola/core, reporter on Bun.stderr.writer()", `import { createConsola } from "consola/core";\nconst w = Bun.stderr.writer();\ncreateConsola({ reporters: [{ log: (o) => { w.write(String(o.args[0]) + "\\n"); w.flush(); } }] }).info("x");`],
  ["+ valibot: parse one object", `import * as v from "valibot";\nv.parse(v.object({ a: v.string() }), { a: "x" });`],
  ["+ hono: one route, one request", `import { Hono } from "hono";\nawait new Hono().get("/", (c) => c.text("ok")).request("/");`],
  ["+ Bun.serve on a unix socket", `Bun.serve({ unix: "/tmp/study-" + process.pid + ".sock", fetch: () => new Response("ok") });`],
  ["+ bun:ffi: dlopen libc, one call", `import { dlopen, FFIType } from "bun:ffi";\ndlopen("libc.so.6", { getpid: { args: [], returns: FFIType.i32 } }).symbols.getpid();`],
  ["+ node:fs: readFileSync once", `import { readFileSync } from "node:fs";\nreadFileSync("/proc/self/stat");`],
  ["+ node:path: join once", `import { join } from "node:path";\n(globalThis as any).x = join("/a", "b");`],
  ["+ node:os: tmpdir once", `import { tmpdir } from "node:os";\n(globalThis as any).x = tmpdir();`],
  ["+ node:util: parseArgs once", `import { parseArgs } from "node:util";\n(globalThis as any).x = parseArgs({ args: [], options: {} });`],
  ["+ node:fs/promises: readFile once", `import { readFile } from "node:fs/promises";\nawait readFile("/proc/self/stat");`],
  ["+ node:net: isIP once", `import { isIP } from "node:net";\n(globalThis as any).x = isIP("1.2.3.4");`],
  ["+ Bun.file(...).text() once", `await Bun.file("/proc/self/stat").text();`],
  ["+ 3 sleeps, output piped and read", `for (let i = 0; i < 3; i++) { const p = Bun.spawn(["sleep", "1000"], { stdio: ["ignore", "pipe", "pipe"], detached: true }); (async () => { for await (const _ of p.stdout as ReadableStream) {} })(); (async () => { for await (const _ of p.stderr as ReadableStream) {} })(); }`],
  [
    "hono + valibot + consola/core (Bun writer) + Bun.serve unix and TCP + 3 piped sleeps",
    `import { Hono } from "hono";\nimport * as v from "valibot";\nimport { createConsola } from "consola/core";\nconst w = Bun.stderr.writer();\nconst log = createConsola({ reporters: [{ log: (o) => { w.write(String(o.args[0]) + "\\n"); w.flush(); } }] });\nconst app = new Hono().get("/", (c) => c.json(v.parse(v.object({ a: v.string() }), { a: "x" })));\nBun.serve({ unix: "/tmp/study-" + process.pid + ".sock", fetch: app.fetch });\nBun.serve({ port: 0, hostname: "127.0.0.1", fetch: app.fetch });\nfor (let i = 0; i < 3; i++) { const p = Bun.spawn(["sleep", "1000"], { stdio: ["ignore", "pipe", "pipe"], detached: true }); (async () => { for await (const _ of p.stdout as ReadableStream) {} })(); (async () => { for await (const _ of p.stderr as ReadableStream) {} })(); }\nlog.info("up");`,
  ],
  // bosun's own modules, imported (their top level runs) but not used
  ["bosun: engine/engine.ts imported", `import * as m from ${src("engine/engine.ts")};\n${keep("m")}`],
  ["bosun: config/loader.ts imported", `import * as m from ${src("config/loader.ts")};\n${keep("m")}`],
  ["bosun: log/router.ts imported", `import * as m from ${src("log/router.ts")};\n${keep("m")}`],
  ["bosun: process/launcher.ts imported", `import * as m from ${src("process/launcher.ts")};\n${keep("m")}`],
  ["bosun: process/logger.ts imported", `import * as m from ${src("process/logger.ts")};\n${keep("m")}`],
  ["bosun: control/server.ts imported", `import * as m from ${src("control/server.ts")};\n${keep("m")}`],
  ["bosun: daemon.ts imported (the whole daemon graph)", `import * as m from ${src("daemon.ts")};\n${keep("m")}`],
  ["bosun: cli/control.ts imported (what list/status load)", `import * as m from ${src("cli/control.ts")};\n${keep("m")}`],
];

/** What the daemon uses, piece by piece: [name, imports, code]. */
const PIECES: [string, string, string][] = [
  ["node:fs", `import { readFileSync, statSync } from "node:fs";`, `readFileSync("/proc/self/stat"); statSync("/tmp");`],
  ["node:path", `import { join } from "node:path";`, `(globalThis as any).p = join("/a", "b");`],
  ["node:os", `import { tmpdir } from "node:os";`, `(globalThis as any).o = tmpdir();`],
  ["node:util (format, parseArgs)", `import { format, parseArgs } from "node:util";`, `(globalThis as any).u = [format("%s", "x"), parseArgs({ args: [], options: {} })];`],
  ["node:net (imported, not called)", `import { connect } from "node:net";`, `(globalThis as any).n = connect;`],
  ["process.stderr (Node's stream)", ``, `process.stderr.write("x\\n");`],
  ["valibot", `import * as v from "valibot";`, `v.parse(v.object({ a: v.string() }), { a: "x" });`],
  ["hono app + one request", `import { Hono } from "hono";`, `await new Hono().get("/", (c) => c.text("ok")).request("/");`],
  ["consola/core", `import { createConsola } from "consola/core";`, `createConsola({ reporters: [{ log: () => {} }] }).withTag("x").info("x");`],
  ["bun:ffi", `import { dlopen, FFIType } from "bun:ffi";`, `dlopen("libc.so.6", { getpid: { args: [], returns: FFIType.i32 } }).symbols.getpid();`],
  ["Bun.serve (unix)", ``, `Bun.serve({ unix: "/tmp/study-" + process.pid + ".sock", fetch: () => new Response("ok") });`],
  ["3 sleeps, output piped and read", ``, `for (let i = 0; i < 3; i++) { const p = Bun.spawn(["sleep", "1000"], { stdio: ["ignore", "pipe", "pipe"], detached: true }); (async () => { for await (const _ of p.stdout as ReadableStream) {} })(); (async () => { for await (const _ of p.stderr as ReadableStream) {} })(); }`],
];
const program = (pieces: typeof PIECES) => `${pieces.map((x) => x[1]).join("\n")}\n${pieces.map((x) => x[2]).join("\n")}`;
const runs: [string, string][] = values.without
  ? [
      ["everything the daemon uses", program(PIECES)],
      ...PIECES.map(([name], i): [string, string] => [`without ${name}`, program(PIECES.filter((_, j) => j !== i))]),
      // pieces share Bun's code: what leaving out a whole group saves
      ["without every node:* module and Node's stream", program(PIECES.filter(([name]) => !name.startsWith("node:") && !name.startsWith("process.")))],
      ["without node:*, Node's stream and bun:ffi", program(PIECES.filter(([name]) => !name.startsWith("node:") && !name.startsWith("process.") && name !== "bun:ffi"))],
      ["a timer only (the floor)", ""],
    ]
  : variants;

using ws = workspace();
const mib = (k: number) => (k / 1024).toFixed(1).padStart(6);
{
  console.log(`compiled like dist/bosun; Pss after ${settle} s, median of ${reps}; MiB (executable code / anonymous / rest); ms to the first line`);
  let first = 0;
  for (const [i, [label, body]] of runs.entries()) {
    let bin: string;
    try {
      bin = compileSource(ws, `v${i}`, body + TAIL);
    } catch (e) {
      console.log(`${label.padEnd(86)} not built: ${(e as Error).message}`);
      continue;
    }
    const measured: { usage: Usage; code: number; anon: number; ready: number }[] = [];
    for (let r = 0; r < reps; r++) {
      const m = await measureRun([bin], settle);
      const code = m.parts["executable: code"]?.pss ?? 0;
      const anon = m.parts["anonymous (JS heap, allocators, thread stacks)"]?.pss ?? 0;
      measured.push({ usage: m.usage, code, anon, ready: m.ready });
    }
    measured.sort((a, b) => a.usage.pss - b.usage.pss);
    const m = measured[Math.floor(measured.length / 2)]!;
    if (i === 0) first = m.usage.pss;
    const delta = i === 0 ? "" : ` (${m.usage.pss - first >= 0 ? "+" : ""}${((m.usage.pss - first) / 1024).toFixed(1)})`;
    const ready = measured.map((x) => x.ready).sort((a, b) => a - b)[Math.floor(measured.length / 2)]!;
    console.log(`${label.padEnd(86)} Pss ${mib(m.usage.pss)}${delta.padEnd(8)} = ${mib(m.code)} / ${mib(m.anon)} / ${mib(m.usage.pss - m.code - m.anon)}   ${ready.toFixed(0).padStart(4)} ms`);
  }
}
