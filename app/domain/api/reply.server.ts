import type { z } from "zod";
import { translator } from "../../i18n/index";
import { domainOutcome } from "../../lib/http.server";
import type { FieldErrors } from "../errors";
import type { Pagination } from "./endpoint";

// The API's envelope: { result: "success", data } or { result: "error", error: { code,
// description, errors } }. Domain errors are mapped by the same function the pages use.

export interface FieldError {
  field: string;
  code: string;
  message: string;
}

const en = translator("en");

export class ApiError extends Error {
  constructor(
    public readonly status: number,
    public readonly code: string,
    description: string,
    public readonly errors: FieldError[] = [],
    public readonly headers: Record<string, string> = {},
  ) {
    super(description);
  }
}

const JSON_HEADERS = { "Content-Type": "application/json; charset=utf-8", "Cache-Control": "no-store", "X-Content-Type-Options": "nosniff" };

/**
 * A JSON reply before it becomes a Response: server.ts writes it to the socket as it is (no
 * Response built and read back per request); the Remix route turns it into one (toResponse).
 */
export interface JsonReply {
  status: number;
  headers: Record<string, string>;
  text: string;
}

export function successReply(data: unknown, status = 200, pagination?: Pagination): JsonReply {
  const body = pagination ? { result: "success", data, pagination } : { result: "success", data };
  return { status, headers: { ...JSON_HEADERS }, text: JSON.stringify(body) };
}

export function errorReply(err: ApiError): JsonReply {
  const body = { result: "error", error: { code: err.code, description: err.message, errors: err.errors } };
  return { status: err.status, headers: { ...JSON_HEADERS, ...err.headers }, text: JSON.stringify(body) };
}

export function toResponse(reply: JsonReply | Response): Response {
  return reply instanceof Response ? reply : new Response(reply.text, { status: reply.status, headers: reply.headers });
}

/** API field names are snake_case; the domain's are camelCase (`teamIds` → `team_ids`). */
function apiField(field: string): string {
  return field.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

/** Field messages are catalog keys (`errors.required`): the key is the code, English the message. */
export function fieldErrorsOf(fieldErrors: FieldErrors): FieldError[] {
  return Object.entries(fieldErrors).map(([field, key]) => ({ field: apiField(field), code: key, message: en(key) }));
}

const I18N_KEY = /^[a-z]\w*(\.\w+)+$/;

export function zodFieldErrors(error: z.ZodError): FieldError[] {
  return error.issues.map((issue) => {
    const key = I18N_KEY.test(issue.message) ? issue.message : null;
    return {
      field: issue.path.map(String).join(".") || "_body",
      code: key ?? `invalid_${issue.code}`,
      message: key ? en(key) : issue.message,
    };
  });
}

/** A domain error as the API answers it; null for an unexpected error (a 500). */
export function apiErrorOf(err: unknown): ApiError | null {
  if (err instanceof ApiError) return err;
  const outcome = domainOutcome(err);
  if (!outcome) return null;
  switch (outcome.status) {
    case 404:
      return new ApiError(404, "not_found", "The resource does not exist or is not visible to this token.");
    case 403:
      return new ApiError(403, "forbidden", "The token's user is not allowed to do this.");
    case 400:
      return new ApiError(422, "validation_failed", "The request's data is not valid.", fieldErrorsOf(outcome.fieldErrors));
    case 409:
      return new ApiError(409, outcome.code, en(outcome.message, outcome.vars));
    case 429:
      return new ApiError(429, "rate_limited", "Too many requests.", [], { "Retry-After": String(outcome.retryAfterSec) });
  }
}
