/**
 * @module process/signals
 * Signal names and numbers, and how an ended process reads as an `ExitStatus` or a shell-style
 * exit code (128+N for a signal).
 */
import { constants } from "node:os";
import type { ExitStatus } from "../engine/types.ts";

const numbers = constants.signals as Record<string, number>;
const names = new Map(Object.entries(numbers).map(([name, n]) => [n, name.slice(3)]));

/** The number of a signal named without `SIG` (`TERM` -> 15); undefined if unknown. */
export function signalNumber(name: string): number | undefined {
  return numbers[`SIG${name}`];
}

/** The name without `SIG` of a signal number (`9` -> `KILL`). */
export function signalName(n: number): string {
  return names.get(n) ?? String(n);
}

/**
 * Decodes a raw wait status from waitpid.
 *
 * @example
 * fromWaitStatus(7 << 8) // { code: 7, signal: null }
 * fromWaitStatus(11)     // { code: null, signal: "SEGV" }
 */
export function fromWaitStatus(status: number): ExitStatus {
  const sig = status & 0x7f;
  return sig === 0 ? { code: (status >> 8) & 0xff, signal: null } : { code: null, signal: signalName(sig) };
}

/** From what Bun reports (`exitCode`, `signalCode` like "SIGSEGV"). */
export function fromBun(exitCode: number | null, signalCode: string | number | null): ExitStatus {
  if (typeof signalCode === "number") return { code: null, signal: signalName(signalCode) };
  return signalCode ? { code: null, signal: signalCode.replace(/^SIG/, "") } : { code: exitCode ?? 0, signal: null };
}

/**
 * The exit code a shell would show: the code, or 128+N for a signal death.
 *
 * @example
 * shellCode({ code: null, signal: "SEGV" }) // 139
 */
export function shellCode(status: ExitStatus): number {
  if (status.signal) return 128 + (signalNumber(status.signal) ?? 0);
  return status.code ?? 0;
}
