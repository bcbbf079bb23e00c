import { z } from "zod";
import { defineEndpoint, type Endpoint } from "./endpoint";

// the OpenAPI 3.1 document of a version, generated from the endpoint objects and the
// same zod schemas that validate the requests, with every status each endpoint can answer.

type Json = Record<string, unknown>;

function jsonSchema(schema: z.ZodType, io: "input" | "output"): Json {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: "any", target: "draft-2020-12" }) as Json;
  return rest;
}

/** Every status an endpoint can answer with: its success, its domain errors and the router's. */
export function statusesOf(e: Endpoint): number[] {
  const statuses = new Set<number>([e.success.status, 401, 429, 500]);
  if (e.query || e.body) statuses.add(400);
  if (e.method !== "GET") statuses.add(403); // a read-only token
  if (e.params || e.orgParam) statuses.add(404);
  if (e.body) statuses.add(422);
  for (const s of e.errors) statuses.add(s);
  return [...statuses].sort((a, b) => a - b);
}

const errorDescriptions: Record<number, string> = {
  400: "Malformed JSON, a body over 256 KiB or invalid query parameters (`malformed_json`, `body_too_large`, `invalid_parameters`)",
  401: "No token, or an unknown, revoked or expired one (`missing_token`, `invalid_token`)",
  403: "The token's user may not do this (`forbidden`), or the token is read-only (`read_only_token`)",
  404: "Not found, or not visible to this token (`not_found`)",
  409: "A rule of the portal refuses the change (the code names the rule)",
  422: "The request's data is not valid (`validation_failed`, with field errors)",
  429: "More than 60 requests in a minute for this user (`rate_limited`); see Retry-After",
  500: "An error on our side (`internal_error`)",
};

const rateLimitHeaders = {
  "RateLimit-Limit": { $ref: "#/components/headers/RateLimit-Limit" },
  "RateLimit-Remaining": { $ref: "#/components/headers/RateLimit-Remaining" },
  "RateLimit-Reset": { $ref: "#/components/headers/RateLimit-Reset" },
};

function operation(e: Endpoint): Json {
  const parameters: Json[] = [];
  if (e.params) {
    for (const [name, schema] of Object.entries(e.params.shape)) {
      parameters.push({ name, in: "path", required: true, schema: jsonSchema(schema as z.ZodType, "input") });
    }
  }
  if (e.query) {
    const object = jsonSchema(e.query, "input") as { properties?: Record<string, Json>; required?: string[] };
    for (const [name, schema] of Object.entries(object.properties ?? {})) {
      parameters.push({ name, in: "query", required: (object.required ?? []).includes(name), schema });
    }
  }
  const responses: Json = {};
  for (const status of statusesOf(e)) {
    if (status === e.success.status) {
      const content =
        "pdf" in e.success
          ? { "application/pdf": { schema: { type: "string", contentMediaType: "application/pdf" } } }
          : {
              "application/json": {
                schema: {
                  type: "object",
                  required: e.success.list ? ["result", "data", "pagination"] : ["result", "data"],
                  properties: {
                    result: { const: "success" },
                    data: jsonSchema(e.success.data, "output"),
                    ...(e.success.list ? { pagination: { $ref: "#/components/schemas/Pagination" } } : {}),
                  },
                },
              },
            };
      responses[String(status)] = { description: e.success.description, headers: rateLimitHeaders, content };
    } else {
      responses[String(status)] = {
        description: errorDescriptions[status],
        headers: status === 429 ? { ...rateLimitHeaders, "Retry-After": { $ref: "#/components/headers/Retry-After" } } : rateLimitHeaders,
        content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } },
      };
    }
  }
  return {
    operationId: e.operationId,
    summary: e.summary,
    tags: [e.tag],
    ...(e.public ? { security: [] } : {}),
    ...(parameters.length ? { parameters } : {}),
    ...(e.body ? { requestBody: { required: true, content: { "application/json": { schema: jsonSchema(e.body, "input") } } } } : {}),
    responses,
  };
}

export function openApiDocument(version: string, endpoints: Endpoint[]): Json {
  const paths: Record<string, Json> = {};
  for (const e of endpoints) {
    paths[e.path] ??= {};
    paths[e.path][e.method.toLowerCase()] = operation(e);
  }
  const integerHeader = (description: string) => ({ description, schema: { type: "integer" } });
  return {
    openapi: "3.1.0",
    info: {
      title: "Partner Portal API",
      version,
      description:
        "JSON over HTTPS. Authenticate with an API token created on the account page: `Authorization: Bearer <token>`. " +
        "`/api/{path}` answers like the latest version. At most 60 requests a minute per user, across all of the user's tokens. " +
        "A path that exists with another method answers 405 with `Allow`; an unknown path 404.",
    },
    servers: [{ url: `/api/${version}` }],
    security: [{ bearer: [] }],
    paths,
    components: {
      securitySchemes: { bearer: { type: "http", scheme: "bearer", description: "An API token (`ppat_…`)" } },
      headers: {
        "RateLimit-Limit": integerHeader("Requests allowed per minute"),
        "RateLimit-Remaining": integerHeader("Requests left in the current minute"),
        "RateLimit-Reset": integerHeader("Seconds until the limit is whole again"),
        "Retry-After": integerHeader("Seconds to wait before the next request"),
      },
      schemas: {
        Pagination: {
          type: "object",
          required: ["page", "per_page", "total"],
          properties: { page: { type: "integer", minimum: 1 }, per_page: { type: "integer", minimum: 1, maximum: 100 }, total: { type: "integer", minimum: 0 } },
        },
        Error: {
          type: "object",
          required: ["result", "error"],
          properties: {
            result: { const: "error" },
            error: {
              type: "object",
              required: ["code", "description", "errors"],
              properties: {
                code: { type: "string", description: "Stable snake_case code" },
                description: { type: "string" },
                errors: {
                  type: "array",
                  items: {
                    type: "object",
                    required: ["field", "code", "message"],
                    properties: { field: { type: "string" }, code: { type: "string" }, message: { type: "string" } },
                  },
                },
              },
            },
          },
        },
      },
    },
  };
}

/** GET /openapi.json of a version: public, built once per process. */
export function openApiEndpoint(version: string, endpoints: () => Endpoint[]): Endpoint {
  let document: string | undefined;
  return defineEndpoint({
    method: "GET",
    path: "/openapi.json",
    operationId: "getOpenApiDocument",
    summary: "This document",
    tag: "Meta",
    public: true,
    success: { status: 200, description: "The OpenAPI 3.1 document", data: z.object({}).passthrough() },
    errors: [],
    async handler() {
      document ??= JSON.stringify(openApiDocument(version, endpoints()));
      return new Response(document, { headers: { "Content-Type": "application/json; charset=utf-8", "Cache-Control": "public, max-age=300" } });
    },
  });
}
