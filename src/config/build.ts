/**
 * @module config/build
 * Turns the statements of one service file (with its includes) into a validated
 * ServiceDescription: looks each setting up in the settings table, reads and substitutes its
 * value, applies it, lists `.d` directories, loads the env-file, makes relative paths
 * absolute, and validates the result with the schema. Every problem names file:line and the
 * setting; one bad line does not hide the others.
 */
import * as v from "valibot";
import { dirname, resolve } from "node:path";
import { listDependencyDir, readTextFile, FileProblem } from "./files.ts";
import { parseEnvFile } from "./envfile.ts";
import type { Located } from "./includes.ts";
import { error, warning, type Problem } from "./problems.ts";
import { isolationConflicts } from "./isolation.ts";
import { singleQuoteHint } from "./quotes.ts";
import { runsAProcess } from "./kinds.ts";
import { fileOf } from "./reach.ts";
import { blankDescription, ServiceDescription, ServiceName } from "./schema.ts";
import { closestSetting, settingForField, SETTINGS, type Draft, type SettingSpec } from "./settings.ts";
import { substituteText, substituteWords, type Resolver } from "./substitute.ts";
import { findUser } from "./users.ts";
import { readValue, ValueError } from "./value.ts";

/** One service file, read and lexed with its includes, and what its values may substitute. */
export interface BuildInput {
  /** Full name (`base@arg` for a template instance). */
  name: string;
  arg: string | null;
  /** Absolute path of the service file (includes are in `statements`). */
  file: string;
  statements: Located[];
  /** bosun's own environment (the global environment of dinit's model). */
  env: Record<string, string | undefined>;
  /** Some lines could not be read at all: judge no contradictions on what is left. */
  syntaxErrors?: boolean;
}

/** Settings that shape the service's environment, so they are applied before all others. */
const ENV_SETTINGS = new Set(["env-file", "load-options", "run-as"]);

/** One description built: `description` when there are no errors; `partial` what could be read when there are. */
export interface Built {
  description: ServiceDescription | null;
  /** With errors: the settings that read, each one that did not left at its default (null without errors). */
  partial: ServiceDescription | null;
  problems: Problem[];
}

/**
 * Builds and validates one description. `description` is null when there are errors; `partial`
 * then holds what could be read, for `check` to follow and look at (never to run).
 *
 * @example
 * const { statements } = readWithIncludes(file, preload);
 * const { description, problems } = buildDescription({ name: "web", arg: null, file, statements, env: process.env });
 */
export function buildDescription(input: BuildInput): Built {
  const { name, arg, file, env } = input;
  const problems: Problem[] = [];
  const draft: Draft = { desc: blankDescription(name, file), logType: null, depDirs: [] };
  const lines: Record<string, number> = {};
  const sources: Record<string, string> = {};
  const preload: Resolver = { lookup: (n) => env[n], arg };
  const own: Record<string, string> = {};
  const service: Resolver = { lookup: (n) => own[n] ?? env[n], arg };

  const apply = (s: Located & { kind: "setting" }, spec: SettingSpec) => {
    lines[s.name] = s.line;
    if (s.file !== file) sources[s.name] = s.file;
    else delete sources[s.name];
    const ctx = {
      service: name,
      file: s.file,
      line: s.line,
      op: s.op,
      warn: (message: string) => problems.push(warning(s.file, s.line, name, `${s.name}: ${message}`)),
    };
    try {
      const value = readValue(s.value);
      const resolver = spec.subst === "preload" ? preload : spec.subst === "service" ? service : null;
      // Computed on use: an argv setting substitutes part by part, a one-word setting its
      // whole text (dinit's rule), and only that form's errors concern the setting.
      spec.apply(
        draft,
        {
          get words() {
            return resolver ? substituteWords(value.parts, resolver) : value.parts;
          },
          get text() {
            return resolver ? substituteText(value.text, resolver) : value.text;
          },
        },
        ctx,
      );
      const quotes = spec.argv ? singleQuoteHint(s.name, s.op, s.value) : null;
      if (quotes !== null) ctx.warn(quotes);
    } catch (e) {
      if (!(e instanceof ValueError)) throw e;
      problems.push(error(s.file, s.line, name, `${s.name}: ${e.message}`));
    }
  };

  const settings: { s: Located & { kind: "setting" }; spec: SettingSpec }[] = [];
  for (const s of input.statements) {
    if (s.kind === "meta") {
      enableVia(s, draft, name, problems);
      continue;
    }
    if (s.kind !== "setting") continue;
    const spec = SETTINGS[s.name];
    if (!spec) {
      const hint = closestSetting(s.name);
      problems.push(error(s.file, s.line, name, `unknown setting '${s.name}'${hint ? ` (did you mean '${hint}'?)` : ""}`));
      continue;
    }
    if (s.op === "+=" && !spec.append) {
      problems.push(error(s.file, s.line, name, `'+=' cannot be used with '${s.name}' (only command, stop-command, health-command, capabilities and securebits append); use '='`));
      continue;
    }
    settings.push({ s, spec });
  }

  for (const { s, spec } of settings) if (ENV_SETTINGS.has(s.name)) apply(s, spec);
  Object.assign(own, serviceEnvironment(draft, name, { file, lines, sources }, env, problems));
  for (const { s, spec } of settings) if (!ENV_SETTINGS.has(s.name)) apply(s, spec);

  finish(draft, file, name, problems);
  draft.desc.env = own;
  draft.desc.lines = lines;
  if (Object.keys(sources).length > 0) draft.desc.sources = sources;

  const result = v.safeParse(ServiceDescription, draft.desc);
  if (!result.success) {
    for (const issue of result.issues) {
      const path = issue.path?.map((p) => String(p.key)).join(".") ?? "";
      const setting = settingForField(path);
      const where = setting === null ? { file, line: null } : { file: sources[setting] ?? file, line: lines[setting] ?? null };
      problems.push(error(where.file, where.line, name, `${setting ?? (path || "description")}: ${issue.message}`));
    }
  }
  // Contradictions are judged only on a description whose settings all read cleanly, so a
  // command with a typo is not also reported as a missing command.
  if (result.success && !input.syntaxErrors && !problems.some((p) => p.severity === "error")) problems.push(...structural(result.output));
  const failed = problems.some((p) => p.severity === "error");
  if (!failed && result.success) return { description: result.output, partial: null, problems };
  return { description: null, partial: result.success ? result.output : readable(draft, result.issues), problems };
}

/**
 * The draft with every field the schema refused put back to its default: what could be read
 * of a file whose values the schema checks after they were applied (a nice out of range...).
 */
function readable(draft: Draft, issues: v.BaseIssue<unknown>[]): ServiceDescription | null {
  const defaults: Record<string, unknown> = blankDescription(draft.desc.name, draft.desc.file);
  const desc: Record<string, unknown> = { ...draft.desc };
  for (const issue of issues) {
    const key = issue.path?.[0]?.key;
    if (typeof key === "string") desc[key] = defaults[key];
  }
  const again = v.safeParse(ServiceDescription, desc);
  return again.success ? again.output : null;
}

/**
 * What dinit refuses at load time because the settings contradict each other or the type;
 * the layers above rely on these holding.
 */
function structural(d: ServiceDescription): Problem[] {
  const problems: Problem[] = [];
  const at = (setting: string, message: string) => problems.push(error(fileOf(d, setting), d.lines[setting] ?? null, d.name, message));
  if (runsAProcess(d.type) && d.command === null) {
    at("type", `a ${d.type} service needs a 'command' (or make it 'type = internal')`);
  }
  if (d.type === "bgprocess" && d.pidFile === null) {
    at("type", "a bgprocess service needs a 'pid-file': the file its daemon writes its process id to");
  }
  if (d.type === "bgprocess" && d.readiness !== null) {
    at("ready-notification", "ready-notification: not supported for bgprocess services (the pid file marks readiness)");
  }
  if (d.options.includes("kill-all-on-stop") && d.type !== "internal" && d.type !== "scripted") {
    at("options", "options: kill-all-on-stop can only be set on scripted or internal services");
  }
  for (const c of isolationConflicts(d)) at(c.setting, `${c.setting}: ${c.message}`);
  if (d.consumerOf !== null && d.type !== "process" && d.type !== "bgprocess") {
    at("consumer-of", "consumer-of: only a process or bgprocess service can consume another service's output");
  }
  if (d.health !== null) {
    const kinds = ["health-command", "health-http", "health-tcp"].filter((k) => d.lines[k] !== undefined).sort((a, b) => d.lines[a]! - d.lines[b]!);
    if (kinds.length > 1) at(kinds[1]!, `${kinds.join(" and ")}: a service has one health check; keep one of them`);
    if (kinds.length === 0) {
      const first = Object.keys(d.lines).find((k) => k.startsWith("health-"))!;
      at(first, `${first}: there is no health check to tune; add health-command, health-http or health-tcp`);
    }
  }
  return problems;
}

function enableVia(s: Located & { kind: "meta" }, draft: Draft, name: string, problems: Problem[]): void {
  try {
    const parts = readValue(s.value).parts;
    // Other @meta lines carry information for other tools; dinit ignores them too.
    if (parts[0] !== "enable-via") return;
    if (parts.length !== 2 || !v.is(ServiceName, parts[1])) throw new ValueError("'@meta enable-via' takes one service name");
    draft.desc.enableVia = parts[1]!;
  } catch (e) {
    if (!(e instanceof ValueError)) throw e;
    problems.push(error(s.file, s.line, name, `@meta: ${e.message}`));
  }
}

/** The service's own variables: load-options ones, then the env-file (which wins, as in dinit). */
function serviceEnvironment(
  draft: Draft,
  name: string,
  { file, lines, sources }: { file: string; lines: Record<string, number>; sources: Record<string, string> },
  env: Record<string, string | undefined>,
  problems: Problem[],
): Record<string, string> {
  const vars: Record<string, string> = {};
  const { loadOptions, runAs, envFile } = draft.desc;
  if (loadOptions.includes("export-passwd-vars")) {
    const who = runAs ?? String(process.getuid?.() ?? 0);
    const user = findUser(who);
    if (user) {
      Object.assign(vars, { USER: user.name, LOGNAME: user.name, HOME: user.home, SHELL: user.shell, UID: String(user.uid), GID: String(user.gid) });
    } else {
      problems.push(warning(file, lines["load-options"] ?? null, name, `load-options: export-passwd-vars: user '${who}' is not in /etc/passwd; USER, HOME and the rest are not set`));
    }
  }
  if (loadOptions.includes("export-service-name")) vars.DINIT_SERVICE = name;
  if (envFile !== null) {
    try {
      const parsed = parseEnvFile(readTextFile(envFile), envFile, env);
      Object.assign(vars, parsed.vars);
      problems.push(...parsed.problems.map((p) => ({ ...p, service: name })));
    } catch (e) {
      if (!(e instanceof FileProblem)) throw e;
      // A missing env-file may be written by a service that runs first (a config step), so
      // it is worth a warning, not a refusal; the service then gets no variables from it.
      const report = e.code === "ENOENT" ? warning : error;
      problems.push(report(sources["env-file"] ?? file, lines["env-file"] ?? null, name, `env-file: ${e.message}`));
    }
  }
  return vars;
}

/** What needs every setting read: `.d` directories, the log-type default, absolute paths. */
function finish(draft: Draft, file: string, name: string, problems: Problem[]): void {
  const d = draft.desc;
  d.dependencyDirs = draft.depDirs.map(({ kind, dir }) => ({ kind, dir }));
  for (const dir of draft.depDirs) {
    try {
      for (const entry of listDependencyDir(dir.dir)) {
        if (!v.is(ServiceName, entry)) {
          problems.push(error(dir.file, dir.line, name, `entry '${entry}' in ${dir.dir} is not a valid service name`));
          continue;
        }
        d.depends = [...d.depends, { kind: dir.kind, name: entry, line: dir.line }];
      }
    } catch (e) {
      if (!(e instanceof FileProblem)) throw e;
      problems.push(error(dir.file, dir.line, name, `dependency directory ${e.message}`));
    }
  }
  // The same edge written twice (a repeated line, a fragment included twice, a `.d` link beside
  // a written one, as `enable` makes) is one edge, as in dinit; the first line is kept.
  const seen = new Set<string>();
  d.depends = d.depends.filter((dep) => !seen.has(`${dep.kind} ${dep.name}`) && seen.add(`${dep.kind} ${dep.name}`));
  // bosun's default is `console` (prefixed passthrough); dinit's `logfile` alone still means file.
  d.logType = draft.logType ?? (d.logfile !== null ? "file" : "console");
  const base = dirname(file);
  // In a new root, working-dir is a path there (default its /), not one beside the service file.
  if (d.chroot !== null) d.workingDir = resolve("/", d.workingDir ?? "/");
  else d.workingDir = d.workingDir === null ? base : resolve(base, d.workingDir);
  if (d.logfile !== null) d.logfile = resolve(base, d.logfile);
  if (d.pidFile !== null) d.pidFile = resolve(base, d.pidFile);
  if (d.socketListen !== null) d.socketListen = resolve(base, d.socketListen);
  if (d.chroot !== null) d.chroot = resolve(base, d.chroot);
}
