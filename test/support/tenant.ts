import { randomBytes } from "node:crypto";
import { sql } from "kysely";
import { hashToken } from "../../app/auth/tokens.server";
import { createMember, createProduct, createUser, grantProduct } from "./factories";
import { testDb } from "./setup";

/**
 * An organization with at least one row in every tenant table (arranged as the owner).
 * A later issue that adds a tenant table adds a row for it here; the row-level security
 * test fails until it does.
 */
export async function populatedOrganization() {
  const db = testDb();
  const rep = await createUser({ name: "Tenant Rep" });
  const orgId = rep.orgId;
  const member = await createMember(orgId, "restricted");
  const team = await db.insertInto("teams").values({ org_id: orgId, name: "Ops" }).returning("id").executeTakeFirstOrThrow();
  await db.insertInto("team_members").values({ org_id: orgId, team_id: team.id, user_id: member.userId }).execute();
  const productId = await createProduct(orgId, "mail");
  await grantProduct(orgId, productId, "read", { userId: member.userId });
  await grantProduct(orgId, productId, "manage", { teamId: team.id });
  const mailbox = await db
    .insertInto("mailboxes")
    .values({ org_id: orgId, product_id: productId, address: `box.${randomBytes(4).toString("hex")}@example.ch`, password_hash: "x" })
    .returning("id")
    .executeTakeFirstOrThrow();
  await db.insertInto("mailbox_webmail_users").values({ org_id: orgId, mailbox_id: mailbox.id, user_id: member.userId }).execute();
  await db
    .insertInto("invitations")
    .values({
      org_id: orgId,
      email: `invitee.${randomBytes(4).toString("hex")}@example.ch`,
      role: "restricted",
      token_hash: hashToken(randomBytes(16).toString("hex")),
      expires_at: new Date(Date.now() + 86_400_000),
    })
    .execute();
  await db.insertInto("legal_rep_transfers").values({ org_id: orgId, from_user_id: rep.userId, to_user_id: member.userId }).execute();
  await db
    .insertInto("renewal_attempts")
    .values({ org_id: orgId, product_id: productId, period_expires_at: new Date(Date.now() + 10 * 86_400_000), attempt_day: "2026-01-01" })
    .execute();
  await db.insertInto("email_outbox").values({ org_id: orgId, to_address: rep.email, subject: "s", body_text: "b", kind: "test" }).execute();
  await db.insertInto("audit_log").values({ org_id: orgId, actor_user_id: rep.userId, action: "test.fixture" }).execute();
  // Issue 5: orders, payments, the prepaid account and invoices (migration 0013).
  const order = await db
    .insertInto("orders")
    .values({ org_id: orgId, kind: "renewal", currency: "CHF", language: "en", net_amount: 1000, total_amount: 1000, status: "paid", paid_at: new Date() })
    .returning("id")
    .executeTakeFirstOrThrow();
  await db.insertInto("order_lines").values({ org_id: orgId, order_id: order.id, position: 1, description: "Line", unit_amount: 1000, net_amount: 1000 }).execute();
  await db.insertInto("saved_payment_methods").values({ org_id: orgId, method: "visa", gateway_token: `tok_${randomBytes(4).toString("hex")}`, label: "•••• 4242" }).execute();
  const payment = await db
    .insertInto("payments")
    .values({ org_id: orgId, order_id: order.id, method: "visa", amount: 1000, currency: "CHF", status: "succeeded", idempotency_key: `fixture-${randomBytes(6).toString("hex")}`, gateway_reference: `pay_${randomBytes(6).toString("hex")}` })
    .returning("id")
    .executeTakeFirstOrThrow();
  await db.insertInto("payment_webhook_events").values({ event_id: `evt_${randomBytes(6).toString("hex")}`, org_id: orgId, payment_id: payment.id, type: "payment.succeeded" }).execute();
  await db.insertInto("prepaid_accounts").values({ org_id: orgId, currency: "CHF", balance: 500, updated_at: new Date() }).execute();
  await db.insertInto("prepaid_entries").values({ org_id: orgId, kind: "topup", amount: 500, created_at: new Date() }).execute();
  // Prepaid withdrawals (migration 0017).
  await db.insertInto("prepaid_withdrawals").values({ org_id: orgId, amount: 100, currency: "CHF", destination_kind: "paypal", destination: "rep@example.ch", requested_by: rep.userId }).execute();
  const seq = 900000 + Math.floor(Math.random() * 99999);
  const invoice = await db
    .insertInto("invoices")
    .values({
      org_id: orgId,
      order_id: order.id,
      number: `2099-${seq}`,
      year: 2099,
      sequence: seq,
      issued_at: new Date(),
      language: "en",
      currency: "CHF",
      net_amount: 1000,
      vat_rate_bp: 0,
      vat_amount: 0,
      total_amount: 1000,
      bill_to: JSON.stringify({ name: "Tenant", street: null, postalCode: null, city: null, country: "CH", vatId: null }),
    })
    .returning("id")
    .executeTakeFirstOrThrow();
  const invoiceLine = await db
    .insertInto("invoice_lines")
    .values({ org_id: orgId, invoice_id: invoice.id, position: 1, description: "Line", unit_amount: 1000, quantity: 1, discount_amount: 0, net_amount: 1000 })
    .returning("id")
    .executeTakeFirstOrThrow();
  // Credit notes (migration 0018).
  const creditNote = await db
    .insertInto("credit_notes")
    .values({
      org_id: orgId,
      invoice_id: invoice.id,
      number: `2099-${seq + 1}`,
      year: 2099,
      sequence: seq + 1,
      issued_at: new Date(),
      reason: "Correction",
      language: "en",
      currency: "CHF",
      net_amount: -1000,
      vat_rate_bp: 0,
      vat_amount: 0,
      total_amount: -1000,
      bill_to: JSON.stringify({ name: "Tenant", street: null, postalCode: null, city: null, country: "CH", vatId: null }),
    })
    .returning("id")
    .executeTakeFirstOrThrow();
  await db
    .insertInto("credit_note_lines")
    .values({ org_id: orgId, credit_note_id: creditNote.id, invoice_line_id: invoiceLine.id, position: 1, description: "Line", unit_amount: -1000, quantity: 1, discount_amount: 0, net_amount: -1000 })
    .execute();
  // Paying by IBAN transfer (migration 0016): a proforma and a received transfer.
  const pfSeq = 100000 + Math.floor(Math.random() * 899999);
  await db
    .insertInto("proformas")
    .values({
      org_id: orgId,
      order_id: order.id,
      number: `PF-2099-${pfSeq}`,
      reference: `2099${String(pfSeq).padStart(22, "0")}0`,
      creditor_iban: "CH4431999123000889012",
      currency: "CHF",
      amount: 1000,
      language: "en",
      bill_to: JSON.stringify({ name: "Tenant", street: null, postalCode: null, city: null, country: "CH", vatId: null }),
      issued_at: new Date(),
    })
    .execute();
  await db
    .insertInto("bank_transfers")
    .values({ entry_reference: `fixture-${randomBytes(6).toString("hex")}`, source: "manual", amount: 1000, currency: "CHF", status: "matched", org_id: orgId, order_id: order.id, payment_id: payment.id, received_at: new Date() })
    .execute();
  // The partner program (migration 0019): membership, application, a link to a client.
  await db.insertInto("program_memberships").values({ org_id: orgId, program: "partner", since: new Date() }).execute();
  await db
    .insertInto("partner_applications")
    .values({ org_id: orgId, status: "approved", registry_kind: "other", registry_country: "DE", registry_number: "HRB 1", website_url: "https://example.ch/", commit_support: true, commit_invoices: true, commit_tenders: true, terms_version: 1, terms_accepted_by: rep.userId, terms_accepted_at: new Date(), value_amount: 200000, value_threshold: 200000, value_currency: "CHF", submitted_by: rep.userId, submitted_at: new Date(), reviewed_at: new Date() })
    .execute();
  const client = await createUser({ name: "Tenant Client" });
  const clientLink = await db.insertInto("partner_client_links").values({ org_id: orgId, client_org_id: client.orgId, state: "active", since: new Date() }).returning("id").executeTakeFirstOrThrow();
  // Clients and delegation (migration 0024): a staff right and an end-date warning of this
  // organization as partner; limited access it gives, as a client, to another partner.
  await db.insertInto("partner_staff_rights").values({ org_id: orgId, user_id: member.userId, client_org_id: client.orgId, created_at: new Date() }).execute();
  await db.insertInto("partner_link_warnings").values({ org_id: orgId, link_id: clientLink.id, ends_at: new Date(Date.now() + 5 * 86_400_000), days: 7, sent_at: new Date() }).execute();
  const itsPartner = await createUser({ name: "Tenant's Partner" });
  const asClient = await db.insertInto("partner_client_links").values({ org_id: itsPartner.orgId, client_org_id: orgId, state: "active", access: "limited", since: new Date() }).returning("id").executeTakeFirstOrThrow();
  await db.insertInto("partner_link_products").values({ org_id: orgId, link_id: asClient.id, product_id: productId, manage: true, stats: false }).execute();
  // P-8 referrals (migration 0021): this organization as the referring affiliate of another one.
  await db.insertInto("affiliate_referrals").values({ org_id: orgId, referred_org_id: client.orgId, created_at: new Date() }).execute();
  // P-9 cashback (migration 0022): a cashback line of this organization as partner.
  await db
    .insertInto("partner_cashback_lines")
    .values({ org_id: orgId, client_org_id: client.orgId, invoice_id: invoice.id, month: "2099-01-01", rate_bp: 1000, amount: 100, currency: "CHF", created_at: new Date() })
    .execute();
  // P-9/P-8/P-2 (migration 0023): a cashback statement, an affiliate commission, a yearly eligibility check.
  await db.insertInto("partner_cashback_statements").values({ org_id: orgId, month: "2099-01-01", currency: "CHF", amount: 100, invoices: 1, created_at: new Date() }).execute();
  await db
    .insertInto("affiliate_commissions")
    .values({ org_id: orgId, referred_org_id: client.orgId, invoice_id: invoice.id, rate_bp: 1000, amount: 100, currency: "CHF", created_at: new Date() })
    .execute();
  await db.insertInto("partner_eligibility_checks").values({ org_id: orgId, year: 2099, value_amount: 200000, value_threshold: 200000, currency: "CHF", below: false, checked_at: new Date() }).execute();
  // C-6 client exports (migration 0025): an export requested by this organization as partner.
  await db.insertInto("client_exports").values({ org_id: orgId, requested_by: rep.userId, format: "csv", language: "en", created_at: new Date() }).execute();
  // C-5 re-invoicing (migration 0032): this organization as partner re-invoices its client.
  await db.insertInto("partner_reinvoice_counters").values({ org_id: orgId, year: 2099, last_sequence: 1 }).execute();
  const party = JSON.stringify({ name: "Tenant", street: null, postalCode: null, city: null, country: "CH", vatId: null });
  const reinvoice = await db
    .insertInto("partner_reinvoices")
    .values({ org_id: orgId, client_org_id: client.orgId, number: "RE-2099-0001", year: 2099, sequence: 1, issued_at: new Date(), issued_by: rep.userId, language: "en", currency: "CHF", net_amount: 1000, vat_rate_bp: 0, vat_amount: 0, total_amount: 1000, issuer: party, bill_to: party })
    .returning("id")
    .executeTakeFirstOrThrow();
  await db.insertInto("partner_reinvoice_lines").values({ org_id: orgId, reinvoice_id: reinvoice.id, position: 1, description: "Line", quantity: 1, unit_amount: 1000, net_amount: 1000 }).execute();
  // Issue 8 (migration 0026): a tender of this organization with a proposal (this organization
  // answering it as partner), its tender alerts, a digest and its directory listing.
  const tender = await db
    .insertInto("tenders")
    .values({ org_id: orgId, posted_by: rep.userId, title: "Fixture tender", description: "A fixture tender for the tenant tests.", categories: ["website"], budget_min: 100000, budget_max: 200000, currency: "CHF", region: "CH-ZH", language: "de", deadline: new Date(Date.now() + 10 * 86_400_000), contact_email: rep.email, status: "open", created_at: new Date(), published_at: new Date() })
    .returning("id")
    .executeTakeFirstOrThrow();
  await db
    .insertInto("tender_proposals")
    .values({ tender_id: tender.id, org_id: orgId, submitted_by: rep.userId, partner_name: "Tenant", contact_email: rep.email, body: "A fixture proposal for the tenant tests.", price_min: 100000, price_max: 150000, currency: "CHF", timeline: "4 weeks", provider_products_only: true, created_at: new Date() })
    .execute();
  await db.insertInto("tender_alerts").values({ org_id: orgId, enabled: true, categories: ["website"], regions: ["CH"], email: rep.email, enabled_since: new Date(), updated_at: new Date() }).execute();
  await db.insertInto("tender_digests").values({ org_id: orgId, day: "2099-01-01", tender_ids: [tender.id], sent_at: new Date() }).execute();
  await db
    .insertInto("directory_listings")
    .values({ org_id: orgId, slug: `tenant-${randomBytes(4).toString("hex")}`, name: "Tenant Listing", description: "A fixture listing for the tenant tests.", description_language: "en", languages: ["en"], regions: ["CH"], specialties: ["website"], updated_at: new Date() })
    .execute();
  // Support access content and blocked orders (migration 0028).
  const drive = await createProduct(orgId, "storage");
  await db.insertInto("storage_folders").values({ org_id: orgId, product_id: drive, path: "/Documents", size_bytes: 100 }).execute();
  const chat = await createProduct(orgId, "chat");
  await db.insertInto("chat_discussions").values({ org_id: orgId, product_id: chat, title: "General", message_count: 3 }).execute();
  const check = await db
    .insertInto("identity_checks")
    .values({ user_id: rep.userId, reason: "suspicious_order", upload_token_hash: hashToken(randomBytes(16).toString("hex")), upload_expires_at: new Date(Date.now() + 86_400_000), requested_at: new Date() })
    .returning("id")
    .executeTakeFirstOrThrow();
  await db.insertInto("order_blocks").values({ org_id: orgId, order_id: order.id, reasons: ["brand:test"], identity_check_id: check.id, last_notice_at: new Date(), created_at: new Date() }).execute();
  // A partner's pending creation of a client organization (migration 0030).
  await db
    .insertInto("client_creations")
    .values({ org_id: orgId, org_name: "Tenant Client AG", country: "CH", currency: "CHF", locale: "de", rep_name: "Client Rep", email: `client.${randomBytes(4).toString("hex")}@example.ch`, token_hash: hashToken(randomBytes(16).toString("hex")), expires_at: new Date(Date.now() + 86_400_000) })
    .execute();
  return { orgId, rep, member };
}

/** Every table of the public schema with an `org_id` column. */
export async function tenantTables(): Promise<string[]> {
  const { rows } = await sql<{ table: string }>`
    select c.relname as table
    from pg_class c
    join pg_namespace n on n.oid = c.relnamespace
    join pg_attribute a on a.attrelid = c.oid and a.attname = 'org_id' and not a.attisdropped
    where n.nspname = 'public' and c.relkind in ('r', 'p')
    order by 1`.execute(testDb());
  return rows.map((r) => r.table);
}
