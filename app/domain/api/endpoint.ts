import { z } from "zod";
import type { ApiTokenAccess } from "../../../db/schema";
import type { AppAbility } from "../../auth/ability";
import type { UserActor } from "../../auth/actor";
import type { Handle } from "../tx.server";

// The shape of one API endpoint. A capability adds its endpoints as one small module that
// lists them (app/domain/api/v1/*.ts) and one line in v1/index.ts: the router, the checks,
// the error mapping, the rate limit and the OpenAPI document all come from these objects.

export type Method = "GET" | "POST" | "PATCH" | "PUT" | "DELETE";

/** Statuses an endpoint can answer with besides its success and the ones every endpoint has. */
export type ErrorStatus = 403 | 404 | 409 | 422;

/** Who calls: the token's user as an actor (narrowed to the token's scope) and their ability. */
export interface ApiCaller {
  actor: UserActor;
  ability: AppAbility;
  token: { id: string; access: ApiTokenAccess; scopeOrgId: string | null };
  user: { id: string; email: string; name: string; locale: string };
  /**
   * Where the handler's queries run: for a read, the request's transaction, opened with the
   * token's look-up and acting as the token's actor (join it with withActor); else the pool.
   */
  db: Handle;
}

/** Who sends the request, for public endpoints' abuse guards and the language of their mails. */
export interface RequestClient {
  ip: string;
  acceptLanguage: string | null;
}

export interface Pagination {
  page: number;
  per_page: number;
  total: number;
}

/** What a handler answers: data (with pagination for lists), or a Response of its own (a PDF). */
export type ApiReply = { status?: 200 | 201; data: unknown; pagination?: Pagination } | Response;

type Obj = z.ZodObject<z.ZodRawShape>;
type Out<S> = S extends z.ZodType ? z.output<S> : undefined;

export interface EndpointSpec<P extends Obj | undefined, Q extends Obj | undefined, B extends z.ZodType | undefined, C extends boolean> {
  method: Method;
  /** OpenAPI-style template below the version, e.g. `/organizations/{id}/users`. */
  path: string;
  operationId: string;
  summary: string;
  tag: string;
  /** Answers without a token (rate limited per address); the caller is then null. */
  public?: C;
  /** The path parameter that names an organization: the caller must be a member (else 404). */
  orgParam?: string;
  params?: P;
  query?: Q;
  body?: B;
  /** The success: its status, and the schema of `data` (or a PDF). */
  success: { status: 200 | 201; description: string; data: z.ZodType; list?: boolean } | { status: 200; description: string; pdf: true };
  /** The error statuses this endpoint's domain calls can produce. */
  errors: ErrorStatus[];
  handler(
    caller: C extends true ? ApiCaller | null : ApiCaller,
    input: { params: Out<P>; query: Out<Q>; body: Out<B>; client: RequestClient },
  ): Promise<ApiReply>;
}

export type Endpoint = EndpointSpec<Obj | undefined, Obj | undefined, z.ZodType | undefined, boolean>;

/** Types the handler's input from the schemas; the result joins the version's list. */
export function defineEndpoint<P extends Obj | undefined = undefined, Q extends Obj | undefined = undefined, B extends z.ZodType | undefined = undefined, C extends boolean = false>(
  spec: EndpointSpec<P, Q, B, C>,
): Endpoint {
  return spec as unknown as Endpoint;
}

// Shared pieces of the endpoints' schemas.
export const uuid = z.string().uuid();
export const orgIdParams = z.object({ id: uuid });

/** `page` and `per_page` (at most 100) of every list. */
export const pageQuery = z.object({
  page: z.coerce.number().int().min(1).default(1),
  per_page: z.coerce.number().int().min(1).max(100).default(50),
});

/** Money as integer minor units (centimes, cents) with the currency. */
export const moneyAmount = z.number().int().describe("Amount in minor units (centimes or cents)");
export const timestamp = z.string().describe("ISO 8601 timestamp");

export function paginated(page: number, perPage: number, total: number): Pagination {
  return { page, per_page: perPage, total };
}
