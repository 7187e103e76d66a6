/**
 * @module control/errors
 * The error answers of the control API: one JSON shape (ErrorJson) and the one map from a
 * failure's code to its HTTP status. Every failure reaches a client through `failureResponse`.
 */
import type { Context } from "hono";
import type { ErrorCode, FailureDetail, OperationError } from "../supervisor/failure.ts";
import type { ErrorJson } from "./schemas.ts";

/** HTTP status per failure code. */
export const STATUS = {
  invalid: 400,
  unauthorized: 401,
  forbidden: 403,
  "not-found": 404,
  refused: 409,
  "too-large": 413,
  internal: 500,
  busy: 503,
} as const satisfies Record<ErrorCode, number>;

/**
 * The JSON body of an error answer.
 *
 * @example
 * errorBody("not-found", "no service named web is loaded") // { error: { code: "not-found", message: "..." } }
 */
export function errorBody(code: ErrorCode, message: string, detail: FailureDetail = {}): ErrorJson {
  return { error: { code, message, ...detail } };
}

/** The answer to a failure: its body, with the status its code maps to. */
export function failureResponse(c: Context, e: OperationError): Response {
  return c.json(errorBody(e.code, e.message, e.detail), STATUS[e.code]);
}
