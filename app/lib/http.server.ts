import { data } from "@remix-run/node";
import { ForbiddenError } from "@casl/ability";
import type { z } from "zod";
import { Conflict, Forbidden, Invalid, NotFound, type FieldErrors } from "../domain/errors";
import { RateLimited } from "./rate-limit.server";

/** What a form action returns on failure: field messages and/or a form-level message. */
export interface FormFailure {
  ok: false;
  fieldErrors: FieldErrors;
  formError?: string;
  formErrorVars?: Record<string, string | number>;
  code?: string;
}

/** Parses a form with a zod schema; invalid input throws Invalid with field messages. */
export function parseForm<S extends z.ZodType>(schema: S, input: FormData | Record<string, unknown>): z.infer<S> {
  const raw = input instanceof FormData ? formToObject(input) : input;
  const result = schema.safeParse(raw);
  if (!result.success) {
    const fieldErrors: FieldErrors = {};
    for (const issue of result.error.issues) {
      const field = issue.path.join(".") || "_form";
      fieldErrors[field] ??= issue.message.includes(".") ? issue.message : "errors.invalid";
    }
    throw new Invalid(fieldErrors);
  }
  return result.data;
}

/** Repeated fields (checkboxes, multi-selects) become arrays; single ones stay strings. */
export function formToObject(form: FormData): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of new Set(form.keys())) {
    const values = form.getAll(key).map((v) => (typeof v === "string" ? v : v.name));
    out[key] = key.endsWith("[]") ? values : values.length > 1 ? values : values[0];
  }
  for (const key of Object.keys(out)) {
    if (key.endsWith("[]")) {
      out[key.slice(0, -2)] = out[key];
      delete out[key];
    }
  }
  return out;
}

/**
 * Runs a form action's domain call and maps domain errors to responses, the same way on
 * every page: Invalid → 400 with field messages, Conflict → 409, Forbidden → 403, NotFound → 404.
 */
export async function formAction<T>(fn: () => Promise<T>) {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof Invalid) {
      return data<FormFailure>({ ok: false, fieldErrors: err.fieldErrors }, { status: 400 });
    }
    if (err instanceof RateLimited) {
      const minutes = Math.max(1, Math.ceil(err.retryAfterSec / 60));
      return data<FormFailure>(
        { ok: false, fieldErrors: {}, formError: "auth.rateLimited", formErrorVars: { minutes }, code: "rate_limited" },
        { status: 429, headers: { "Retry-After": String(err.retryAfterSec) } },
      );
    }
    if (err instanceof Conflict) {
      return data<FormFailure>(
        { ok: false, fieldErrors: {}, formError: err.message, formErrorVars: err.vars, code: err.code },
        { status: 409 },
      );
    }
    throw toResponse(err);
  }
}

/** What a domain error means over HTTP: the one mapping that pages and the API share. */
export type DomainOutcome =
  | { status: 404; code: "not_found" }
  | { status: 403; code: "forbidden" }
  | { status: 400; code: "invalid"; fieldErrors: FieldErrors }
  | { status: 409; code: string; message: string; vars?: Record<string, string | number> }
  | { status: 429; code: "rate_limited"; retryAfterSec: number };

export function domainOutcome(err: unknown): DomainOutcome | null {
  if (err instanceof NotFound) return { status: 404, code: "not_found" };
  if (err instanceof Forbidden || err instanceof ForbiddenError) return { status: 403, code: "forbidden" };
  if (err instanceof Invalid) return { status: 400, code: "invalid", fieldErrors: err.fieldErrors };
  if (err instanceof Conflict) return { status: 409, code: err.code, message: err.message, vars: err.vars };
  if (err instanceof RateLimited) return { status: 429, code: "rate_limited", retryAfterSec: err.retryAfterSec };
  return null;
}

const statusText: Record<number, string> = { 400: "Bad Request", 403: "Forbidden", 404: "Not Found", 409: "Conflict" };

/** Maps an error thrown in a loader or action to a Response (or rethrows it). */
export function toResponse(err: unknown): unknown {
  if (err instanceof Response) return err;
  const outcome = domainOutcome(err);
  if (!outcome || outcome.status === 429) return err;
  return new Response(statusText[outcome.status], { status: outcome.status });
}

/** For loaders: run and map domain errors to responses. */
export async function guard<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw toResponse(err);
  }
}

/**
 * A route's `headers` export for forms that can be rate limited: without it Remix drops the
 * action's Retry-After (set by formAction) from the page's response.
 */
export function retryAfterHeaders({ actionHeaders }: { actionHeaders: Headers }): HeadersInit {
  const retryAfter = actionHeaders.get("Retry-After");
  return retryAfter ? { "Retry-After": retryAfter } : {};
}

export function clientIp(request: Request, context: { ip?: string } | undefined): string {
  return context?.ip ?? request.headers.get("x-forwarded-for")?.split(",")[0].trim() ?? "unknown";
}
