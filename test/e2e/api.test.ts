import SwaggerParser from "@apidevtools/swagger-parser";
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { statusesOf } from "../../app/domain/api/openapi.server";
import { versions } from "../../app/domain/api/versions.server";
import { apiToken, callApi, type ApiAnswer } from "../support/api";
import { createRenewableProduct, renewalState } from "../support/billing";
import { createProduct, createUser, grantProduct } from "../support/factories";
import { membershipOf, orgSnapshot, orgWithStaff, ownPermissions } from "../support/members";
import { startPortalProcess, type RunningServer } from "../support/server";
import { testDb } from "../support/setup";

// The public API (issue 10) over HTTP against the built server, with real Postgres and Redis.
let one: RunningServer;
let two: RunningServer;
/** Every (method, path, status) this file received, checked against the OpenAPI document at the end. */
const seen: Array<{ method: string; path: string; status: number }> = [];

beforeAll(async () => {
  // Two server processes sharing Redis, as in production behind a load balancer.
  [one, two] = await Promise.all([startPortalProcess({ REDIS_URL: process.env.REDIS_URL }), startPortalProcess({ REDIS_URL: process.env.REDIS_URL })]);
}, 90_000);
afterAll(async () => {
  await Promise.all([one?.stop(), two?.stop()]);
});

async function api(token: string | null, method: string, path: string, body?: unknown, server = one): Promise<ApiAnswer> {
  const answer = await callApi(server.url, token, method, path, body);
  seen.push({ method, path: path.split("?")[0], status: answer.status });
  return answer;
}

function expectError(answer: ApiAnswer, status: number, code: string) {
  expect({ status: answer.status, result: answer.body.result, code: answer.body.error?.code }).toEqual({ status, result: "error", code });
  expect(typeof answer.body.error.description).toBe("string");
  expect(Array.isArray(answer.body.error.errors)).toBe(true);
}

async function createInvoice(orgId: string) {
  const db = testDb();
  const order = await db
    .insertInto("orders")
    .values({ org_id: orgId, kind: "renewal", currency: "CHF", language: "en", net_amount: 1000, vat_rate_bp: 810, vat_amount: 81, total_amount: 1081, status: "paid", paid_at: new Date() })
    .returning("id")
    .executeTakeFirstOrThrow();
  const seq = 800000 + Math.floor(Math.random() * 99999);
  const invoice = await db
    .insertInto("invoices")
    .values({
      org_id: orgId,
      order_id: order.id,
      number: `2098-${seq}`,
      year: 2098,
      sequence: seq,
      issued_at: new Date(),
      language: "en",
      currency: "CHF",
      net_amount: 1000,
      vat_rate_bp: 810,
      vat_amount: 81,
      total_amount: 1081,
      bill_to: JSON.stringify({ name: "Api AG", street: "Bahnhofstrasse 1", postalCode: "8001", city: "Zürich", country: "CH", vatId: null }),
    })
    .returning(["id", "number"])
    .executeTakeFirstOrThrow();
  await db
    .insertInto("invoice_lines")
    .values({ org_id: orgId, invoice_id: invoice.id, position: 1, description: "Hosting Business", unit_amount: 1000, quantity: 1, discount_amount: 0, net_amount: 1000 })
    .execute();
  return invoice;
}

describe("A-1: JSON with bearer tokens", () => {
  it("A-1: a token answers as its user in the success envelope; without one, or with a revoked or expired one, the API answers 401", async () => {
    const user = await createUser({ name: "Api Person" });
    const token = await apiToken(user, { name: "Script" });
    const profile = await api(token, "GET", "/api/1/profile");
    expect(profile.status).toBe(200);
    expect(profile.headers.get("Content-Type")).toContain("application/json");
    expect(profile.body).toMatchObject({ result: "success", data: { id: user.userId, email: user.email, name: "Api Person", token: { access: "write", organization_id: null } } });
    // The last use is recorded.
    const stored = await testDb().selectFrom("api_tokens").select(["last_used_at", "token_hash"]).where("user_id", "=", user.userId).executeTakeFirstOrThrow();
    expect(stored.last_used_at).not.toBeNull();
    // Recorded at most once a minute: a second call right after does not write again.
    expect((await api(token, "GET", "/api/1/profile")).status).toBe(200);
    const again = await testDb().selectFrom("api_tokens").select("last_used_at").where("user_id", "=", user.userId).executeTakeFirstOrThrow();
    expect(again.last_used_at).toEqual(stored.last_used_at);
    expect(stored.token_hash).not.toContain(token); // only the hash is stored
    expect(stored.token_hash).toMatch(/^[0-9a-f]{64}$/);

    const missing = await api(null, "GET", "/api/1/profile");
    expectError(missing, 401, "missing_token");
    expect(missing.headers.get("WWW-Authenticate")).toContain("Bearer");
    expectError(await api(`${token}x`, "GET", "/api/1/profile"), 401, "invalid_token");
    expectError(await api("not-a-token", "GET", "/api/1/organizations"), 401, "invalid_token");

    // Revoked: refused at once.
    await testDb().updateTable("api_tokens").set({ revoked_at: new Date() }).where("user_id", "=", user.userId).execute();
    expectError(await api(token, "GET", "/api/1/profile"), 401, "invalid_token");

    // Expired: refused from its expiry on.
    const expiring = await apiToken(user, { name: "Short", expiry: "30" });
    expect((await api(expiring, "GET", "/api/1/profile")).status).toBe(200);
    await testDb().updateTable("api_tokens").set({ expires_at: new Date(Date.now() - 1000) }).where("name", "=", "Short").where("user_id", "=", user.userId).execute();
    const expired = await api(expiring, "GET", "/api/1/profile");
    expectError(expired, 401, "invalid_token");
  });

  it("A-1: a token of organization A gets 404 for organization B's resources, and lists only A", async () => {
    const a = await orgWithStaff("ScopeA");
    const b = await orgWithStaff("ScopeB");
    // The representative of A is also an administrator of B: her unscoped token reaches both.
    await testDb().insertInto("memberships").values({ org_id: b.orgId, user_id: a.rep.userId, role: "admin" }).execute();
    const productB = await createProduct(b.orgId, "hosting", "b-site.ch");
    const invoiceB = await createInvoice(b.orgId);
    const scoped = await apiToken(a.rep, { orgId: a.orgId, access: "write" });
    const unscoped = await apiToken(a.rep, { access: "read" });

    const orgs = await api(scoped, "GET", "/api/1/organizations");
    expect(orgs.body.data.map((o: { id: string }) => o.id)).toEqual([a.orgId]);
    expect(orgs.body.pagination).toEqual({ page: 1, per_page: 50, total: 1 });
    const both = await api(unscoped, "GET", "/api/1/organizations");
    expect(both.body.data.map((o: { id: string }) => o.id).sort()).toEqual([a.orgId, b.orgId].sort());

    for (const path of [
      `/api/1/organizations/${b.orgId}`,
      `/api/1/organizations/${b.orgId}/users`,
      `/api/1/organizations/${b.orgId}/products`,
      `/api/1/organizations/${b.orgId}/invoices`,
      `/api/1/organizations/${b.orgId}/invoices/${invoiceB.id}/pdf`,
    ]) {
      expectError(await api(scoped, "GET", path), 404, "not_found");
      expect((await api(unscoped, "GET", path)).status).toBe(200);
    }
    const before = await renewalState(productB);
    expectError(await api(scoped, "PATCH", `/api/1/organizations/${b.orgId}/products/${productB}`, { auto_renew: false }), 404, "not_found");
    expectError(await api(scoped, "DELETE", `/api/1/organizations/${b.orgId}/users`, { user_ids: [b.restricted.userId] }), 404, "not_found");
    expect(await membershipOf(b.orgId, b.restricted.userId)).toBeDefined();
    expect(await renewalState(productB)).toEqual(before);

    // A user who is no member of B learns nothing either, whatever the token.
    const stranger = await apiToken(b.admin, {});
    expectError(await api(stranger, "GET", `/api/1/organizations/${a.orgId}`), 404, "not_found");
    expectError(await api(stranger, "GET", `/api/1/organizations/not-a-uuid/users`), 404, "not_found");
  });

  it("A-1: a read-only token is refused every change with 403; a read-write token is held to the user's rights like the pages", async () => {
    const org = await orgWithStaff("ReadOnly");
    const readOnly = await apiToken(org.rep, { access: "read" });
    const snapshot = await orgSnapshot(org.orgId);
    const refused = await api(readOnly, "PATCH", `/api/1/organizations/${org.orgId}`, { name: "Renamed AG" });
    expectError(refused, 403, "read_only_token");
    expectError(await api(readOnly, "POST", `/api/1/organizations/${org.orgId}/users`, { email: "new@example.ch", role: "admin" }), 403, "read_only_token");
    expectError(await api(readOnly, "DELETE", `/api/1/organizations/${org.orgId}/users`, { user_ids: [org.restricted.userId] }), 403, "read_only_token");
    expect(await orgSnapshot(org.orgId)).toEqual(snapshot);
    expect((await testDb().selectFrom("organizations").select("name").where("id", "=", org.orgId).executeTakeFirstOrThrow()).name).toBe("ReadOnly AG");
    // Reading still works; the token itself cannot edit, which the answer says.
    expect((await api(readOnly, "GET", `/api/1/organizations/${org.orgId}`)).body.data).toMatchObject({ name: "ReadOnly AG", can_edit: false });

    // O-3 through the API: an administrator's read-write token may not change the organization's data.
    const adminToken = await apiToken(org.admin, { access: "write" });
    expectError(await api(adminToken, "PATCH", `/api/1/organizations/${org.orgId}`, { name: "Admin Renamed AG" }), 403, "forbidden");
    // O-4: a restricted user may not invite, nor list invoices.
    const restrictedToken = await apiToken(org.restricted, { access: "write" });
    expectError(await api(restrictedToken, "POST", `/api/1/organizations/${org.orgId}/users`, { email: "x@example.ch", role: "admin" }), 403, "forbidden");
    expectError(await api(restrictedToken, "GET", `/api/1/organizations/${org.orgId}/invoices`), 403, "forbidden");

    // The representative's read-write token changes what it names and keeps the rest.
    const rep = await apiToken(org.rep, { access: "write" });
    const patched = await api(rep, "PATCH", `/api/1/organizations/${org.orgId}`, { name: "Neu AG", registry_id: "CHE109322551", city: "Bern" });
    expect(patched.status).toBe(200);
    expect(patched.body.data).toMatchObject({ name: "Neu AG", registry_id: "CHE-109.322.551", city: "Bern", currency: "CHF", can_edit: true });
    // null clears an optional field; what the request leaves out stays.
    const cleared = await api(rep, "PATCH", `/api/1/organizations/${org.orgId}`, { city: null });
    expect(cleared.body.data).toMatchObject({ name: "Neu AG", registry_id: "CHE-109.322.551", city: null });
  });
});

describe("A-2: versions", () => {
  it("A-2: a path without a version answers like the latest version; an unknown version is 404", async () => {
    const org = await orgWithStaff("Version");
    await createProduct(org.orgId, "domain", "version.ch");
    const token = await apiToken(org.rep, {});
    for (const path of ["/profile", "/organizations", `/organizations/${org.orgId}/products`, `/organizations/${org.orgId}/users?per_page=2`]) {
      const latest = await api(token, "GET", `/api/1${path}`);
      const unversioned = await api(token, "GET", `/api${path}`);
      expect(latest.status).toBe(200);
      expect({ status: unversioned.status, body: unversioned.body }).toEqual({ status: latest.status, body: latest.body });
    }
    expectError(await api(token, "GET", "/api/2/profile"), 404, "unknown_version");
    expectError(await api(token, "GET", "/api/1/nothing-here"), 404, "unknown_endpoint");
    const wrongMethod = await api(token, "DELETE", "/api/1/profile");
    expectError(wrongMethod, 405, "method_not_allowed");
    expect(wrongMethod.headers.get("Allow")).toBe("GET");
  });
});

describe("A-4: the endpoints, their methods and their statuses", () => {
  it("A-4: users: list with pagination, invite (POST), set permissions (PUT), remove (DELETE), through the members rules", async () => {
    const org = await orgWithStaff("Users");
    const product = await createProduct(org.orgId, "hosting", "users-site.ch");
    const token = await apiToken(org.rep, { orgId: org.orgId });
    const path = `/api/1/organizations/${org.orgId}/users`;

    const page1 = await api(token, "GET", `${path}?per_page=2`);
    expect(page1.status).toBe(200);
    expect(page1.body.pagination).toEqual({ page: 1, per_page: 2, total: 3 });
    expect(page1.body.data).toHaveLength(2);
    const page2 = await api(token, "GET", `${path}?per_page=2&page=2`);
    expect(page2.body.data).toHaveLength(1);
    const all = [...page1.body.data, ...page2.body.data];
    expect(all.map((u: { email: string }) => u.email).sort()).toEqual([org.rep.email, org.admin.email, org.restricted.email].sort());
    expect(all.find((u: { user_id: string }) => u.user_id === org.rep.userId).role).toBe("legal_rep");
    expect((await api(token, "GET", `${path}?q=Restricted`)).body.data.map((u: { user_id: string }) => u.user_id)).toEqual([org.restricted.userId]);

    const email = `invited.${randomBytes(4).toString("hex")}@example.ch`;
    const invited = await api(token, "POST", path, { email, role: "restricted", permissions: { [product]: "read" } });
    expect(invited.status).toBe(201);
    expect(invited.body.data.invitation_id).toMatch(/^[0-9a-f-]{36}$/);
    const invitation = await testDb().selectFrom("invitations").select(["email", "role"]).where("id", "=", invited.body.data.invitation_id).executeTakeFirstOrThrow();
    expect(invitation).toEqual({ email, role: "restricted" });

    const set = await api(token, "PUT", `${path}/${org.restricted.userId}/permissions`, { permissions: { [product]: "manage" } });
    expect(set.status).toBe(200);
    expect(set.body.data.products).toEqual([{ product_id: product, name: "users-site.ch", own: "manage", team: "none", effective: "manage" }]);
    expect(await ownPermissions(org.orgId, org.restricted.userId)).toEqual({ [product]: "manage" });
    // O-6: the representative's role is fixed.
    expectError(await api(token, "PUT", `${path}/${org.rep.userId}/permissions`, { role: "restricted", permissions: {} }), 409, "legal_rep_role_fixed");

    // O-5: the representative cannot be removed: all or none.
    expectError(await api(token, "DELETE", path, { user_ids: [org.admin.userId, org.rep.userId] }), 409, "legal_rep_cannot_be_removed");
    expect(await membershipOf(org.orgId, org.admin.userId)).toBeDefined();
    const removed = await api(token, "DELETE", path, { user_ids: [org.restricted.userId] });
    expect(removed.body).toEqual({ result: "success", data: { removed: 1 } });
    expect(await membershipOf(org.orgId, org.restricted.userId)).toBeUndefined();
  });

  it("A-4: products: list with level and renewal state, auto-renewal on and off (PATCH), refused too late (409)", async () => {
    const org = await orgWithStaff("Products");
    const now = new Date();
    const early = await createRenewableProduct(org.orgId, { code: "hosting-business", from: now, expiresInDays: 60, name: "a-early.ch" });
    const late = await createRenewableProduct(org.orgId, { code: "domain-ch", from: now, expiresInDays: 5, name: "b-late.ch" });
    const hidden = await createProduct(org.orgId, "mail", "c-hidden.ch");
    const token = await apiToken(org.rep, {});
    const path = `/api/1/organizations/${org.orgId}/products`;

    const list = await api(token, "GET", path);
    expect(list.body.data.map((p: { name: string }) => p.name)).toEqual(["a-early.ch", "b-late.ch", "c-hidden.ch"]);
    expect(list.body.data[0]).toMatchObject({ id: early, type: "hosting", level: "manage", auto_renew: false, auto_renew_method: null });

    const on = await api(token, "PATCH", `${path}/${early}`, { auto_renew: true, auto_renew_method: "twint" });
    expect(on.status).toBe(200);
    expect(on.body.data).toMatchObject({ id: early, auto_renew: true, auto_renew_method: "twint" });
    expect(await renewalState(early)).toMatchObject({ auto_renew: true, auto_renew_method: "twint" });
    const off = await api(token, "PATCH", `${path}/${early}`, { auto_renew: false });
    expect(off.body.data).toMatchObject({ auto_renew: false, auto_renew_method: null });

    // B-5: fewer than 14 days before expiry it cannot be switched on.
    const tooLate = await api(token, "PATCH", `${path}/${late}`, { auto_renew: true, auto_renew_method: "visa" });
    expectError(tooLate, 409, "auto_renew_too_late");
    expect(tooLate.body.error.description).toContain("b-late.ch");
    expect((await renewalState(late)).auto_renew).toBe(false);

    // A restricted user sees only their product, and cannot change one they may only read.
    await grantProduct(org.orgId, early, "read", { userId: org.restricted.userId });
    const restricted = await apiToken(org.restricted, {});
    const theirs = await api(restricted, "GET", path);
    expect(theirs.body.data.map((p: { id: string; level: string }) => [p.id, p.level])).toEqual([[early, "read"]]);
    expect(theirs.body.pagination.total).toBe(1);
    expectError(await api(restricted, "PATCH", `${path}/${early}`, { auto_renew: false }), 403, "forbidden");
    expectError(await api(restricted, "PATCH", `${path}/${hidden}`, { auto_renew: false }), 404, "not_found");
  });

  it("A-4: invoices: the list in minor units, and an invoice's PDF", async () => {
    const org = await orgWithStaff("Invoices");
    const invoice = await createInvoice(org.orgId);
    const token = await apiToken(org.admin, {});
    const list = await api(token, "GET", `/api/1/organizations/${org.orgId}/invoices`);
    expect(list.body.data).toEqual([
      { id: invoice.id, kind: "invoice", number: invoice.number, issued_at: expect.any(String), currency: "CHF", total_amount: 1081, invoice_number: null },
    ]);
    expect(list.body.pagination).toEqual({ page: 1, per_page: 50, total: 1 });
    const pdf = await api(token, "GET", `/api/1/organizations/${org.orgId}/invoices/${invoice.id}/pdf`);
    expect(pdf.status).toBe(200);
    expect(pdf.headers.get("Content-Type")).toBe("application/pdf");
    expect((pdf.body as Buffer).subarray(0, 5).toString()).toBe("%PDF-");
    expect(pdf.headers.get("RateLimit-Limit")).toBe("60");
    expectError(await api(token, "GET", `/api/1/organizations/${org.orgId}/invoices/${randomUuid()}/pdf`), 404, "not_found");
  });

  it("A-4: invalid input answers 400 (malformed JSON, bad query) or 422 (invalid data) with field errors, and changes nothing", async () => {
    const org = await orgWithStaff("Invalid");
    const token = await apiToken(org.rep, {});
    const snapshot = await orgSnapshot(org.orgId);
    const users = `/api/1/organizations/${org.orgId}/users`;

    expectError(await api(token, "POST", users, "{not json"), 400, "malformed_json");
    expectError(await api(token, "POST", users, JSON.stringify({ email: "x".repeat(300 * 1024) })), 400, "body_too_large");
    const perPage = await api(token, "GET", `${users}?per_page=101`);
    expectError(perPage, 400, "invalid_parameters");
    expect(perPage.body.error.errors.map((e: { field: string }) => e.field)).toEqual(["per_page"]);

    const invalid = await api(token, "POST", users, { email: "not-an-address", role: "owner", permissions: { "not-a-uuid": "read" } });
    expectError(invalid, 422, "validation_failed");
    const fields = invalid.body.error.errors.map((e: { field: string }) => e.field);
    expect(fields).toEqual(expect.arrayContaining(["email", "role"]));
    for (const e of invalid.body.error.errors) expect(e).toEqual({ field: expect.any(String), code: expect.any(String), message: expect.any(String) });

    // A rule of the domain (already a member) answers in the same shape, on the API's field names.
    const member = await api(token, "POST", users, { email: org.admin.email, role: "admin" });
    expectError(member, 422, "validation_failed");
    expect(member.body.error.errors).toEqual([{ field: "email", code: "members.alreadyMember", message: expect.stringContaining("member") }]);

    const settings = await api(token, "PATCH", `/api/1/organizations/${org.orgId}`, { name: "", postal_code: "!!", unknown: 1 });
    expectError(settings, 422, "validation_failed");
    expect(settings.body.error.errors.map((e: { field: string }) => e.field).sort()).toEqual(["_body", "name", "postal_code"].sort());
    const registry = await api(token, "PATCH", `/api/1/organizations/${org.orgId}`, { registry_id: "CHE-123.456.787" });
    expectError(registry, 422, "validation_failed");
    expect(registry.body.error.errors).toEqual([{ field: "registry_id", code: "orgadmin.registryIdInvalid", message: expect.any(String) }]);
    expect(await orgSnapshot(org.orgId)).toEqual(snapshot);
  });
});

function randomUuid(): string {
  const h = randomBytes(16).toString("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

describe("A-3: 60 requests a minute per user", () => {
  it("A-3: the 61st request within a minute gets 429 with Retry-After, also spread over two server processes and two tokens; every reply carries RateLimit headers", async () => {
    const user = await createUser({ name: "Busy Script" });
    const first = await apiToken(user, { name: "one", access: "read" });
    const second = await apiToken(user, { name: "two", access: "write" });
    const remaining: number[] = [];
    for (let i = 0; i < 60; i++) {
      const answer = await api(i % 2 === 0 ? first : second, "GET", "/api/1/profile", undefined, i % 4 < 2 ? one : two);
      expect(answer.status).toBe(200);
      expect(answer.headers.get("RateLimit-Limit")).toBe("60");
      expect(Number(answer.headers.get("RateLimit-Reset"))).toBeGreaterThan(0);
      remaining.push(Number(answer.headers.get("RateLimit-Remaining")));
    }
    expect(remaining).toEqual(Array.from({ length: 60 }, (_, i) => 59 - i));

    for (const [token, server] of [[first, two], [second, one]] as const) {
      const refused = await api(token, "GET", "/api/1/profile", undefined, server);
      expectError(refused, 429, "rate_limited");
      const retryAfter = Number(refused.headers.get("Retry-After"));
      expect(retryAfter).toBeGreaterThan(0);
      expect(retryAfter).toBeLessThanOrEqual(60);
      expect(refused.headers.get("RateLimit-Remaining")).toBe("0");
    }
    // Another user's requests are not affected.
    const other = await createUser();
    expect((await api(await apiToken(other, {}), "GET", "/api/1/profile", undefined, two)).status).toBe(200);
    // A new token of the limited user does not escape the limit: it is the user's.
    expectError(await api(await apiToken(user, { name: "three" }), "GET", "/api/1/profile"), 429, "rate_limited");
  });
});

describe("A-4: the OpenAPI document", () => {
  it("A-4: /api/1/openapi.json is valid OpenAPI 3.1 listing every endpoint with every status it can answer", async () => {
    const res = await fetch(`${one.url}/api/1/openapi.json`);
    expect(res.status).toBe(200);
    expect(res.headers.get("RateLimit-Limit")).toBe("60");
    const doc = await res.json();
    expect(doc.openapi).toBe("3.1.0");
    // swagger-parser validates against the OpenAPI 3.1 schema (and resolves every $ref).
    await SwaggerParser.validate(structuredClone(doc));

    const endpoints = versions["1"];
    expect(endpoints.length).toBeGreaterThanOrEqual(13);
    const operations = Object.entries(doc.paths as Record<string, Record<string, { responses: Record<string, unknown> }>>).flatMap(([path, ops]) =>
      Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`),
    );
    expect(operations.sort()).toEqual(endpoints.map((e) => `${e.method} ${e.path}`).sort());
    for (const e of endpoints) {
      const documented = Object.keys(doc.paths[e.path][e.method.toLowerCase()].responses).map(Number);
      expect({ op: `${e.method} ${e.path}`, statuses: documented }).toEqual({ op: `${e.method} ${e.path}`, statuses: statusesOf(e) });
      for (const status of [401, 429, 500]) expect(documented).toContain(status);
    }
    for (const path of ["/profile", "/organizations", "/organizations/{id}", "/organizations/{id}/users", "/organizations/{id}/users/{user_id}/permissions", "/organizations/{id}/products", "/organizations/{id}/products/{product_id}", "/organizations/{id}/invoices", "/organizations/{id}/invoices/{invoice_id}/pdf"]) {
      expect(doc.paths[path]).toBeDefined();
    }
    expect(Object.keys(doc.paths["/organizations/{id}/users"]).sort()).toEqual(["delete", "get", "post"]);

    // Every status the endpoints answered in this file's tests is documented for that endpoint.
    const templates = endpoints.map((e) => ({ e, re: new RegExp(`^/api(?:/1)?${e.path.replace(/\{\w+\}/g, "[^/]+")}$`) }));
    let checked = 0;
    for (const s of seen) {
      const match = templates.find((t) => t.e.method === s.method && t.re.test(s.path));
      if (!match) continue; // unknown paths and methods (404/405) have no operation
      checked++;
      expect({ call: `${s.method} ${match.e.path}`, status: s.status, documented: statusesOf(match.e).includes(s.status) }).toEqual({
        call: `${s.method} ${match.e.path}`,
        status: s.status,
        documented: true,
      });
    }
    expect(checked).toBeGreaterThan(100);
  });
});
