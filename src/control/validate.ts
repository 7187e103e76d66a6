/**
 * @module control/validate
 * Hono's valibot validator with bosun's error: a request part that does not fit its schema
 * throws the one failure type, naming the field (`body.signal`, `param.name`, `query.lines`)
 * and what is wrong with it, so the app's single onError answers it like any other failure.
 */
import { vValidator } from "@hono/valibot-validator";
import type { ValidationTargets } from "hono";
import type * as v from "valibot";
import { OperationError } from "../supervisor/failure.ts";

const prefix: Partial<Record<keyof ValidationTargets, string>> = { json: "body", param: "param", query: "query" };

/**
 * Validates one part of the request; the handler reads the typed output with `c.req.valid(target)`.
 *
 * @example
 * app.post("/v1/env", check("json", EnvBody), (c) => c.json(c.req.valid("json")));
 */
export function check<T extends keyof ValidationTargets, S extends v.GenericSchema>(target: T, schema: S) {
  return vValidator(target, schema, (result) => {
    if (result.success) return;
    const issue = result.issues[0];
    const field = [prefix[target] ?? target, ...(issue.path?.map((p) => String(p.key)) ?? [])].join(".");
    throw new OperationError("invalid", `${field}: ${issue.message}`, { field });
  });
}
