/**
 * The example apps' shared state directory: $STATE_DIR, else one of this user's own, as
 * scripts/state-dir.sh makes it.
 */
import { tmpdir } from "node:os";
import { join } from "node:path";

export const stateDir = process.env.STATE_DIR || join(process.env.TMPDIR || tmpdir(), `bosun-example-${process.getuid?.() ?? 0}`);
