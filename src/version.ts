/**
 * @module version
 * bosun's version, from package.json (the one place it is written); a compiled binary carries
 * it inlined, so the binary and `bun src/main.ts` say the same.
 */
import pkg from "../package.json" with { type: "json" };

/** bosun's version, e.g. `0.1.0`. */
export const VERSION: string = pkg.version;
