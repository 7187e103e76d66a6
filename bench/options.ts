/**
 * @module bench/options
 * `bun run bench` flags: which scenarios and kinds, how many repetitions, the sizes, and a
 * quick mode for a smoke run. parseArgs splits, one valibot schema checks and types.
 */
import { parseArgs } from "node:util";
import * as v from "valibot";
import { KIND_NAMES, type KindName } from "./kinds/index.ts";

/** Scenarios run for every kind side by side. */
export const PEER_SCENARIOS = ["start", "memory", "shutdown", "restart"] as const;
/** bosun's own benchmarks (no peers): the CLI, log sinks, the engine alone, and Bun's floor. */
export const OWN_SCENARIOS = ["cli", "logs", "engine", "floor"] as const;
export type Scenario = (typeof PEER_SCENARIOS)[number] | (typeof OWN_SCENARIOS)[number];
const SCENARIOS: readonly Scenario[] = [...PEER_SCENARIOS, ...OWN_SCENARIOS];

export const USAGE = `usage: bun run bench [--scenarios LIST] [--kinds LIST] [--reps N] [--quick] [--out DIR] [sizes...]
Runs bosun's benchmarks and, for every peer supervisor found, the same scenarios side by side.
  --scenarios LIST   comma list of ${SCENARIOS.join(", ")} (default all)
  --kinds LIST       comma list of ${KIND_NAMES.join(", ")} (default all; missing ones are named)
  --reps N           repetitions of each peer scenario, kinds rotated each time (default 3)
  --start-n LIST     services in the start scenario (default 100,1000)
  --memory-n LIST    services in the memory scenario (default 3,100,1000)
  --shutdown-n N     services in the shutdown scenario (default 20)
  --restarts N       restart intervals per repetition (default 50)
  --restart-time S   at most this many seconds collecting them (default 15)
  --settle S         seconds between all running and the memory reading (default 3)
  --timeout S        the longest any single wait may take (default 120)
  --quick            a smoke run: 1 rep, tiny sizes; writes to a temp dir unless --out
  --out DIR          where RESULTS.md and chart.svg go (default bench/)
  --keep             keep each trial's directory (printed) for a look inside
Peers come from PATH or DINIT_BIN_DIR, S6_BIN_DIR, RUNIT_BIN_DIR, SUPERVISOR_BIN_DIR, PM2_BIN_DIR.`;

/** A flag's value did not make sense: the message names the flag. */
export class UsageError extends Error {}

const count = (flag: string) => v.pipe(v.string(), v.toNumber(`${flag} is a number`), v.integer(`${flag} is a whole number`), v.minValue(1, `${flag} is at least 1`));
const seconds = (flag: string) => v.pipe(v.string(), v.toNumber(`${flag} is a number of seconds`), v.minValue(0, `${flag} is 0 or more`));
const list = <T extends string>(flag: string, known: readonly T[]) =>
  v.pipe(
    v.string(),
    v.transform((s) => s.split(",").filter(Boolean)),
    v.array(v.picklist(known, `${flag} takes ${known.join(", ")}`)),
    v.minLength(1, `${flag} names at least one`),
  );
const sizes = (flag: string) =>
  v.pipe(
    v.string(),
    v.transform((s) => s.split(",").filter(Boolean).map(Number)),
    v.array(v.pipe(v.number(), v.integer(`${flag} takes whole numbers`), v.minValue(1, `${flag} takes numbers from 1`))),
    v.minLength(1, `${flag} names at least one size`),
  );

const Flags = v.object({
  scenarios: v.optional(list("--scenarios", SCENARIOS)),
  kinds: v.optional(list("--kinds", KIND_NAMES)),
  reps: v.optional(count("--reps")),
  "start-n": v.optional(sizes("--start-n")),
  "memory-n": v.optional(sizes("--memory-n")),
  "shutdown-n": v.optional(count("--shutdown-n")),
  restarts: v.optional(count("--restarts")),
  "restart-time": v.optional(seconds("--restart-time")),
  settle: v.optional(seconds("--settle")),
  timeout: v.optional(v.pipe(seconds("--timeout"), v.minValue(1, "--timeout is at least 1 second"))),
  quick: v.optional(v.boolean(), false),
  out: v.optional(v.pipe(v.string(), v.minLength(1, "--out names a directory"))),
  keep: v.optional(v.boolean(), false),
  help: v.optional(v.boolean(), false),
});

/** Everything a run needs to know, defaults filled in. */
export interface Options {
  scenarios: Scenario[];
  kinds: KindName[];
  reps: number;
  startN: number[];
  memoryN: number[];
  shutdownN: number;
  restarts: number;
  restartTimeS: number;
  settleS: number;
  timeoutS: number;
  quick: boolean;
  /** null: a quick run writes to a fresh temp dir. */
  out: string | null;
  keep: boolean;
  help: boolean;
  /** The flags as given, for the results header. */
  argv: string[];
}

/**
 * Parses the bench's flags; throws UsageError naming the flag at fault.
 *
 * @example
 * parseOptions(["--quick", "--kinds", "bosun"]).startN // [10]
 */
export function parseOptions(argv: string[]): Options {
  let values: Record<string, unknown>;
  try {
    values = parseArgs({
      args: argv,
      strict: true,
      options: {
        scenarios: { type: "string" },
        kinds: { type: "string" },
        reps: { type: "string" },
        "start-n": { type: "string" },
        "memory-n": { type: "string" },
        "shutdown-n": { type: "string" },
        restarts: { type: "string" },
        "restart-time": { type: "string" },
        settle: { type: "string" },
        timeout: { type: "string" },
        quick: { type: "boolean" },
        out: { type: "string" },
        keep: { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
    }).values;
  } catch (e) {
    throw new UsageError((e as Error).message.split("\n")[0] ?? "bad arguments");
  }
  const parsed = v.safeParse(Flags, values);
  if (!parsed.success) throw new UsageError(parsed.issues[0].message);
  const f = parsed.output;
  const q = f.quick;
  return {
    scenarios: f.scenarios ?? [...SCENARIOS],
    kinds: f.kinds ?? [...KIND_NAMES],
    reps: f.reps ?? (q ? 1 : 3),
    startN: f["start-n"] ?? (q ? [10] : [100, 1000]),
    memoryN: f["memory-n"] ?? (q ? [3, 10] : [3, 100, 1000]),
    shutdownN: f["shutdown-n"] ?? (q ? 3 : 20),
    restarts: f.restarts ?? (q ? 10 : 50),
    restartTimeS: f["restart-time"] ?? (q ? 3 : 15),
    settleS: f.settle ?? (q ? 0.5 : 3),
    timeoutS: f.timeout ?? (q ? 30 : 120),
    quick: q,
    out: f.out ?? null,
    keep: f.keep,
    help: f.help,
    argv,
  };
}
