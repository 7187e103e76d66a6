/**
 * @module control/errors
 * The error answers of the control API: one JSON shape (ErrorJson) and the HTTP status each
 * error code maps to.
 */
import type { CommandResult } from "../engine/types.ts";
import type { ErrorJson } from "./schemas.ts";

type Code = ErrorJson["error"]["code"];

/** HTTP status per error code. */
const statusOf = {
  invalid: 400,
  unauthorized: 401,
  "not-found": 404,
  refused: 409,
  "too-large": 413,
  internal: 500,
  busy: 503,
} as const satisfies Record<Code, number>;

/**
 * The JSON body of an error answer.
 *
 * @example
 * c.json(errorBody("not-found", "no service named web is loaded"), 404)
 */
export function errorBody(code: Code, message: string, extra: { field?: string; dependents?: string[] } = {}): ErrorJson {
  return { error: { code, message, ...extra } };
}

/** An engine refusal as an error body and its status. */
export function refusal(result: Extract<CommandResult, { ok: false }>): { body: ErrorJson; status: 400 | 404 | 409 } {
  const extra = result.dependents ? { dependents: result.dependents } : {};
  return { body: errorBody(result.code, result.message, extra), status: statusOf[result.code] };
}
