/**
 * @module supervisor/failure
 * The one failure type of the supervisor's operations: a code a script can branch on and a
 * message a person can act on (plus the field at fault or the dependents in the way). The
 * control layer answers every one of them the same way, looking the HTTP status up by code.
 */
import * as v from "valibot";
import type { CommandResult } from "../engine/types.ts";

/** Every failure code; the control API's error bodies carry one of these. */
export const ErrorCode = v.picklist(["invalid", "not-found", "refused", "forbidden", "unauthorized", "too-large", "busy", "internal"]);
export type ErrorCode = v.InferOutput<typeof ErrorCode>;

/** What a failure may carry besides its message. */
export interface FailureDetail {
  /** The request field at fault (for `invalid`), e.g. `body.signal`. */
  field?: string;
  /** For a refused stop: the started hard dependents. */
  dependents?: string[];
}

/**
 * An operation bosun refused or could not carry out.
 *
 * @example
 * throw new OperationError("not-found", "no service named web is loaded");
 */
export class OperationError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly detail: FailureDetail = {},
  ) {
    super(message);
    this.name = "OperationError";
  }
}

/**
 * Turns an engine refusal into the thrown failure; does nothing for success.
 *
 * @example
 * orThrow(engine.stop("web")); // throws OperationError("refused", ..., { dependents: ["api"] })
 */
export function orThrow(result: CommandResult): void {
  if (result.ok) return;
  throw new OperationError(result.code, result.message, result.dependents ? { dependents: result.dependents } : {});
}
