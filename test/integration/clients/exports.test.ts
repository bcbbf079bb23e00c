import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import ExcelJS from "exceljs";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { setJobSink } from "../../../app/jobs.server";
import { addMs, DAY, setClock } from "../../../app/lib/clock";
import { EXPORT_CHUNK_ROWS, exportFilePath } from "../../../app/domain/clients/exports.server";
import { runJob } from "../../../workers/handlers";
import { textOf, type Client } from "../../support/app";
import { createMember, createUser, signedIn } from "../../support/factories";
import { partnerStaff } from "../../support/clients";
import { cashback, creditNote, issuedInvoice, linkedClient, partnerWithRep, recordJobs } from "../../support/client-exports";
import { finishedJob, startTestBullWorkers } from "../../support/jobs";
import { appDb, testDb } from "../../support/setup";

// C-6: a partner exports its clients' billing data, through the real page, the real job (and
// BullMQ), the real files and the real database under row-level security.
let dir: string;
let jobs: ReturnType<typeof recordJobs>;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "portal-exports-"));
  process.env.EXPORTS_DIR = dir;
  jobs = recordJobs();
});
afterAll(async () => {
  setJobSink(undefined);
  delete process.env.EXPORTS_DIR;
  await rm(dir, { recursive: true, force: true });
});

/** A partner with two clients (one paying itself, one paid for by the partner) and invoices around them. */
async function scenario() {
  const partner = await partnerWithRep();
  const alpha = await linkedClient(partner.orgId, "Alpha Bäckerei AG");
  const beta = await linkedClient(partner.orgId, 'Beta; "Quote" GmbH', { payer: "partner" });
  const ended = await linkedClient(partner.orgId, "Ended Client SA", { state: "ended" });
  const requested = await linkedClient(partner.orgId, "Requested Client SA", { state: "requested" });
  const stranger = await createUser({ name: "Stranger", organizationName: "Stranger AG" });

  // Before Alpha became a client: not the partner's business.
  await issuedInvoice({ orgId: alpha.orgId, issuedAt: "2025-12-20T10:00:00Z", lines: [{ description: "Before the link", unit: 1000 }] });
  const a1 = await issuedInvoice({
    orgId: alpha.orgId,
    issuedAt: "2026-02-10T09:00:00Z",
    lines: [
      { description: "Web hosting Business, renewal", unit: 19_900, discount: 2985, from: "2026-02-10T00:00:00+01:00", to: "2027-02-09T00:00:00+01:00" },
      { description: '=HYPERLINK("http://evil.example")', unit: 300, quantity: 12 },
    ],
  });
  await cashback(partner.orgId, alpha.orgId, a1.id, 1500, 3077);
  const a2 = await issuedInvoice({ orgId: alpha.orgId, issuedAt: "2026-04-05T08:00:00Z", lines: [{ description: "Domain example.ch", unit: 1590 }], paidBy: [{ method: "twint", amount: 1719 }] });
  await creditNote(a2, a2.total);
  // Beta paid this one itself, before the partner took the bills over.
  const b0 = await issuedInvoice({ orgId: beta.orgId, issuedAt: "2026-01-15T10:00:00Z", lines: [{ description: "Storage Drive", unit: 5000 }], paidBy: [] });
  // The partner pays Beta's invoices: the invoice is the partner's and names Beta.
  const b1 = await issuedInvoice({
    orgId: partner.orgId,
    clientOrgId: beta.orgId,
    issuedAt: "2026-03-01T12:00:00Z",
    lines: [{ description: "Mail Standard", unit: 300, quantity: 10, discount: 450 }],
    paidBy: [{ method: "prepaid", amount: 1000 }],
  });
  // Never in the export: an ended client's, a requested client's and a stranger's invoices,
  // and the partner's own invoice that names no client.
  await issuedInvoice({ orgId: ended.orgId, issuedAt: "2026-02-01T10:00:00Z", lines: [{ description: "Ended client line", unit: 100 }] });
  await issuedInvoice({ orgId: requested.orgId, issuedAt: "2026-02-01T10:00:00Z", lines: [{ description: "Requested client line", unit: 100 }] });
  await issuedInvoice({ orgId: stranger.orgId, issuedAt: "2026-02-01T10:00:00Z", lines: [{ description: "Stranger line", unit: 100 }] });
  await issuedInvoice({ orgId: partner.orgId, issuedAt: "2026-02-01T10:00:00Z", lines: [{ description: "Partner own line", unit: 100 }] });
  return { partner, alpha, beta, ended, stranger, a1, a2, b0, b1 };
}

type Scenario = Awaited<ReturnType<typeof scenario>>;

/** The expected rows (as spreadsheet values: amounts in francs, rates as fractions) of the whole scenario, in order. */
function expectedRows(s: Scenario) {
  const alpha = ["Alpha Bäckerei AG", s.alpha.orgId, "Client"];
  const beta = ['Beta; "Quote" GmbH', s.beta.orgId];
  return {
    a1l1: [...alpha, s.a1.number, "2026-02-10", "CHF", "paid", 1, "Web hosting Business, renewal", "2026-02-10", "2027-02-09", 1, 199, 29.85, 169.15, 205.15, 16.62, 221.77, 221.77, 0, 0.15, 30.77],
    a1l2: [...alpha, s.a1.number, "2026-02-10", "CHF", "paid", 2, '=HYPERLINK("http://evil.example")', null, null, 12, 3, 0, 36, null, null, null, null, null, null, null],
    a2: [...alpha, s.a2.number, "2026-04-05", "CHF", "credited", 1, "Domain example.ch", null, null, 1, 15.9, 0, 15.9, 15.9, 1.29, 17.19, 17.19, 17.19, null, null],
    b0: [...beta, "Client", s.b0.number, "2026-01-15", "CHF", "open", 1, "Storage Drive", null, null, 1, 50, 0, 50, 50, 4.05, 54.05, 0, 0, null, null],
    b1: [...beta, "Partner", s.b1.number, "2026-03-01", "CHF", "partly paid", 1, "Mail Standard", null, null, 10, 3, 4.5, 25.5, 25.5, 2.07, 27.57, 10, 0, null, null],
  };
}

const HEADERS = ["Client", "Client ID", "Paid by", "Invoice", "Issued on", "Currency", "Payment state", "Line", "Description", "Period from", "Period to", "Quantity", "Unit price", "Discount", "Line net", "Invoice net", "VAT", "Invoice total", "Paid", "Credited", "Cashback rate (%)", "Cashback"];

/** Requests an export through the page and returns its id (from the job the page enqueued). */
async function requestExport(client: Client, orgId: string, form: Record<string, string>) {
  const before = jobs.length;
  const page = await client.post(`/orgs/${orgId}/partner/exports`, form);
  expect(page.status).toBe(302);
  expect(page.location).toBe(`/orgs/${orgId}/partner/exports?requested=1`);
  const job = jobs.slice(before).find((j) => j.name === "client-export");
  const exportId = (job!.payload as { exportId: string }).exportId;
  expect(job!.jobId).toBe(`client-export-${exportId}`);
  return exportId;
}

async function xlsxRows(body: Buffer) {
  const workbook = new ExcelJS.Workbook();
  await workbook.xlsx.load(body as unknown as ArrayBuffer);
  const sheet = workbook.worksheets[0];
  const rows: unknown[][] = [];
  sheet.eachRow({ includeEmpty: false }, (row) => {
    const values: unknown[] = [];
    for (let c = 1; c <= HEADERS.length; c++) {
      const v = row.getCell(c).value;
      values.push(v instanceof Date ? v.toISOString().slice(0, 10) : (v ?? null));
    }
    rows.push(values);
  });
  return { name: sheet.name, rows, formats: { issued: sheet.getRow(2).getCell(5).numFmt, amount: sheet.getRow(2).getCell(13).numFmt } };
}

function csvRows(body: Buffer) {
  const text = body.toString("utf8");
  return { bom: text.charCodeAt(0) === 0xfeff, lines: text.slice(1).split("\r\n") };
}

async function exportRow(id: string) {
  return testDb().selectFrom("client_exports").selectAll().where("id", "=", id).executeTakeFirstOrThrow();
}

describe("client exports", () => {
  it("C-6: the XLSX export lists both clients' invoices and lines with period, amounts, currency, payment state, discount and cashback, and nothing else", async () => {
    const s = await scenario();
    const rep = await signedIn(s.partner);
    const page = await rep.get(`/orgs/${s.partner.orgId}/partner/exports`);
    expect(page.status).toBe(200);
    // The client filter offers the linked clients, not the requested one or a stranger.
    expect(page.html).toContain(`<option value="${s.alpha.orgId}">Alpha Bäckerei AG</option>`);
    expect(page.html).toContain(`value="${s.ended.orgId}"`);
    expect(page.html).not.toContain("Requested Client SA");
    expect(page.html).not.toContain("Stranger AG");

    const id = await requestExport(rep, s.partner.orgId, { format: "xlsx", periodFrom: "", periodTo: "", clientOrgId: "" });
    expect((await exportRow(id)).status).toBe("queued");
    const queued = textOf((await rep.get(`/orgs/${s.partner.orgId}/partner/exports?requested=1`)).html);
    expect(queued).toContain("The export is being prepared");
    expect(queued).toContain("waiting");

    const outcome = await runJob(appDb(), "client-export", { exportId: id });
    expect(outcome).toMatchObject({ status: "done", rows: 5 });
    const row = await exportRow(id);
    expect(row).toMatchObject({ status: "done", progress: 100, rows_written: 5, rows_total: 5, format: "xlsx" });
    expect(row.expires_at!.getTime() - row.finished_at!.getTime()).toBe(7 * DAY);

    const done = await rep.get(`/orgs/${s.partner.orgId}/partner/exports`);
    const link = `/orgs/${s.partner.orgId}/partner/exports/${id}.xlsx`;
    expect(done.html).toContain(`href="${link}"`);
    expect(textOf(done.html)).toContain("ready");
    const file = await rep.download(link);
    expect(file.status).toBe(200);
    expect(file.headers.get("Content-Type")).toBe("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
    expect(file.headers.get("Content-Disposition")).toMatch(/^attachment; filename="client-billing-start-\d{4}-\d{2}-\d{2}\.xlsx"$/);
    const sheet = await xlsxRows(file.body);
    expect(sheet.name).toBe("Client invoices");
    const e = expectedRows(s);
    expect(sheet.rows).toEqual([HEADERS, e.a1l1, e.a1l2, e.a2, e.b0, e.b1]);
    expect(sheet.formats).toEqual({ issued: "yyyy-mm-dd", amount: "#,##0.00" });
    // The invoice amounts appear once per invoice, so the columns add up.
    const totals = sheet.rows.slice(1).reduce((sum: number, r) => sum + ((r[17] as number | null) ?? 0), 0);
    expect(Math.round(totals * 100)).toBe(s.a1.total + s.a2.total + s.b0.total + s.b1.total);

    // Requesting and downloading are in the partner's audit log.
    const audit = await testDb().selectFrom("audit_log").select(["action", "actor_user_id"]).where("target_id", "=", id).orderBy("id").execute();
    expect(audit).toEqual([
      { action: "client_export.requested", actor_user_id: s.partner.userId },
      { action: "client_export.downloaded", actor_user_id: s.partner.userId },
    ]);
  });

  it("C-6: the CSV export (UTF-8 with BOM, semicolons, quoting, formulas defused) follows the period and client filters, in the user's language", async () => {
    const s = await scenario();
    const rep = await signedIn(s.partner);
    const path = (id: string) => `/orgs/${s.partner.orgId}/partner/exports/${id}.csv`;

    const all = await requestExport(rep, s.partner.orgId, { format: "csv", periodFrom: "", periodTo: "", clientOrgId: "" });
    await runJob(appDb(), "client-export", { exportId: all });
    const file = await rep.download(path(all));
    expect(file.status).toBe(200);
    expect(file.headers.get("Content-Type")).toBe("text/csv; charset=utf-8");
    const csv = csvRows(file.body);
    expect(csv.bom).toBe(true);
    expect(csv.lines[0]).toBe(HEADERS.join(";"));
    expect(csv.lines[1]).toBe(
      `Alpha Bäckerei AG;${s.alpha.orgId};Client;${s.a1.number};2026-02-10;CHF;paid;1;"Web hosting Business, renewal";2026-02-10;2027-02-09;1;199.00;29.85;169.15;205.15;16.62;221.77;221.77;0.00;15.00;30.77`,
    );
    expect(csv.lines[2]).toBe(`Alpha Bäckerei AG;${s.alpha.orgId};Client;${s.a1.number};2026-02-10;CHF;paid;2;"'=HYPERLINK(""http://evil.example"")";;;12;3.00;0.00;36.00;;;;;;;`);
    expect(csv.lines[5]).toBe(`"Beta; ""Quote"" GmbH";${s.beta.orgId};Partner;${s.b1.number};2026-03-01;CHF;partly paid;1;Mail Standard;;;10;3.00;4.50;25.50;25.50;2.07;27.57;10.00;0.00;;`);
    expect(csv.lines).toHaveLength(7); // header, five rows, and the final line end
    expect(csv.lines[6]).toBe("");

    // Period filter (Zurich days, inclusive): February and March only.
    const period = await requestExport(rep, s.partner.orgId, { format: "csv", periodFrom: "2026-02-01", periodTo: "2026-03-01", clientOrgId: "" });
    await runJob(appDb(), "client-export", { exportId: period });
    const periodRows = csvRows((await rep.download(path(period))).body).lines.slice(1, -1);
    expect(periodRows.map((l) => l.split(";")[3 + (l.startsWith('"Beta') ? 1 : 0)])).toEqual([s.a1.number, s.a1.number, s.b1.number]);

    // Client filter: Beta only, and Beta within a period.
    const beta = await requestExport(rep, s.partner.orgId, { format: "csv", periodFrom: "", periodTo: "", clientOrgId: s.beta.orgId });
    await runJob(appDb(), "client-export", { exportId: beta });
    const betaRows = csvRows((await rep.download(path(beta))).body).lines.slice(1, -1);
    expect(betaRows).toHaveLength(2);
    expect(betaRows.every((l) => l.startsWith('"Beta; ""Quote"" GmbH";'))).toBe(true);
    const betaFeb = await requestExport(rep, s.partner.orgId, { format: "csv", periodFrom: "2026-02-01", periodTo: "", clientOrgId: s.beta.orgId });
    await runJob(appDb(), "client-export", { exportId: betaFeb });
    const betaFebRows = csvRows((await rep.download(path(betaFeb))).body).lines.slice(1, -1);
    expect(betaFebRows).toHaveLength(1);
    expect(betaFebRows[0]).toContain(s.b1.number);
    // An ended client's own invoices are not exported (only what the partner itself paid would be).
    const ended = await requestExport(rep, s.partner.orgId, { format: "csv", periodFrom: "", periodTo: "", clientOrgId: s.ended.orgId });
    await runJob(appDb(), "client-export", { exportId: ended });
    expect(csvRows((await rep.download(path(ended))).body).lines).toEqual([HEADERS.join(";"), ""]);

    // The file speaks the requesting user's language.
    await testDb().updateTable("users").set({ locale: "de" }).where("id", "=", s.partner.userId).execute();
    const german = await requestExport(rep, s.partner.orgId, { format: "csv", periodFrom: "2026-03-01", periodTo: "2026-03-31", clientOrgId: "" });
    await runJob(appDb(), "client-export", { exportId: german });
    const de = csvRows((await rep.download(path(german))).body).lines;
    expect(de[0].split(";").slice(0, 7)).toEqual(["Kunde", "Kunden-ID", "Bezahlt von", "Rechnung", "Ausgestellt am", "Währung", "Zahlungsstand"]);
    expect(de[1]).toContain(";Partner;");
    expect(de[1]).toContain(";teilweise bezahlt;");
  });

  it("C-6: invalid filters answer 400 with field messages and queue nothing; a partner has at most three exports waiting", async () => {
    const s = await scenario();
    const rep = await signedIn(s.partner);
    const path = `/orgs/${s.partner.orgId}/partner/exports`;
    const count = async () => Number((await testDb().selectFrom("client_exports").select((eb) => eb.fn.countAll().as("n")).where("org_id", "=", s.partner.orgId).executeTakeFirstOrThrow()).n);
    const cases: Array<[Record<string, string>, string]> = [
      [{ format: "xlsx", periodFrom: "2026-03-01", periodTo: "2026-02-01", clientOrgId: "" }, "The end of the period is before its start."],
      [{ format: "xlsx", periodFrom: "01.02.2026", periodTo: "", clientOrgId: "" }, "Enter a date as YYYY-MM-DD."],
      [{ format: "pdf", periodFrom: "", periodTo: "", clientOrgId: "" }, "Choose XLSX or CSV."],
      [{ format: "csv", periodFrom: "", periodTo: "", clientOrgId: s.stranger.orgId }, "Choose one of your clients."],
      [{ format: "csv", periodFrom: "", periodTo: "", clientOrgId: "not-a-uuid" }, "Choose one of your clients."],
    ];
    const jobsBefore = jobs.length;
    for (const [form, message] of cases) {
      const answer = await rep.post(path, form);
      expect({ form, status: answer.status }).toEqual({ form, status: 400 });
      expect(textOf(answer.html)).toContain(message);
    }
    expect(await count()).toBe(0);
    expect(jobs.length).toBe(jobsBefore);

    for (let i = 0; i < 3; i++) await requestExport(rep, s.partner.orgId, { format: "csv", periodFrom: "", periodTo: "", clientOrgId: "" });
    const fourth = await rep.post(path, { format: "csv", periodFrom: "", periodTo: "", clientOrgId: "" });
    expect(fourth.status).toBe(409);
    expect(textOf(fourth.html)).toContain("3 exports are already being prepared");
    expect(await count()).toBe(3);
  });

  it("C-6: another organization, a restricted member, and a non-partner can neither request nor download; an administrator, also of a partner flagged for review (P-2), can", async () => {
    const s = await scenario();
    const rep = await signedIn(s.partner);
    const id = await requestExport(rep, s.partner.orgId, { format: "xlsx", periodFrom: "", periodTo: "", clientOrgId: "" });
    await runJob(appDb(), "client-export", { exportId: id });
    const pagePath = `/orgs/${s.partner.orgId}/partner/exports`;
    const filePath = `${pagePath}/${id}.xlsx`;
    const form = { format: "csv", periodFrom: "", periodTo: "", clientOrgId: "" };
    const exportsOf = async (orgId: string) => Number((await testDb().selectFrom("client_exports").select((eb) => eb.fn.countAll().as("n")).where("org_id", "=", orgId).executeTakeFirstOrThrow()).n);

    // A restricted member of the partner: 403 everywhere, nothing created.
    const restricted = await signedIn(await createMember(s.partner.orgId, "restricted"));
    expect((await restricted.get(pagePath)).status).toBe(403);
    expect((await restricted.post(pagePath, form)).status).toBe(403);
    expect((await restricted.download(filePath)).status).toBe(403);

    // Another organization (a client of the partner, and a stranger): 404, learning nothing.
    for (const user of [s.alpha, s.stranger]) {
      const other = await signedIn(user);
      const page = await other.get(pagePath);
      expect(page.status).toBe(404);
      expect(page.html).not.toContain("Beta; &quot;Quote&quot; GmbH");
      expect(page.html).not.toContain("Prepare the export");
      expect((await other.post(pagePath, form)).status).toBe(404);
      const file = await other.download(filePath);
      expect(file.status).toBe(404);
      expect(file.body.length).toBeLessThan(1000);
      // Nor through its own organization's URL with the partner's export id.
      expect((await other.download(`/orgs/${user.orgId}/partner/exports/${id}.xlsx`)).status).toBe(404);
    }
    // Another partner cannot fetch this partner's export through its own URL.
    const otherPartner = await partnerWithRep("Other Partner AG");
    const otherClient = await signedIn(otherPartner);
    expect((await otherClient.download(`/orgs/${otherPartner.orgId}/partner/exports/${id}.xlsx`)).status).toBe(404);

    // Not a partner: the page does not exist. A partner flagged for review by the yearly
    // re-check is still a partner (P-2: never silently demoted) and keeps its exports.
    const plain = await createUser({ name: "Plain Customer" });
    const plainClient = await signedIn(plain);
    expect((await plainClient.get(`/orgs/${plain.orgId}/partner/exports`)).status).toBe(404);
    expect((await plainClient.post(`/orgs/${plain.orgId}/partner/exports`, form)).status).toBe(404);
    const reviewed = await partnerWithRep("Reviewed Partner AG", "review");
    const reviewedClient = await signedIn(reviewed);
    expect((await reviewedClient.get(`/orgs/${reviewed.orgId}/partner/exports`)).status).toBe(200);
    await requestExport(reviewedClient, reviewed.orgId, form);
    expect(await exportsOf(reviewed.orgId)).toBe(1);
    for (const orgId of [plain.orgId, s.alpha.orgId, s.stranger.orgId]) expect(await exportsOf(orgId)).toBe(0);
    expect(await exportsOf(s.partner.orgId)).toBe(1);

    // An administrator of the partner may request and download.
    const admin = await signedIn(await createMember(s.partner.orgId, "admin"));
    expect((await admin.download(filePath)).status).toBe(200);
    await requestExport(admin, s.partner.orgId, form);
    expect(await exportsOf(s.partner.orgId)).toBe(2);
  });

  it("C-6/C-3/C-4: an export holds only the billing data its requester may see: a client without billing access is in none; a partner user with staff rights exports its billing clients, not the partner's own invoices, and sees only its own exports", async () => {
    const s = await scenario();
    // Full access without billing access (C-3: billing is a separate choice): never exported.
    const gamma = await linkedClient(s.partner.orgId, "Gamma Without Billing AG", { billing: false });
    await issuedInvoice({ orgId: gamma.orgId, issuedAt: "2026-02-03T10:00:00Z", lines: [{ description: "Gamma own line", unit: 700 }] });
    const rep = await signedIn(s.partner);
    const pagePath = `/orgs/${s.partner.orgId}/partner/exports`;
    const all = await requestExport(rep, s.partner.orgId, { format: "csv", periodFrom: "", periodTo: "", clientOrgId: "" });
    await runJob(appDb(), "client-export", { exportId: all });
    const repCsv = (await rep.download(`${pagePath}/${all}.csv`)).body.toString("utf8");
    expect(repCsv).not.toContain("Gamma own line");
    expect(repCsv).toContain("Mail Standard"); // the partner's own invoice for Beta

    // A partner user with staff rights for Alpha and Gamma only (C-4).
    const staff = await partnerStaff(s.partner.orgId, s.alpha.orgId, "Export Staff");
    await testDb().insertInto("partner_staff_rights").values({ org_id: s.partner.orgId, user_id: staff.userId, client_org_id: gamma.orgId, created_at: new Date() }).execute();
    const browser = await signedIn(staff);
    const page = await browser.get(pagePath);
    expect(page.status).toBe(200);
    expect(page.html).toContain(`<option value="${s.alpha.orgId}">Alpha Bäckerei AG</option>`);
    expect(page.html).not.toContain(`value="${s.beta.orgId}"`);
    expect(page.html).not.toContain(`value="${gamma.orgId}"`);
    // The representative's export is not the staff user's to see.
    expect(page.html).not.toContain(`${all}.csv`);
    expect((await browser.download(`${pagePath}/${all}.csv`)).status).toBe(404);
    // A client outside its rights: a field message, nothing queued.
    const before = jobs.length;
    const refused = await browser.post(pagePath, { format: "csv", periodFrom: "", periodTo: "", clientOrgId: s.beta.orgId });
    expect(refused.status).toBe(400);
    expect(jobs.length).toBe(before);

    const mine = await requestExport(browser, s.partner.orgId, { format: "csv", periodFrom: "", periodTo: "", clientOrgId: "" });
    expect(await exportRow(mine)).toMatchObject({ client_org_ids: [s.alpha.orgId], partner_invoices: false, requested_by: staff.userId });
    await runJob(appDb(), "client-export", { exportId: mine });
    const file = await browser.download(`${pagePath}/${mine}.csv`);
    expect(file.status).toBe(200);
    const lines = csvRows(file.body).lines.slice(1).filter((l) => l !== "");
    expect(lines.map((l) => l.split(";")[3])).toEqual([s.a1.number, s.a1.number, s.a2.number]);
    // The representative sees every export, the staff user's too.
    expect((await rep.get(pagePath)).html).toContain(`${mine}.csv`);

    // Its rights withdrawn: the next request is refused, the file too.
    await testDb().deleteFrom("partner_staff_rights").where("user_id", "=", staff.userId).execute();
    expect((await browser.get(pagePath)).status).toBe(403);
    expect((await browser.download(`${pagePath}/${mine}.csv`)).status).toBe(403);
  });

  it("C-6: the job is idempotent: running it again changes neither the file nor the export", async () => {
    const s = await scenario();
    const rep = await signedIn(s.partner);
    const id = await requestExport(rep, s.partner.orgId, { format: "xlsx", periodFrom: "", periodTo: "", clientOrgId: "" });
    await runJob(appDb(), "client-export", { exportId: id });
    const file = exportFilePath(id, "xlsx");
    const bytes = await readFile(file);
    const mtime = (await stat(file)).mtimeMs;
    const row = await exportRow(id);
    const again = await runJob(appDb(), "client-export", { exportId: id });
    expect(again).toEqual({ status: "skipped", reason: "finished" });
    expect(await exportRow(id)).toEqual(row);
    expect((await readFile(file)).equals(bytes)).toBe(true);
    expect((await stat(file)).mtimeMs).toBe(mtime);
    // No temporary files are left beside it.
    const { readdir } = await import("node:fs/promises");
    expect((await readdir(dir)).filter((f) => f.startsWith(id))).toEqual([`${id}.xlsx`]);
    // An id that does not exist is skipped.
    expect(await runJob(appDb(), "client-export", { exportId: "00000000-0000-4000-8000-000000000000" })).toEqual({ status: "skipped", reason: "missing" });
  });

  it("C-6: a file is kept 7 days: then it cannot be downloaded, the expiry job deletes it and marks it expired (moving the clock)", async () => {
    const s = await scenario();
    const rep = await signedIn(s.partner);
    const start = new Date("2026-05-04T08:00:00Z");
    setClock(() => start);
    const id = await requestExport(rep, s.partner.orgId, { format: "csv", periodFrom: "", periodTo: "", clientOrgId: "" });
    await runJob(appDb(), "client-export", { exportId: id });
    const link = `/orgs/${s.partner.orgId}/partner/exports/${id}.csv`;
    const file = exportFilePath(id, "csv");

    setClock(() => addMs(start, 7 * DAY - 60_000));
    expect(await runJob(appDb(), "expire-client-exports", {})).toEqual({ expired: 0 });
    expect((await rep.download(link)).status).toBe(200);
    expect(existsSync(file)).toBe(true);

    setClock(() => addMs(start, 7 * DAY));
    // Past its 7 days the file is refused even before the expiry job ran.
    expect((await rep.download(link)).status).toBe(404);
    const page = await rep.get(`/orgs/${s.partner.orgId}/partner/exports`);
    expect(page.html).not.toContain(`href="${link}"`);
    expect(textOf(page.html)).toContain("expired (kept 7 days)");
    expect(await runJob(appDb(), "expire-client-exports", {})).toEqual({ expired: 1 });
    expect(existsSync(file)).toBe(false);
    expect((await exportRow(id)).status).toBe("expired");
    expect(await runJob(appDb(), "expire-client-exports", {})).toEqual({ expired: 0 });
    // An expired export is never written again.
    expect(await runJob(appDb(), "client-export", { exportId: id })).toEqual({ status: "skipped", reason: "finished" });
    expect(existsSync(file)).toBe(false);
  });

  it("C-6: the page shows the job's progress while it runs (progress bar, rows, a refresh without JavaScript) and the download link when done", async () => {
    const s = await scenario();
    // 12,000 more lines for Alpha, so the job writes them in several chunks.
    const big = await issuedInvoice({ orgId: s.alpha.orgId, issuedAt: "2026-05-01T10:00:00Z", lines: [] });
    await sql`insert into invoice_lines (org_id, invoice_id, position, description, unit_amount, quantity, discount_amount, net_amount)
      select ${s.alpha.orgId}::uuid, ${big.id}::uuid, g, 'Line ' || g, 100, 1, 0, 100 from generate_series(1, 12000) g`.execute(testDb());
    const rep = await signedIn(s.partner);
    const id = await requestExport(rep, s.partner.orgId, { format: "xlsx", periodFrom: "", periodTo: "", clientOrgId: s.alpha.orgId });
    const reported: number[] = [];
    const seen: string[] = [];
    await runJob(appDb(), "client-export", { exportId: id }, {
      updateProgress: async (percent) => {
        reported.push(percent);
        if (percent > 0 && percent < 100 && seen.length === 0) seen.push((await rep.get(`/orgs/${s.partner.orgId}/partner/exports`)).html);
      },
    });
    expect(reported[0]).toBe(0);
    expect(reported.at(-1)).toBe(100);
    expect(reported).toEqual([...reported].sort((a, b) => a - b));
    // 12,003 rows: after the first chunk, its share of them.
    const first = Math.floor((EXPORT_CHUNK_ROWS * 100) / 12_003);
    expect(EXPORT_CHUNK_ROWS).toBeLessThan(6000);
    expect(reported[1]).toBe(first);
    const running = seen[0];
    expect(running).toContain(`<progress value="${first}" max="100"`);
    expect(textOf(running)).toContain("in progress");
    expect(textOf(running)).toContain(`${first} % (${EXPORT_CHUNK_ROWS} rows)`);
    expect(running).toContain('<noscript><meta http-equiv="refresh" content="3"/></noscript>');
    expect(textOf(running)).toContain("Refresh the progress");
    expect(running).not.toContain(`/${id}.xlsx"`);

    const done = await rep.get(`/orgs/${s.partner.orgId}/partner/exports`);
    expect(done.html).not.toContain("<progress");
    expect(done.html).not.toContain('http-equiv="refresh"');
    expect(done.html).toContain(`href="/orgs/${s.partner.orgId}/partner/exports/${id}.xlsx"`);
    const sheet = await xlsxRows((await rep.download(`/orgs/${s.partner.orgId}/partner/exports/${id}.xlsx`)).body);
    expect(sheet.rows).toHaveLength(1 + 12_003);
    expect(sheet.rows.at(-1)!.slice(7, 9)).toEqual([12_000, "Line 12000"]);
  });

  it("C-6: through BullMQ: the page enqueues the job with the export id as job id; the worker writes the file and reports progress 100", async () => {
    const s = await scenario();
    const workers = await startTestBullWorkers(appDb());
    setJobSink(workers.sink);
    try {
      const rep = await signedIn(s.partner);
      expect((await rep.post(`/orgs/${s.partner.orgId}/partner/exports`, { format: "csv", periodFrom: "", periodTo: "", clientOrgId: "" })).status).toBe(302);
      const { id } = await testDb().selectFrom("client_exports").select("id").where("org_id", "=", s.partner.orgId).executeTakeFirstOrThrow();
      const finished = await finishedJob(workers.sink.queue, `client-export-${id}`);
      expect(finished).toMatchObject({ state: "completed", returnvalue: { status: "done", rows: 5 } });
      const job = await workers.sink.queue.getJob(`client-export-${id}`);
      expect(job?.progress).toBe(100);
      expect((await exportRow(id)).status).toBe("done");
      const file = await rep.download(`/orgs/${s.partner.orgId}/partner/exports/${id}.csv`);
      expect(csvRows(file.body).lines).toHaveLength(7);
      // The expiry runs on a job scheduler.
      const schedulers = await workers.sink.queue.getJobSchedulers();
      expect(schedulers.map((j) => j.name)).toContain("expire-client-exports");
    } finally {
      await workers.close();
      jobs = recordJobs();
    }
  });

  it("C-6: in the database, only the export job acting for the partner reads the clients' own invoices, and only of active clients since they became clients", async () => {
    const s = await scenario();
    const { transaction } = await import("../../../app/domain/tx.server");
    const visible = (settings: Record<`app.${string}`, string>) =>
      transaction(appDb(), async (trx) => {
        const invoices = await sql<{ org_id: string; number: string }>`select org_id, number from invoices order by number`.execute(trx);
        const lines = await sql<{ n: number }>`select count(*)::int as n from invoice_lines where org_id = ${s.alpha.orgId}::uuid`.execute(trx);
        const products = await sql<{ n: number }>`select count(*)::int as n from payments where org_id = ${s.alpha.orgId}::uuid`.execute(trx);
        return { invoices: invoices.rows, alphaLines: lines.rows[0].n, alphaPayments: products.rows[0].n };
      }, settings);
    const asJob = await visible({ "app.job": "client-export", "app.org_ids": s.partner.orgId });
    const clientInvoices = asJob.invoices.filter((i) => i.org_id !== s.partner.orgId).map((i) => i.number).sort();
    expect(clientInvoices).toEqual([s.a1.number, s.a2.number, s.b0.number].sort());
    expect(asJob.alphaPayments).toBe(0);
    // The partner's web requests see only its own invoices.
    const asPartner = await visible({ "app.org_ids": s.partner.orgId });
    expect(asPartner.invoices.every((i) => i.org_id === s.partner.orgId)).toBe(true);
    expect(asPartner.alphaLines).toBe(0);
    // Another job name, or the job acting for another organization, sees none of them.
    const otherJob = await visible({ "app.job": "purge", "app.org_ids": s.partner.orgId });
    expect(otherJob.invoices.every((i) => i.org_id === s.partner.orgId)).toBe(true);
    const forStranger = await visible({ "app.job": "client-export", "app.org_ids": s.stranger.orgId });
    expect(forStranger.invoices.every((i) => i.org_id === s.stranger.orgId)).toBe(true);
    expect(forStranger.alphaLines).toBe(0);
  });
});
