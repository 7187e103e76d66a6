/**
 * @module supervisor/enable
 * `enable`/`disable` on disk, like dinit: a link named after the service in the `waits-for.d`
 * directory of the service it is enabled from (`@meta enable-via`, else `boot`), so the next
 * boot starts it too. The live dependency is the supervisor's to add; this is only the file.
 */
import { lstatSync, mkdirSync, symlinkSync, unlinkSync } from "node:fs";
import { resolve } from "node:path";
import type { ServiceDescription } from "../config/schema.ts";

/** The `waits-for.d` directory of the service enabled from (as the loader resolved it), or an Error saying what to add. */
function waitsForDir(via: string, desc: ServiceDescription | null): string | Error {
  if (!desc?.file) return new Error(`${via} has no service file, so nothing can be enabled from it on disk`);
  const dir = desc.dependencyDirs.find((d) => d.kind === "waits-for")?.dir;
  if (!dir) return new Error(`${via} has no waits-for.d directory: add "waits-for.d = ${via}.d" to ${desc.file} to enable services from it`);
  return dir;
}

/**
 * Writes the enable link for `name` in `via`'s waits-for.d; returns an Error (nothing written) when it cannot.
 *
 * @example
 * persistEnable("boot", engine.description("boot"), "web", "/etc/bosun/services/web")
 */
export function persistEnable(via: string, viaDesc: ServiceDescription | null, name: string, target: string | null): Error | null {
  const dir = waitsForDir(via, viaDesc);
  if (dir instanceof Error) return dir;
  try {
    mkdirSync(dir, { recursive: true });
    const link = resolve(dir, name);
    if (!lstatExists(link)) symlinkSync(target ?? `../${name}`, link);
    return null;
  } catch (e) {
    return new Error(`cannot write the enable link in ${dir}: ${(e as Error).message}`);
  }
}

/** Removes the enable link of `name` from `via`'s waits-for.d, if there is one. */
export function persistDisable(via: string, viaDesc: ServiceDescription | null, name: string): Error | null {
  const dir = waitsForDir(via, viaDesc);
  if (dir instanceof Error) return dir;
  const link = resolve(dir, name);
  try {
    if (lstatExists(link)) unlinkSync(link);
    return null;
  } catch (e) {
    return new Error(`cannot remove ${link}: ${(e as Error).message}`);
  }
}

/** existsSync follows links; a dangling enable link still counts as present. */
function lstatExists(path: string): boolean {
  try {
    lstatSync(path);
    return true;
  } catch {
    return false;
  }
}
