import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { statusesOf } from "../../app/domain/api/openapi.server";
import { versions } from "../../app/domain/api/versions.server";
import { billingDay } from "../../app/domain/billing/renewal-rules";
import { confirmTender } from "../../app/domain/tenders/post.server";
import { addMs, DAY } from "../../app/lib/clock";
import { apiToken, callApi, type ApiAnswer } from "../support/api";
import { createPartner, link, partnerStaff } from "../support/clients";
import { createProduct, createUser, uniqueEmail } from "../support/factories";
import { appDb, testDb } from "../support/setup";
import { startPortalProcess, type RunningServer } from "../support/server";

// The partner, clients and tenders endpoints of the public API (issue 10) over HTTP against
// the built server with real Postgres: the same domain functions and ability as the pages.
let server: RunningServer;
const seen: Array<{ method: string; path: string; status: number }> = [];

beforeAll(async () => {
  server = await startPortalProcess();
}, 90_000);
afterAll(async () => {
  await server?.stop();
});

async function api(token: string | null, method: string, path: string, body?: unknown): Promise<ApiAnswer> {
  const answer = await callApi(server.url, token, method, path, body);
  seen.push({ method, path: path.split("?")[0], status: answer.status });
  return answer;
}

function expectError(answer: ApiAnswer, status: number, code: string) {
  expect({ status: answer.status, result: answer.body.result, code: answer.body.error?.code }).toEqual({ status, result: "error", code });
}

const fields = (answer: ApiAnswer) => (answer.body.error.errors as Array<{ field: string }>).map((e) => e.field).sort();

function tenderBody(overrides: Record<string, unknown> = {}) {
  return {
    title: "New website for our bakery",
    description: "We need a small website with opening hours, a menu and a contact form.",
    categories: ["website", "hosting"],
    budget_min: 150000,
    budget_max: 400000,
    currency: "CHF",
    region: "CH-ZH",
    language: "de",
    deadline: billingDay(addMs(new Date(), 30 * DAY)),
    contact_email: uniqueEmail("tender"),
    ...overrides,
  };
}

/** T-1: the link mailed to the contact address confirms the tender (the page's domain call). */
async function confirmByMail(email: string) {
  const mail = await testDb().selectFrom("email_outbox").select(["body_text", "kind"]).where("to_address", "=", email).executeTakeFirstOrThrow();
  expect(mail.kind).toBe("tender_confirm");
  const token = /\/tenders\/t\/([A-Za-z0-9_-]+)/.exec(mail.body_text)![1];
  await confirmTender(appDb(), token, "127.0.0.1");
}

describe("T-1/T-2: tenders over the API", () => {
  it("T-1, A-1: POST /tenders needs no token, validates like the public form (422 with field errors, nothing stored) and mails the confirmation link", async () => {
    const before = Number((await testDb().selectFrom("tenders").select((eb) => eb.fn.countAll().as("n")).executeTakeFirstOrThrow()).n);
    const invalid = await api(null, "POST", "/api/1/tenders", tenderBody({ title: "ab", categories: [], budget_min: 5000, budget_max: 100, contact_email: "not-an-address", region: "Mars" }));
    expectError(invalid, 422, "validation_failed");
    expect(fields(invalid)).toEqual(["budget_max", "categories", "contact_email", "region", "title"]);
    expect(invalid.body.error.errors.find((e: { field: string }) => e.field === "title")).toMatchObject({ code: "tenders.errors.tooShort" });
    // The deadline's range is the domain's rule, answered the same way.
    const late = await api(null, "POST", "/api/1/tenders", tenderBody({ deadline: billingDay(addMs(new Date(), 400 * DAY)) }));
    expectError(late, 422, "validation_failed");
    expect(late.body.error.errors).toEqual([{ field: "deadline", code: "tenders.errors.deadlineRange", message: expect.any(String) }]);
    expectError(await api(null, "POST", "/api/1/tenders", "{not json"), 400, "malformed_json");
    expectError(await api(null, "POST", "/api/1/tenders", { ...tenderBody(), unknown: 1 }), 422, "validation_failed");
    const after = Number((await testDb().selectFrom("tenders").select((eb) => eb.fn.countAll().as("n")).executeTakeFirstOrThrow()).n);
    expect(after).toBe(before);

    const body = tenderBody({ title: "API tender for a shop" });
    const ok = await api(null, "POST", "/api/1/tenders", body);
    expect(ok.status).toBe(201);
    expect(ok.body).toEqual({ result: "success", data: { status: "awaiting_confirmation" } });
    const stored = await testDb().selectFrom("tenders").select(["status", "budget_min", "budget_max", "contact_email", "categories"]).where("title", "=", "API tender for a shop").executeTakeFirstOrThrow();
    expect(stored).toEqual({ status: "unconfirmed", budget_min: 150000, budget_max: 400000, contact_email: body.contact_email, categories: ["website", "hosting"] });
    await confirmByMail(body.contact_email);
    expect((await testDb().selectFrom("tenders").select("status").where("title", "=", "API tender for a shop").executeTakeFirstOrThrow()).status).toBe("open");
  });

  it("T-2, A-1: a customer token gets 404 on the partner tender board; a partner token sees the open tenders", async () => {
    const body = tenderBody({ title: "Board tender via API" });
    expect((await api(null, "POST", "/api/1/tenders", body)).status).toBe(201);
    await confirmByMail(body.contact_email);

    const customer = await createUser({ organizationName: "Customer GmbH" });
    const customerToken = await apiToken(customer);
    expectError(await api(customerToken, "GET", "/api/1/partner/tenders"), 404, "not_found");
    expectError(await api(customerToken, "GET", `/api/1/partner/tenders?organization_id=${customer.orgId}`), 404, "not_found");

    const partner = await createPartner("Board Partner AG");
    const partnerToken = await apiToken(partner);
    const board = await api(partnerToken, "GET", "/api/1/partner/tenders?per_page=100");
    expect(board.status).toBe(200);
    const mine = board.body.data.find((t: { title: string }) => t.title === "Board tender via API");
    expect(mine).toMatchObject({ categories: ["website", "hosting"], budget_min: 150000, budget_max: 400000, currency: "CHF", region: "CH-ZH", answered: false });
    expect(mine.contact_email).toBeUndefined();
    expect(board.body.pagination).toMatchObject({ page: 1, per_page: 100 });
    expect(board.body.pagination.total).toBeGreaterThanOrEqual(1);
    // The partner's token cannot name the customer's organization, nor the customer the partner's.
    expectError(await api(partnerToken, "GET", `/api/1/partner/tenders?organization_id=${customer.orgId}`), 404, "not_found");
    expectError(await api(customerToken, "GET", `/api/1/partner/tenders?organization_id=${partner.orgId}`), 404, "not_found");
    expectError(await api(partnerToken, "GET", "/api/1/partner/tenders?organization_id=nope"), 400, "invalid_parameters");
  });
});

describe("C-1/C-3/C-4/C-6: a partner's clients over the API", () => {
  async function partnerWithClients() {
    const partner = await createPartner("Api Reseller AG");
    const full = await createUser({ organizationName: "Full Client AG" });
    const limited = await createUser({ organizationName: "Limited Client AG" });
    const asked = await createUser({ organizationName: "Asked Client AG" });
    const picked = await createProduct(limited.orgId, "hosting", "Picked hosting");
    const hidden = await createProduct(limited.orgId, "mail", "Hidden mail");
    const fullProducts = [await createProduct(full.orgId, "hosting", "Full A"), await createProduct(full.orgId, "domain", "Full B")];
    await link(partner.orgId, full.orgId, { access: "full" });
    await link(partner.orgId, limited.orgId, { access: "limited", products: { [picked]: { manage: true, stats: false } } });
    await link(partner.orgId, asked.orgId, { state: "requested" });
    return { partner, full, limited, asked, picked, hidden, fullProducts };
  }

  it("C-4, A-1: the clients list holds exactly the clients the token's user may act for", async () => {
    const { partner, full, limited, asked } = await partnerWithClients();
    const rep = await api(await apiToken(partner), "GET", "/api/1/partner/clients");
    expect(rep.status).toBe(200);
    expect(rep.body.data.map((c: { client_org_id: string; state: string; can_act: boolean }) => [c.client_org_id, c.state, c.can_act])).toEqual([
      [asked.orgId, "requested", false],
      [full.orgId, "active", true],
      [limited.orgId, "active", true],
    ]);
    expect(rep.body.pagination).toEqual({ page: 1, per_page: 50, total: 3 });
    const paged = await api(await apiToken(partner), "GET", "/api/1/partner/clients?per_page=2&page=2");
    expect(paged.body.data.map((c: { client_org_id: string }) => c.client_org_id)).toEqual([limited.orgId]);
    expect(paged.body.pagination).toEqual({ page: 2, per_page: 2, total: 3 });

    // A partner user with rights for one client sees that client only; one without rights none.
    const oneClient = await partnerStaff(partner.orgId, full.orgId, "One Client Staff");
    // (Partner users made by the factories have an organization of their own too: they name the partner.)
    const staff = await api(await apiToken(oneClient), "GET", `/api/1/partner/clients?organization_id=${partner.orgId}`);
    expect(staff.body.data.map((c: { client_org_id: string }) => c.client_org_id)).toEqual([full.orgId]);
    expect(staff.body.pagination.total).toBe(1);
    const none = await api(await apiToken(await partnerStaff(partner.orgId, "none", "No Rights")), "GET", `/api/1/partner/clients?organization_id=${partner.orgId}`);
    expect(none.body).toEqual({ result: "success", data: [], pagination: { page: 1, per_page: 50, total: 0 } });
    // Another organization's id is 404.
    expectError(await api(await apiToken(oneClient), "GET", `/api/1/partner/clients?organization_id=${full.orgId}`), 404, "not_found");
  });

  it("C-3, A-1: a client's products as the delegation allows (the picked ones for limited access); another partner's client is 404", async () => {
    const { partner, full, limited, picked, fullProducts } = await partnerWithClients();
    const token = await apiToken(partner);
    const lim = await api(token, "GET", `/api/1/partner/clients/${limited.orgId}/products`);
    expect(lim.status).toBe(200);
    expect(lim.body.data.map((p: { id: string; level: string }) => [p.id, p.level])).toEqual([[picked, "manage"]]);
    expect(lim.body.pagination.total).toBe(1);
    const all = await api(token, "GET", `/api/1/partner/clients/${full.orgId}/products`);
    expect(all.body.data.map((p: { id: string }) => p.id).sort()).toEqual([...fullProducts].sort());

    // A partner user with rights for the full client only: the limited client is 404 for it.
    const oneClient = await apiToken(await partnerStaff(partner.orgId, full.orgId, "Only Full"));
    expect((await api(oneClient, "GET", `/api/1/partner/clients/${full.orgId}/products`)).status).toBe(200);
    expectError(await api(oneClient, "GET", `/api/1/partner/clients/${limited.orgId}/products`), 404, "not_found");

    // Another partner's client, a requested (not yet accepted) client, a malformed id: 404.
    const other = await createPartner("Other Reseller AG");
    const otherClient = await createUser({ organizationName: "Other Client AG" });
    await createProduct(otherClient.orgId, "hosting", "Not yours");
    await link(other.orgId, otherClient.orgId, { access: "full" });
    expectError(await api(token, "GET", `/api/1/partner/clients/${otherClient.orgId}/products`), 404, "not_found");
    expect((await api(await apiToken(other), "GET", `/api/1/partner/clients/${otherClient.orgId}/products`)).status).toBe(200);
    const asked = await createUser({ organizationName: "Pending Client AG" });
    await link(partner.orgId, asked.orgId, { state: "requested" });
    expectError(await api(token, "GET", `/api/1/partner/clients/${asked.orgId}/products`), 404, "not_found");
    expectError(await api(token, "GET", "/api/1/partner/clients/123/products"), 404, "not_found");
    // Naming another partner organization of the same user does not reach this delegation.
    expectError(await api(token, "GET", `/api/1/partner/clients/${full.orgId}/products?organization_id=${other.orgId}`), 404, "not_found");
    // A token scoped to another organization of the user carries no delegation of this partner.
    const twoOrgs = await createUser({ organizationName: "Own Company AG" });
    await testDb().insertInto("memberships").values({ org_id: partner.orgId, user_id: twoOrgs.userId, role: "admin" }).execute();
    const scopedElsewhere = await apiToken(twoOrgs, { orgId: twoOrgs.orgId });
    expectError(await api(scopedElsewhere, "GET", `/api/1/partner/clients/${full.orgId}/products`), 404, "not_found");
    const scopedHere = await apiToken(twoOrgs, { orgId: partner.orgId });
    expect((await api(scopedHere, "GET", `/api/1/partner/clients/${full.orgId}/products`)).status).toBe(200);
    // Without a scope and with two organizations the partner must be named for the list.
    expectError(await api(await apiToken(twoOrgs), "GET", "/api/1/partner/clients"), 400, "organization_required");
    expect((await api(await apiToken(twoOrgs), "GET", `/api/1/partner/clients?organization_id=${partner.orgId}`)).body.pagination.total).toBe(4);
  });

  it("C-1, A-1: POST /partner/clients asks an existing organization for access, like the clients page; twice is 409, a read-only token 403", async () => {
    const partner = await createPartner("Asking Partner AG");
    const target = await createUser({ organizationName: "Target AG" });
    const token = await apiToken(partner);
    expectError(await api(await apiToken(partner, { access: "read" }), "POST", "/api/1/partner/clients", { client_org_id: target.orgId, access: "full" }), 403, "read_only_token");
    const bad = await api(token, "POST", "/api/1/partner/clients", { client_org_id: "x", access: "all" });
    expectError(bad, 422, "validation_failed");
    expect(fields(bad)).toEqual(["access", "client_org_id"]);

    const asked = await api(token, "POST", "/api/1/partner/clients", { client_org_id: target.orgId, access: "full", billing: true });
    expect(asked.status).toBe(201);
    expect(asked.body.data).toEqual({ id: expect.any(String), state: "requested" });
    const row = await testDb().selectFrom("partner_client_links").select(["org_id", "client_org_id", "state", "requested_access", "requested_billing"]).where("id", "=", asked.body.data.id).executeTakeFirstOrThrow();
    expect(row).toEqual({ org_id: partner.orgId, client_org_id: target.orgId, state: "requested", requested_access: "full", requested_billing: true });
    expectError(await api(token, "POST", "/api/1/partner/clients", { client_org_id: target.orgId, access: "limited" }), 409, "link_exists");
    const unknown = await api(token, "POST", "/api/1/partner/clients", { client_org_id: "00000000-0000-4000-8000-000000000000", access: "full" });
    expectError(unknown, 422, "validation_failed");
    expect(fields(unknown)).toEqual(["client_org_id"]);
    // An organization that is not a partner cannot ask; a partner user without admin rights neither.
    expectError(await api(await apiToken(target), "POST", "/api/1/partner/clients", { client_org_id: partner.orgId, access: "full" }), 409, "not_partner");
    const staff = await apiToken(await partnerStaff(partner.orgId, "all", "Staff Asking"));
    expectError(await api(staff, "POST", `/api/1/partner/clients?organization_id=${partner.orgId}`, { client_org_id: (await createUser()).orgId, access: "full" }), 403, "forbidden");
  });

  it("C-6, A-1: an export's status and progress, with its download address once done; another partner's export is 404", async () => {
    const partner = await createPartner("Exporting Partner AG");
    const rows = await testDb()
      .insertInto("client_exports")
      .values([
        { org_id: partner.orgId, requested_by: partner.userId, format: "xlsx", language: "en", created_at: new Date(), status: "running", progress: 40, rows_written: 400, rows_total: 1000 },
        { org_id: partner.orgId, requested_by: partner.userId, format: "csv", language: "en", created_at: new Date(), status: "done", progress: 100, rows_written: 10, rows_total: 10, file_size: 512, finished_at: new Date(), expires_at: addMs(new Date(), 7 * DAY) },
      ])
      .returning(["id", "format"])
      .execute();
    const token = await apiToken(partner);
    const running = await api(token, "GET", `/api/1/partner/exports/${rows[0].id}`);
    expect(running.status).toBe(200);
    expect(running.body.data).toMatchObject({ id: rows[0].id, format: "xlsx", status: "running", progress: 40, rows_written: 400, rows_total: 1000, download_url: null });
    const done = await api(token, "GET", `/api/1/partner/exports/${rows[1].id}`);
    expect(done.body.data).toMatchObject({ status: "done", file_size: 512 });
    expect(done.body.data.download_url).toMatch(new RegExp(`/orgs/${partner.orgId}/partner/exports/${rows[1].id}\\.csv$`));

    const other = await createPartner("Other Exporter AG");
    expectError(await api(await apiToken(other), "GET", `/api/1/partner/exports/${rows[0].id}`), 404, "not_found");
    const customer = await createUser();
    expectError(await api(await apiToken(customer), "GET", `/api/1/partner/exports/${rows[0].id}`), 404, "not_found");
    expectError(await api(token, "GET", "/api/1/partner/exports/not-a-uuid"), 404, "not_found");
  });
});

describe("A-4: the new endpoints in the OpenAPI document", () => {
  it("A-4: every status these endpoints answered here is documented for them", async () => {
    const doc = await (await fetch(`${server.url}/api/1/openapi.json`)).json();
    for (const path of ["/tenders", "/partner/tenders", "/partner/clients", "/partner/clients/{id}/products", "/partner/exports/{id}"]) expect(doc.paths[path]).toBeDefined();
    expect(doc.paths["/tenders"].post.security).toEqual([]);
    const endpoints = versions["1"];
    const templates = endpoints.map((e) => ({ e, re: new RegExp(`^/api(?:/1)?${e.path.replace(/\{\w+\}/g, "[^/]+")}$`) }));
    let checked = 0;
    for (const s of seen) {
      const match = templates.find((t) => t.e.method === s.method && t.re.test(s.path));
      expect(match, `${s.method} ${s.path}`).toBeDefined();
      checked++;
      expect({ call: `${s.method} ${match!.e.path}`, status: s.status, documented: statusesOf(match!.e).includes(s.status) }).toEqual({ call: `${s.method} ${match!.e.path}`, status: s.status, documented: true });
      expect(Object.keys(doc.paths[match!.e.path][match!.e.method.toLowerCase()].responses)).toContain(String(s.status));
    }
    expect(checked).toBeGreaterThan(30);
  });
});
