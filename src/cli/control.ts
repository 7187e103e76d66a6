/**
 * @module cli/control
 * The control commands (`list`, `status`, `start`, ... `health`, `events`): each parses its
 * flags, asks the daemon over the socket, and prints for people (consola) or `--json` for
 * scripts. Exit 0 on success, 1 when bosun refused or the operation failed, 2 on bad usage.
 */
import type { ConsolaInstance } from "consola";
import * as v from "valibot";
import { describeExit, isFailedStop } from "../engine/outcome.ts";
import { client, ControlError, type Client } from "../control/client.ts";
import {
  ActionResult,
  EnvJson,
  HealthJson,
  InfoJson,
  ProbeJson,
  ServiceList,
  StatusJson,
  type EventJson,
  type ServiceJson,
} from "../control/answers.ts";
import { socketPath } from "../paths.ts";
import { summary } from "../supervisor/verdict-json.ts";
import { nameArg, parseCommand, type CommandSpec } from "./args.ts";

let consola: ConsolaInstance | null = null;

/**
 * consola for messages to people, loaded on the first message: `list`, `status` and `--json`
 * never pay for it (it is the largest part of a client command's start-up). Messages go to
 * stderr; stdout carries only data (lists, JSON, log lines).
 *
 * @example
 * (await say()).success("web is started");
 */
export async function say(): Promise<ConsolaInstance> {
  // The level is fixed: consola would otherwise go quiet when NODE_ENV=test or CI is set.
  // No throttling: consola would hold back a message repeated within a second.
  consola ??= (await import("consola")).createConsola({ level: 3, throttle: 0, stdout: process.stderr, stderr: process.stderr });
  return consola;
}

const socketOpt = { socket: { type: "string", short: "p" } } as const;
const jsonOpt = { json: { type: "boolean" } } as const;
const waitOpts = { "no-wait": { type: "boolean" } } as const;
const common = { socket: v.optional(v.string()) };
const bool = v.optional(v.boolean(), false);

type Spec = CommandSpec<v.GenericSchema>;

/** A spec for a command taking one NAME plus the given flags. */
function named<O extends Record<string, { type: "boolean" | "string"; short?: string }>>(
  usage: string,
  options: O,
  flags: Record<string, v.GenericSchema> = {},
) {
  return { usage, options: { ...socketOpt, ...options }, schema: v.object({ ...common, ...flags, positionals: v.strictTuple([nameArg()], "give exactly one service NAME") }) } satisfies Spec;
}

/** `add-dep` and `rm-dep`: TYPE FROM TO, TYPE checked as the server checks it. */
async function depSpec(usage: string): Promise<Spec> {
  const { LiveDepKind } = await import("../control/schemas.ts");
  return { usage, options: socketOpt, schema: v.object({ ...common, positionals: v.strictTuple([v.picklist(LiveDepKind.options, "give TYPE: need, milestone or waits-for"), nameArg("FROM"), nameArg("TO")], "give TYPE FROM TO") }) };
}

const P = "[-p SOCKET]";
/**
 * Each command's spec, built when that command runs: a command pays for its own flags and
 * checks, and for the modules only they need (the signal table, the request schemas), not for
 * every other command's.
 */
const specs = {
  list: () => ({ usage: `bosun list ${P} [--json]\nOne line per loaded service.`, options: { ...socketOpt, ...jsonOpt }, schema: v.object({ ...common, json: bool, positionals: v.strictTuple([], "list takes no arguments") }) }),
  status: () => named(`bosun status ${P} [--json] NAME\nThe full status of one service.`, jsonOpt, { json: bool }),
  start: () => named(`bosun start ${P} [--no-wait] [--pin] NAME\nStart and activate NAME (and its dependencies); waits until it has started.`, { ...waitOpts, pin: { type: "boolean" } }, { "no-wait": bool, pin: bool }),
  stop: () => named(`bosun stop ${P} [--no-wait] [--pin] [--force] NAME\nStop NAME; refused while started services need it unless --force.`, { ...waitOpts, pin: { type: "boolean" }, force: { type: "boolean" } }, { "no-wait": bool, pin: bool, force: bool }),
  restart: () => named(`bosun restart ${P} [--no-wait] NAME\nStop and start NAME again; its hard dependents restart too.`, waitOpts, { "no-wait": bool }),
  wake: () => named(`bosun wake ${P} [--no-wait] NAME\nStart NAME without activating it: it runs while something needs it.`, waitOpts, { "no-wait": bool }),
  release: () => named(`bosun release ${P} [--no-wait] NAME\nRemove NAME's activation: it stops unless something started needs it.`, waitOpts, { "no-wait": bool }),
  unpin: () => named(`bosun unpin ${P} NAME\nRemove a start or stop pin.`, {}),
  reload: () => named(`bosun reload ${P} [--plan] [--json] NAME\nRe-read NAME's file and apply it; a running service is not restarted: settings that need its next start are named. --plan shows all that without doing it.`, { plan: { type: "boolean" }, ...jsonOpt }, { plan: bool, json: bool }),
  unload: () => named(`bosun unload ${P} NAME\nForget a stopped service nothing depends on.`, {}),
  trigger: () => named(`bosun trigger ${P} NAME\nMark a triggered service as triggered.`, {}),
  untrigger: () => named(`bosun untrigger ${P} NAME\nClear a triggered service's trigger.`, {}),
  run: () => named(`bosun run ${P} [--no-wait] NAME\nRun the scheduled service NAME now (with schedule-overlap = queue, after the run going); waits for the run's end: exit 0 when it succeeded, 1 otherwise.`, waitOpts, { "no-wait": bool }),
  enable: () => named(`bosun enable ${P} NAME\nAdd NAME to its enable-via service's (default boot) waits-for.d, live and on disk; starts it if that service is up.`, {}),
  disable: () => named(`bosun disable ${P} NAME\nUndo enable.`, {}),
  "is-started": () => named(`bosun is-started ${P} NAME\nExit 0 if NAME is started, 1 otherwise; prints nothing (but why it cannot answer).`, {}),
  "is-failed": () => named(`bosun is-failed ${P} NAME\nExit 0 if NAME stopped by failing, 1 otherwise; prints nothing (but why it cannot answer).`, {}),
  signal: async () => {
    const { signalNumber } = await import("../process/signals.ts");
    /** A signal as `bosun signal` takes it: a name (with or without SIG, any case) or a number. */
    const SignalArg = v.pipe(
      v.string("give the signal SIG"),
      v.check((sig) => (/^\d+$/.test(sig) ? Number(sig) >= 1 && Number(sig) <= 64 : signalNumber(sig.toUpperCase().replace(/^SIG/, "")) !== undefined), "no such signal (bosun signal --list shows them)"),
    );
    return {
      usage: `bosun signal ${P} SIG NAME | bosun signal --list\nSend signal SIG (name like HUP or SIGHUP, or a number) to NAME's process.`,
      options: { ...socketOpt, list: { type: "boolean", short: "l" } },
      schema: v.variant("list", [
        v.object({ ...common, list: v.literal(true), positionals: v.strictTuple([], "--list takes no arguments") }),
        v.object({ ...common, list: v.optional(v.literal(false), false), positionals: v.strictTuple([SignalArg, nameArg()], "give SIG and NAME") }),
      ]),
    };
  },
  "add-dep": () => depSpec(`bosun add-dep ${P} TYPE FROM TO\nAdd a dependency (TYPE need, milestone or waits-for) from FROM on TO, live.`),
  "rm-dep": () => depSpec(`bosun rm-dep ${P} TYPE FROM TO\nRemove a dependency of FROM on TO, live.`),
  setenv: () => ({
    usage: `bosun setenv ${P} NAME=VALUE...\nSet variables in the environment later launches get.`,
    options: socketOpt,
    schema: v.object({ ...common, positionals: v.pipe(v.array(v.pipe(v.string(), v.regex(/^[A-Za-z_][A-Za-z0-9_]*=/, "each argument is NAME=VALUE"))), v.minLength(1, "give at least one NAME=VALUE")) }),
  }),
  unsetenv: async () => {
    const { ENV_NAME } = await import("../control/schemas.ts");
    return {
      usage: `bosun unsetenv ${P} NAME...\nRemove variables from the environment later launches get.`,
      options: socketOpt,
      schema: v.object({ ...common, positionals: v.pipe(v.array(v.pipe(v.string(), v.regex(ENV_NAME, "a variable NAME is letters, digits and '_'"))), v.minLength(1, "give at least one NAME")) }),
    };
  },
  shutdown: () => ({ usage: `bosun shutdown ${P}\nStop every service in order and end bosun.`, options: socketOpt, schema: v.object({ ...common, positionals: v.strictTuple([], "shutdown takes no arguments") }) }),
  health: () => ({
    usage: `bosun health ${P} [--json] [NAME]\nWithout NAME: exit 0 when bosun is ready (every service the boot set needs is up, ready and healthy), else 1 with why (for HEALTHCHECK). With NAME: exit 0 when that service is up, ready and healthy, else 1 with why.`,
    options: { ...socketOpt, ...jsonOpt },
    schema: v.object({ ...common, json: bool, positionals: v.union([v.strictTuple([]), v.strictTuple([nameArg()])], "give at most one service NAME") }),
  }),
  info: () => ({ usage: `bosun info ${P} [--json]\nbosun itself: version, pid, uptime, socket, probe listener, service dirs, boot services.`, options: { ...socketOpt, ...jsonOpt }, schema: v.object({ ...common, json: bool, positionals: v.strictTuple([], "info takes no arguments") }) }),
  events: () => ({ usage: `bosun events ${P} [--json]\nFollow state changes, one line each, until interrupted.`, options: { ...socketOpt, ...jsonOpt }, schema: v.object({ ...common, json: bool, positionals: v.strictTuple([], "events takes no arguments") }) }),
} satisfies Record<string, () => Spec | Promise<Spec>>;

type Command = keyof typeof specs;

/**
 * Data to stdout through console.log: Bun writes it synchronously itself, where touching
 * process.stdout would first build node's stream layer (about 9 ms and 9 MiB of a command's
 * start-up). A lone string argument is printed as it is, with no format directives applied.
 */
const out = (text: string) => console.log(text);
const json = (value: unknown) => out(JSON.stringify(value, null, 2));

/** `pid 12` when running, else how it last ended. */
function pidOrExit(s: ServiceJson): string {
  if (s.pid !== null) return `pid ${s.pid}`;
  return s.exit ? describeExit(s.exit) : "";
}

/** Why it is stopped, when that is worth a look (not a plain stop). */
function trouble(s: ServiceJson): string {
  if (s.failure) return `${s.reason ?? "failed"}: ${s.failure.message}`;
  const cause = s.cause ? ` (${s.cause})` : "";
  return s.reason && s.reason !== "normal" ? `${s.reason}${cause}` : "";
}

function stateText(s: ServiceJson): string {
  return s.state === s.target || (s.state === "starting" && s.target === "started") || (s.state === "stopping" && s.target === "stopped")
    ? s.state
    : `${s.state}->${s.target}`;
}

async function listLines(services: ServiceJson[]): Promise<string[]> {
  // cli/tasks words a scheduled service's cell: loaded only when one is listed.
  const tasks = services.some((s) => s.task) ? await import("./tasks.ts") : null;
  const rows = services.map((s) => [
    s.name,
    stateText(s),
    [s.activated ? "activated" : "", s.pinned ? `pinned-${s.pinned}` : ""].filter(Boolean).join(","),
    s.task && tasks ? tasks.taskCell({ ...s, task: s.task }) : pidOrExit(s),
    trouble(s),
  ]);
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((cell, i) => cell.padEnd(widths[i]!)).join("  ").trimEnd());
}

async function statusLines(s: StatusJson): Promise<string[]> {
  const edges = (list: StatusJson["depends"]) => (list.length ? list.map((d) => `${d.name} (${d.kind}, ${d.state ?? "not loaded"})`).join(", ") : "none");
  const lines = [
    `${s.name} (${s.type})`,
    `  state:      ${s.state}, target ${s.target}${s.activated ? ", activated" : ""}${s.pinned ? `, pinned ${s.pinned}` : ""}${s.triggered ? ", triggered" : ""}`,
  ];
  if (s.pid !== null) lines.push(`  pid:        ${s.pid}`);
  if (s.uptime !== null) lines.push(`  uptime:     ${formatSeconds(s.uptime)}`);
  lines.push(`  restarts:   ${s.restarts}`);
  if (s.exit) lines.push(`  last exit:  ${describeExit(s.exit)}`);
  if (s.reason) lines.push(`  stopped:    ${s.reason}${s.cause ? ` (${s.cause})` : ""}`);
  if (s.failure) lines.push(`  failure:    ${s.failure.message} (stage ${s.failure.stage}${s.failure.errno ? `, ${s.failure.errno}` : ""})`);
  if (s.readiness) lines.push(`  readiness:  ${s.readiness}`);
  if (s.health) lines.push(`  health:     ${healthText(s.health)}`);
  if (s.statusText) lines.push(`  status:     ${s.statusText}`);
  const usage = s.usage ? (await import("../cgroup/usage.ts")).describeUsage(s.usage) : "";
  if (usage) lines.push(`  resources:  ${usage}`);
  if (s.oomKills) lines.push(`  oom kills:  ${s.oomKills} (processes the kernel's OOM killer ended in its cgroups since bosun started)`);
  if (s.task) lines.push(...(await import("./tasks.ts")).taskLines(s.task, Date.now()));
  lines.push(`  file:       ${s.file ?? "(none: ad-hoc)"}${s.fileChanged ? " (changed on disk since loaded: bosun reload " + s.name + ")" : ""}`);
  lines.push(`  depends:    ${edges(s.depends)}`, `  dependents: ${edges(s.dependents)}`);
  if (s.logProblem) lines.push(`  log:        ${s.logProblem}`);
  return lines;
}

/** `unhealthy, 3 failures in a row (last check 4s ago, took 12 ms): HTTP 503`. */
function healthText(h: HealthJson): string {
  const failures = h.failures > 0 ? `, ${h.failures} failure${h.failures === 1 ? "" : "s"} in a row` : "";
  const last = h.lastCheck === null ? " (not checked yet)" : ` (last check ${formatSeconds(Math.max(0, Date.now() - h.lastCheck) / 1000)} ago, took ${h.duration ?? 0} ms)`;
  const stopped = h.checking ? "" : "; not checking: the service is not running";
  return `${h.state}${failures}${last}${h.output ? `: ${h.output}` : ""}${stopped}`;
}

function infoLines(i: InfoJson): string[] {
  const reaping = { pid1: "PID 1, reaps every orphan", subreaper: "child subreaper, reaps its orphans", none: "not reaping orphans" }[i.reaping];
  return [
    `bosun ${i.version}, pid ${i.pid} (${reaping})${i.shuttingDown ? ", shutting down" : ""}`,
    `  up:         ${formatSeconds((Date.now() - i.startedAt) / 1000)}`,
    `  socket:     ${i.socket ?? "(none)"}`,
    `  probes:     ${i.healthListen ? `${i.healthListen} (/livez /readyz /startupz /metrics)` : "not served (--health-listen)"}`,
    `  dirs:       ${i.dirs.join(", ") || "(none)"}`,
    `  boot:       ${i.bootServices.join(", ") || "(nothing)"}`,
    `  cgroups:    ${i.cgroups.description}`,
    `  services:   ${i.services} loaded`,
    `  shutdown:   ${i.drainDelay > 0 ? `drain ${i.drainDelay} s, then ` : ""}${i.stopGrace === null ? "no stop grace" : `all done within ${i.stopGrace} s (stop grace)`}`,
    `  orphans:    ${i.reapedOrphans} reaped`,
  ];
}

function formatSeconds(total: number): string {
  const s = Math.floor(total);
  const parts = [Math.floor(s / 86400) && `${Math.floor(s / 86400)}d`, Math.floor((s % 86400) / 3600) && `${Math.floor((s % 86400) / 3600)}h`, Math.floor((s % 3600) / 60) && `${Math.floor((s % 3600) / 60)}m`, `${s % 60}s`];
  return parts.filter(Boolean).join(" ");
}

function eventLine(e: EventJson): string {
  if (e.run) return `${new Date(e.time).toISOString()} ${e.service}: ${e.note ?? `run ${e.run.number} ${e.run.phase}`}`;
  const extra = [e.reason, e.exit ? describeExit(e.exit) : null, e.cause, e.failure?.message, e.note].filter(Boolean);
  return `${new Date(e.time).toISOString()} ${e.service}: ${e.from} -> ${e.state}${extra.length ? ` (${extra.join(", ")})` : ""}`;
}

type Goal = "started" | "stopped";
const goals: Partial<Record<Command, Goal>> = { start: "started", wake: "started", restart: "started", stop: "stopped", release: "stopped" };

/**
 * Posts a start/stop-like action and, unless --no-wait, follows the events of that service
 * until it reaches the goal (exit 0) or fails on the way (exit 1).
 */
async function act(c: Client, command: Command, name: string, body: Record<string, unknown>, wait: boolean): Promise<number> {
  const goal = goals[command];
  const events = goal && wait ? await c.events() : null;
  const result = await c.post(`/v1/services/${encodeURIComponent(name)}/${command}`, body, ActionResult).catch(async (e: unknown) => {
    // A refused action: let go of the stream now, not when this process happens to exit.
    await events?.return(undefined);
    throw e;
  });
  const s = result.service;
  if (!goal || !events || !s) {
    await events?.return(undefined);
    (await say()).success(`${name}: ${command} done${s && goal ? ` (${s.state})` : ""}`);
    return 0;
  }
  const settled = (st: ServiceJson) => command !== "restart" && (st.state === goal || (command === "release" && st.target === "started"));
  if (settled(s)) {
    await events.return(undefined);
    if (command === "release" && s.state === "started") (await say()).info(`${name} stays started: ${s.dependents.filter((d) => d.state === "started").map((d) => d.name).join(", ") || "something"} needs it`);
    else (await say()).success(`${name} is ${s.state}`);
    return 0;
  }
  const tty = process.stderr.isTTY;
  // On a terminal one status line rewritten in place; elsewhere (logs, CI) a plain line per step.
  const progress = async (text: string) => (tty ? process.stderr.write(`\r\x1b[K${text}`) : (await say()).info(text));
  const finish = async (code: number, message: () => Promise<void>) => {
    await events.return(undefined);
    if (tty) process.stderr.write("\r\x1b[K");
    await message();
    return code;
  };
  let shown = s.state as string;
  await progress(`${name}: ${shown}...`);
  // A restart counts only once the service has been down; the events of the restart itself
  // are already queued, since we subscribed before asking.
  let wentDown = command !== "restart" || s.state !== "started";
  for await (const e of events) {
    if (e.service !== name) {
      if (tty) await progress(`${name}: waiting (${e.service} ${e.state})`);
      continue;
    }
    if (e.state === goal && (goal === "stopped" || wentDown)) {
      const ending = result.endsBosun ? "; bosun ends with it" : "";
      return finish(0, async () => (await say()).success(`${name} is ${goal}${e.reason && e.reason !== "normal" ? ` (${e.reason})` : ""}${ending}`));
    }
    if (goal === "started" && e.state === "stopped" && (e.target === "stopped" || isFailedStop(e.reason))) {
      const exit = e.exit ? ` (${describeExit(e.exit)})` : "";
      return finish(1, async () => (await say()).fail(`${name} failed to start: ${e.failure?.message ?? e.reason ?? "stopped"}${exit}`));
    }
    if (goal === "stopped" && e.state === "started") {
      return finish(1, async () => (await say()).fail(`${name} started again instead of stopping${e.note ? ` (${e.note})` : ""}`));
    }
    if (e.state === "stopping" || e.state === "stopped") wentDown = true;
    if (e.state !== shown || e.note) await progress(`${name}: ${e.state}${e.note ? ` (${e.note})` : ""}`);
    shown = e.state;
  }
  if (tty) process.stderr.write("\n");
  // Stopping the main service ends bosun: its stream closing is that stop's outcome.
  if (result.endsBosun) {
    (await say()).success(`bosun has ended: stopping ${name} ended it`);
    return 0;
  }
  (await say()).fail(`bosun closed the event stream before ${name} was ${goal}`);
  return 1;
}

/**
 * Runs one control command against the daemon's socket.
 *
 * @example
 * await run("status", ["-p", "/tmp/b.sock", "--json", "web"]) // 0, prints the status JSON
 */
export async function run(command: string, argv: string[]): Promise<number> {
  if (!(command in specs)) throw new Error(`cli/control has no command ${command}`);
  const name = command as Command;
  const args = parseCommand(await specs[name](), argv) as Record<string, unknown> & { socket?: string; positionals: string[] };
  if (name === "signal" && args.list) {
    const signalNumbers = (await import("node:os")).constants.signals as Record<string, number>;
    out(Object.entries(signalNumbers).map(([k, n]) => `${n} ${k.slice(3)}`).join("\n"));
    return 0;
  }
  const c = client(socketPath({ flag: args.socket }));
  try {
    return await dispatch(c, name, args);
  } catch (e) {
    if (!(e instanceof ControlError)) throw e;
    // A refused stop's message already names the dependents and --force.
    (await say()).fail(e.message);
    return 1;
  }
}

async function dispatch(c: Client, name: Command, args: Record<string, unknown> & { positionals: string[] }): Promise<number> {
  const [first, second, third] = args.positionals as [string, string, string];
  const path = (service: string, action?: string) => `/v1/services/${encodeURIComponent(service)}${action ? `/${action}` : ""}`;
  switch (name) {
    case "list": {
      const services = await c.get("/v1/services", ServiceList);
      if (args.json) json(services);
      else if (services.length === 0) (await say()).info("no services are loaded");
      else out((await listLines(services)).join("\n"));
      return 0;
    }
    case "status": {
      const s = await c.get(path(first), StatusJson);
      if (args.json) json(s);
      else out((await statusLines(s)).join("\n"));
      return 0;
    }
    case "is-started":
      return (await c.get(path(first), StatusJson)).state === "started" ? 0 : 1;
    case "is-failed": {
      const s = await c.get(path(first), StatusJson);
      return s.state === "stopped" && isFailedStop(s.reason) ? 0 : 1;
    }
    case "start":
    case "stop":
    case "restart":
    case "wake":
    case "release": {
      const body = name === "start" ? { pin: args.pin } : name === "stop" ? { pin: args.pin, force: args.force } : {};
      return act(c, name, first, body, !args["no-wait"]);
    }
    case "reload": {
      const { describeReload } = await import("../supervisor/describe-reload.ts");
      const result = await c.post(path(first, "reload"), { plan: args.plan }, ActionResult);
      if (args.json) json(result);
      else if (result.plan) {
        // The plan reads as the reload would report it: the same words, service by service.
        const p = result.plan;
        const line = (label: string, names: string[]) => out(`${label.padEnd(9)}${names.length ? names.join(", ") : "-"}`);
        for (const change of p.changes) out(`${change.service}: ${describeReload(change) || "nothing changed"}`);
        line("start:", p.start);
        line("stop:", p.stop);
        for (const r of p.refused) out(`refused: ${r.service}: ${r.reason}`);
      } else {
        const r = result.reloaded!;
        const what = describeReload(r);
        const also = [r.start.length ? `starting ${r.start.join(", ")}` : "", r.stop.length ? `stopping ${r.stop.join(", ")}` : ""].filter(Boolean);
        const text = `${first} reloaded${what ? `; ${what}` : ""}${also.length ? `; ${also.join("; ")}` : ""}`;
        if (r.restartNeeded.length > 0) (await say()).warn(text);
        else (await say()).success(text);
      }
      return 0;
    }
    case "run":
      return (await import("./tasks.ts")).runTask(c, first, !args["no-wait"], say);
    case "signal": {
      const sig = /^\d+$/.test(first) ? Number(first) : first;
      await c.post(path(second, "signal"), { signal: sig }, ActionResult);
      (await say()).success(`sent ${first} to ${second}`);
      return 0;
    }
    case "add-dep":
    case "rm-dep":
      await c.post(path(second, name), { kind: first, to: third }, ActionResult);
      (await say()).success(`${name === "add-dep" ? "added" : "removed"} ${first} dependency of ${second} on ${third}`);
      return 0;
    case "setenv":
    case "unsetenv": {
      const body = name === "setenv"
        ? { set: Object.fromEntries(args.positionals.map((p) => [p.slice(0, p.indexOf("=")), p.slice(p.indexOf("=") + 1)])) }
        : { unset: args.positionals };
      await c.post("/v1/env", body, EnvJson);
      (await say()).success(`${name === "setenv" ? "set" : "unset"} ${args.positionals.map((p) => p.split("=")[0]).join(", ")} for later launches`);
      return 0;
    }
    case "shutdown":
      await c.post("/v1/shutdown", {}, ActionResult);
      (await say()).success("bosun is shutting down");
      return 0;
    case "health": {
      const h = await c.get(first === undefined ? "/v1/health" : `/v1/health/${encodeURIComponent(first)}`, ProbeJson);
      if (args.json) json(h);
      else if (first === undefined) out(summary(h, "ready"));
      else out(`${first}: ${h.services[0]?.reason ?? "ready"}`);
      return h.ok ? 0 : 1;
    }
    case "info": {
      const i = await c.get("/v1/info", InfoJson);
      if (args.json) json(i);
      else out(infoLines(i).join("\n"));
      return 0;
    }
    case "events": {
      const events = await c.events();
      (await say()).info("following state changes (Ctrl-C to stop)");
      for await (const e of events) out(args.json ? JSON.stringify(e) : eventLine(e));
      (await say()).info("bosun closed the event stream");
      return 0;
    }
    default: {
      const result = await c.post(path(first, name), {}, ActionResult);
      const s = result.service;
      (await say()).success(`${first}: ${name} done${s ? ` (${stateText(s)})` : ""}`);
      return 0;
    }
  }
}
