/**
 * @module test/support/proc
 * What /proc says about a process, for tests that must see a process end (or not) without
 * being its parent: a zombie has ended, whoever has yet to reap it.
 */
import { readFileSync } from "node:fs";

/**
 * True while a process with this pid exists and has not ended (a zombie counts as ended).
 *
 * @example
 * await waitFor("the grandchild gone", () => !alive(grandchild));
 */
export function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "latin1");
    // the state follows the command name, which may itself hold ") "
    return stat.slice(stat.lastIndexOf(")") + 2)[0] !== "Z";
  } catch {
    return false;
  }
}
