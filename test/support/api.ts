import { loadUserActor } from "../../app/auth/actor.server";
import { createApiToken, type CreateTokenInput } from "../../app/domain/api/tokens.server";
import { appDb } from "./setup";

/** An API token of `user`, made by the same domain function as the account page. */
export async function apiToken(
  user: { userId: string; email: string },
  opts: Partial<CreateTokenInput> = {},
): Promise<string> {
  const actor = await loadUserActor(appDb(), { id: user.userId, email: user.email });
  const { token } = await createApiToken(appDb(), actor, { name: "Test token", access: "write", expiry: "never", ...opts });
  return token;
}

export interface ApiAnswer {
  status: number;
  headers: Headers;
  body: any;
}

/** One JSON request to the API of a running server, as a client program sends it. */
export async function callApi(
  baseUrl: string,
  token: string | null,
  method: string,
  path: string,
  body?: unknown,
  extraHeaders: Record<string, string> = {},
): Promise<ApiAnswer> {
  const headers: Record<string, string> = { Accept: "application/json", ...extraHeaders };
  if (token) headers.Authorization = `Bearer ${token}`;
  let payload: string | undefined;
  if (body !== undefined) {
    headers["Content-Type"] = "application/json";
    payload = typeof body === "string" ? body : JSON.stringify(body);
  }
  const res = await fetch(`${baseUrl}${path}`, { method, headers, body: payload });
  const type = res.headers.get("Content-Type") ?? "";
  const parsed = type.includes("application/json") ? await res.json() : Buffer.from(await res.arrayBuffer());
  return { status: res.status, headers: res.headers, body: parsed };
}
