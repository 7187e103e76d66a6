/**
 * @module control/validate
 * Hono's validator middleware driven by a valibot schema: a request that does not fit gets a
 * 400 naming the field (`body.signal`, `param.name`, `query.lines`) and what is wrong with it.
 */
import type { ValidationTargets } from "hono";
import { validator } from "hono/validator";
import * as v from "valibot";
import { errorBody } from "./errors.ts";

const prefix: Partial<Record<keyof ValidationTargets, string>> = { json: "body", param: "param", query: "query" };

/**
 * Validates one part of the request; the handler reads the typed output with `c.req.valid(target)`.
 *
 * @example
 * app.post("/v1/env", check("json", EnvBody), (c) => c.json(c.req.valid("json")));
 */
export function check<T extends keyof ValidationTargets, S extends v.GenericSchema>(target: T, schema: S) {
  return validator(target, (value, c) => {
    const result = v.safeParse(schema, value);
    if (result.success) return result.output as v.InferOutput<S>;
    const issue = result.issues[0];
    const path = [prefix[target] ?? target, ...(issue.path?.map((p) => String(p.key)) ?? [])].join(".");
    return c.json(errorBody("invalid", `${path}: ${issue.message}`, { field: path }), 400);
  });
}
