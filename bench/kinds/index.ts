/**
 * @module bench/kinds
 * Every kind the bench knows, in table order, and which of them this machine has.
 */
import { findCompiledBosun, findSourceBosun } from "./bosun.ts";
import { findBunFloor } from "./bun-floor.ts";
import { findDinit } from "./dinit.ts";
import { findPm2 } from "./pm2.ts";
import { findRunit } from "./runit.ts";
import { findS6 } from "./s6.ts";
import { findSupervisord } from "./supervisord.ts";
import type { Kind, Missing } from "./types.ts";

export type { Kind, Missing, Service } from "./types.ts";

/** Kind names in the order of the tables; dinit first, since every ratio is against it. */
export const KIND_NAMES = ["dinit", "bosun", "bosun-src", "bun-floor", "s6", "runit", "supervisord", "pm2"] as const;
export type KindName = (typeof KIND_NAMES)[number];

/** What finding a kind may need from the run: the Bun that runs bosun from source, a directory for built probes. */
export interface FindContext {
  bun: string;
  scratch: string;
}

const finders: Record<KindName, (ctx: FindContext) => Kind | Missing> = {
  dinit: findDinit,
  bosun: findCompiledBosun,
  "bosun-src": (ctx) => findSourceBosun(ctx.bun),
  "bun-floor": (ctx) => findBunFloor(ctx.scratch),
  s6: findS6,
  runit: findRunit,
  supervisord: findSupervisord,
  pm2: findPm2,
};

/**
 * Looks for the asked kinds; returns those found and, for the others, why not.
 *
 * @example
 * const { found, missing } = findKinds(["dinit", "bosun"], { bun: process.execPath, scratch: "/tmp" });
 */
export function findKinds(names: readonly KindName[], ctx: FindContext): { found: Kind[]; missing: Missing[] } {
  const found: Kind[] = [];
  const missing: Missing[] = [];
  for (const name of names) {
    const k = finders[name](ctx);
    if ("missing" in k) missing.push(k);
    else found.push(k);
  }
  return { found, missing };
}
