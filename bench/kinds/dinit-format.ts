/**
 * @module bench/kinds/dinit-format
 * Service files in dinit's format, read by dinit and by bosun alike, so the two get exactly the
 * same configuration: one `process` service per workload and an internal `boot` that waits for
 * all of them (both start `boot` by default).
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { type Service, writeFile } from "./types.ts";

/** One argv word in dinit's syntax: double quotes protect spaces, `$` is doubled. */
function dinitWord(word: string): string {
  const escaped = word.replaceAll("$", "$$$$");
  return /^[^\s"'\\#$]+$/.test(word) ? escaped : `"${escaped.replaceAll("\\", "\\\\").replaceAll('"', '\\"')}"`;
}

/** Writes `dir/NAME` for each service plus `dir/boot`. */
export function writeDinitServices(dir: string, services: Service[]): void {
  mkdirSync(dir, { recursive: true });
  for (const s of services) {
    const lines = ["type = process", `command = ${s.argv.map(dinitWord).join(" ")}`];
    if (s.fastRestart) lines.push("restart = yes", "restart-delay = 0", "restart-limit-count = 0");
    writeFile(join(dir, s.name), `${lines.join("\n")}\n`);
  }
  writeFile(join(dir, "boot"), `type = internal\n${services.map((s) => `waits-for = ${s.name}\n`).join("")}`);
}
