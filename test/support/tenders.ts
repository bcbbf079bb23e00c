import { randomBytes } from "node:crypto";
import { billingDay } from "../../app/domain/billing/renewal-rules";
import { addMs, DAY } from "../../app/lib/clock";
import { Client } from "./app";
import { createUser, uniqueEmail } from "./factories";
import { testDb } from "./setup";

/** A deadline day `days` from now, as the form's date field sends it. */
export function deadlineIn(days: number, from = new Date()): string {
  return billingDay(addMs(from, days * DAY));
}

/** The fields of a valid tender form; `over` replaces some. */
export function tenderForm(over: Record<string, string | string[]> = {}): Record<string, string | string[]> {
  return {
    title: "New website for our bakery",
    description: "We need a new website with an online order form and a German and French version.",
    "categories[]": ["website", "hosting"],
    budgetMin: "3000",
    budgetMax: "6000",
    currency: "CHF",
    region: "CH-ZH",
    language: "de",
    deadline: deadlineIn(14),
    ...over,
  };
}

/** The private link's token in a mail text. */
export function tenderTokenIn(text: string): string {
  const m = text.match(/\/tenders\/t\/([A-Za-z0-9_-]+)/);
  if (!m) throw new Error(`no tender link in: ${text}`);
  return m[1];
}

/** The newest confirmation mail's token for `email` (from the outbox). */
export async function confirmationToken(email: string): Promise<string> {
  const mail = await testDb().selectFrom("email_outbox").select("body_text").where("to_address", "=", email).where("kind", "=", "tender_confirm").orderBy("created_at", "desc").executeTakeFirstOrThrow();
  return tenderTokenIn(mail.body_text);
}

/** A visitor posts a tender through the public form and confirms it through the mailed link. */
export async function publishedVisitorTender(over: Record<string, string | string[]> = {}) {
  const visitor = new Client();
  const email = uniqueEmail("visitor");
  const posted = await visitor.post("/tenders/new", { ...tenderForm(over), contactEmail: email, website: "" });
  if (posted.status !== 302) throw new Error(`posting failed: ${posted.status} ${posted.html.slice(0, 500)}`);
  const token = await confirmationToken(email);
  const confirmed = await visitor.post(`/tenders/t/${token}`, { intent: "confirm" });
  if (confirmed.status !== 302) throw new Error(`confirming failed: ${confirmed.status}`);
  const tender = await testDb().selectFrom("tenders").selectAll().where("contact_email", "=", email).executeTakeFirstOrThrow();
  return { visitor, email, token, tender };
}

/**
 * An approved partner: the organization's partner program membership (active or under
 * review), and, unless `withoutApplication`, its approved application (which carries the
 * P-6 commitment).
 */
export async function partnerOrg(opts: { name?: string; status?: "active" | "review"; withoutApplication?: boolean } = {}) {
  const user = await createUser({ name: opts.name ?? "Partner Rep", organizationName: opts.name ?? `Partner ${randomBytes(3).toString("hex")}` });
  await testDb().insertInto("program_memberships").values({ org_id: user.orgId, program: "partner", status: opts.status ?? "active", since: new Date() }).execute();
  if (!opts.withoutApplication) {
    await testDb()
      .insertInto("partner_applications")
      .values({ org_id: user.orgId, status: "approved", registry_kind: "ch_uid", registry_country: "CH", registry_number: "CHE-116.281.710", website_url: "https://example.ch/", commit_support: true, commit_invoices: true, commit_tenders: true, terms_version: 1, terms_accepted_by: user.userId, terms_accepted_at: new Date(), value_amount: 200000, value_threshold: 200000, value_currency: "CHF", submitted_by: user.userId, submitted_at: new Date(), reviewed_at: new Date() })
      .execute();
  }
  return user;
}

/** The fields of a valid proposal. */
export function proposalForm(over: Record<string, string> = {}): Record<string, string> {
  return { body: "We build it with the provider's hosting and mail, in German and French.", priceMin: "4000", priceMax: "5500", timeline: "Online within six weeks", ...over };
}
