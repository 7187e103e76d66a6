/**
 * @module supervisor/describe-reload
 * The one wording of a reload, for bosun's own line when it reloads and for `bosun reload`
 * and its `--plan`. Apart from announce.ts so the CLI words a reload without loading the
 * supervisor's announcements (and the engine modules they read).
 */

/**
 * What a reload of one service does (or, in a plan, would do), the same words for both:
 * settings that apply now, and settings that wait for the service's next start with the
 * command that restarts it; empty when nothing changed.
 *
 * @example
 * describeReload({ service: "web", now: ["restart-delay"], restartNeeded: ["command"], restartsWith: ["api"] })
 * // "applies now: restart-delay; at the next restart: command (bosun restart web, which also restarts api)"
 */
export function describeReload(change: { service: string; now: string[]; restartNeeded: string[]; restartsWith: string[] }): string {
  const parts: string[] = [];
  if (change.now.length > 0) parts.push(`applies now: ${change.now.join(", ")}`);
  if (change.restartNeeded.length > 0) {
    const also = change.restartsWith.length > 0 ? `, which also restarts ${change.restartsWith.join(", ")}` : "";
    parts.push(`at the next restart: ${change.restartNeeded.join(", ")} (bosun restart ${change.service}${also})`);
  }
  return parts.join("; ");
}
