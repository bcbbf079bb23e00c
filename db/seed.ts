import { createHash } from "node:crypto";
import { hash } from "@node-rs/argon2";
import type { Kysely, Transaction } from "kysely";
import type { AutoRenewMethod, Currency, DB, PermissionLevel, ProductType } from "./schema";
import { seedPartnerRevenue } from "./seed-partner-revenue";

export const DEMO_PASSWORD = "Demo-Passwort-2026";

export const demoLogins = [
  { who: "Legal representative, Alpine Web GmbH", email: "anna.meier@alpineweb.ch" },
  { who: "Administrator, Alpine Web GmbH", email: "marco.rossi@alpineweb.ch" },
  { who: "Restricted user, Alpine Web GmbH (team Support)", email: "lea.keller@alpineweb.ch" },
  { who: "Legal representative, Léman Digital SA", email: "claire.dubois@lemandigital.ch" },
  { who: "Restricted user, Léman Digital SA", email: "julien.favre@lemandigital.ch" },
  { who: "Legal representative, Helvetia Webpartner AG (approved partner)", email: "thomas.graf@helvetia-partner.ch" },
  { who: "Legal representative, Bäckerei Studer GmbH (client of the partner)", email: "peter.studer@baeckerei-studer.ch" },
  { who: "Legal representative, Atelier Vogel (client of the partner)", email: "nina.vogel@atelier-vogel.ch" },
  { who: "Affiliate (private person), Sophie Martin", email: "sophie.martin@example.ch" },
  { who: "Provider staff administrator (back office: /backoffice)", email: "admin@provider.example" },
  { who: "Provider support agent (back office: /backoffice)", email: "support@provider.example" },
];

/**
 * What the demo data needs of the business rules (issuing invoices, numbering, the partner
 * program's value, partner rates, the sandbox gateway's tokens), handed in by the caller so that
 * the demo goes through the real rules while `db` imports nothing of the app
 * (app/domain/demo/seed.server.ts hands them in).
 */
export interface SeedServices {
  issueInvoice(trx: Transaction<DB>, orderId: string): Promise<unknown>;
  nextInvoiceNumber(trx: Transaction<DB>, year: number): Promise<{ sequence: number; number: string }>;
  partnerProgramValue(trx: Transaction<DB>, orgId: string): Promise<{ amount: number; threshold: number; currency: Currency }>;
  applyPartnerRate(amountMinor: number, rateBp: number): number;
  /** A saved card as the sandbox gateway saves it: its token and label. */
  savedCard(orgId: string): { token: string; label: string };
  savedTwint(orgId: string): { token: string; label: string };
}

/** Demo data for the embedded default. Does nothing if the demo data is already there. */
export async function seedDemo(db: Kysely<DB>, services: SeedServices): Promise<boolean> {
  const existing = await db.selectFrom("users").select("id").where("email", "=", "anna.meier@alpineweb.ch").executeTakeFirst();
  if (existing) {
    await ensureDemoApiToken(db);
    return false;
  }
  const passwordHash = await hash(DEMO_PASSWORD, { memoryCost: 19456, timeCost: 2, parallelism: 1 });

  await db.transaction().execute(async (trx) => {
    const user = async (email: string, name: string, locale: "de" | "fr" | "en") =>
      (
        await trx
          .insertInto("users")
          .values({ email, name, password_hash: passwordHash, locale })
          .returning("id")
          .executeTakeFirstOrThrow()
      ).id;
    const org = async (name: string, repId: string, extra: { city: string; postal_code: string; legal_form: string | null; registry_id: string | null }) => {
      const id = (
        await trx
          .insertInto("organizations")
          .values({ name, legal_rep_user_id: repId, currency: "CHF", country: "CH", street: "Bahnhofstrasse 1", ...extra })
          .returning("id")
          .executeTakeFirstOrThrow()
      ).id;
      await trx.insertInto("memberships").values({ org_id: id, user_id: repId, role: "admin" }).execute();
      return id;
    };
    // Renewal data relative to today, so the "to pay" list always has something due (B-3):
    // the catalog type, days until expiry, the chosen period and the auto-renewal state.
    const today = new Date();
    const product = async (
      orgId: string,
      type: ProductType,
      name: string,
      renewal: { code: string; expiresInDays: number; months: number; autoRenew?: AutoRenewMethod },
    ) =>
      (
        await trx
          .insertInto("products")
          .values({
            org_id: orgId,
            type,
            name,
            product_type_code: renewal.code,
            expires_at: new Date(today.getTime() + renewal.expiresInDays * 86_400_000),
            renewal_months: renewal.months,
            auto_renew: renewal.autoRenew !== undefined,
            auto_renew_method: renewal.autoRenew ?? null,
          })
          .returning("id")
          .executeTakeFirstOrThrow()
      ).id;
    const grant = (orgId: string, productId: string, level: PermissionLevel, who: { user_id?: string; team_id?: string }) =>
      trx
        .insertInto("product_permissions")
        .values({ org_id: orgId, product_id: productId, level, user_id: who.user_id ?? null, team_id: who.team_id ?? null })
        .execute();

    const anna = await user("anna.meier@alpineweb.ch", "Anna Meier", "de");
    const marco = await user("marco.rossi@alpineweb.ch", "Marco Rossi", "de");
    const lea = await user("lea.keller@alpineweb.ch", "Lea Keller", "de");
    const claire = await user("claire.dubois@lemandigital.ch", "Claire Dubois", "fr");
    const julien = await user("julien.favre@lemandigital.ch", "Julien Favre", "fr");

    const alpine = await org("Alpine Web GmbH", anna, { city: "Zürich", postal_code: "8001", legal_form: "GmbH", registry_id: "CHE-109.322.551" });
    const leman = await org("Léman Digital SA", claire, { city: "Lausanne", postal_code: "1003", legal_form: "SA", registry_id: "CHE-116.281.710" });
    await trx
      .insertInto("memberships")
      .values([
        { org_id: alpine, user_id: marco, role: "admin" },
        { org_id: alpine, user_id: lea, role: "restricted" },
        { org_id: leman, user_id: julien, role: "restricted" },
        // Marco also helps Léman Digital with its websites.
        { org_id: leman, user_id: marco, role: "restricted" },
      ])
      .execute();

    // Within 14 days (auto-renewal can no longer be switched on), within 2 months, later.
    const alpineDomain = await product(alpine, "domain", "alpineweb.ch", { code: "domain-ch", expiresInDays: 10, months: 24 });
    const alpineHosting = await product(alpine, "hosting", "Web hosting alpineweb.ch", {
      code: "hosting-business",
      expiresInDays: 40,
      months: 12,
      autoRenew: "visa",
    });
    const alpineMail = await product(alpine, "mail", "Mail service alpineweb.ch", { code: "mail-standard", expiresInDays: 50, months: 3 });
    await product(alpine, "storage", "kDrive Alpine Web", { code: "storage-drive", expiresInDays: 200, months: 12 });
    const lemanDomain = await product(leman, "domain", "lemandigital.ch", { code: "domain-ch", expiresInDays: 25, months: 12, autoRenew: "twint" });
    const lemanHosting = await product(leman, "hosting", "Hébergement lemandigital.ch", { code: "hosting-starter", expiresInDays: 12, months: 6 });
    const lemanMail = await product(leman, "mail", "Service mail lemandigital.ch", {
      code: "mail-standard",
      expiresInDays: 120,
      months: 12,
      autoRenew: "mastercard",
    });
    await product(leman, "chat", "Chat Léman Digital", { code: "chat-team", expiresInDays: 30, months: 1 });

    // B-2: each auto-renewing product charges a method saved as the sandbox gateway saves it
    // (the success test card, or a Twint profile), so the renewal job can charge it in the demo.
    for (const [orgId, productId, method] of [
      [alpine, alpineHosting, "visa"],
      [leman, lemanDomain, "twint"],
      [leman, lemanMail, "mastercard"],
    ] as const) {
      const { token, label } = method === "twint" ? services.savedTwint(orgId) : services.savedCard(orgId);
      const saved = await trx
        .insertInto("saved_payment_methods")
        .values({
          org_id: orgId,
          method,
          gateway_token: token,
          label,
          created_at: today,
        })
        .returning("id")
        .executeTakeFirstOrThrow();
      await trx.updateTable("products").set({ auto_renew_payment_method_id: saved.id }).where("id", "=", productId).execute();
    }

    const support = (
      await trx.insertInto("teams").values({ org_id: alpine, name: "Support" }).returning("id").executeTakeFirstOrThrow()
    ).id;
    await trx.insertInto("team_members").values({ org_id: alpine, team_id: support, user_id: lea }).execute();
    await grant(alpine, alpineMail, "manage", { team_id: support });
    await grant(alpine, alpineHosting, "read", { team_id: support });
    await grant(alpine, alpineDomain, "read", { user_id: lea });
    await grant(leman, lemanHosting, "manage", { user_id: julien });
    await grant(leman, lemanMail, "read", { user_id: julien });
    await grant(leman, lemanDomain, "manage", { user_id: marco });
    await grant(leman, lemanHosting, "manage", { user_id: marco });

    for (const [orgId, productId, address, users] of [
      [alpine, alpineMail, "anna.meier@alpineweb.ch", [anna]],
      [alpine, alpineMail, "info@alpineweb.ch", [anna, marco, lea]],
      [leman, lemanMail, "contact@lemandigital.ch", [claire, julien]],
    ] as const) {
      const mailbox = await trx
        .insertInto("mailboxes")
        .values({ org_id: orgId, product_id: productId, address, password_hash: passwordHash })
        .returning("id")
        .executeTakeFirstOrThrow();
      for (const userId of users) {
        await trx.insertInto("mailbox_webmail_users").values({ org_id: orgId, mailbox_id: mailbox.id, user_id: userId }).execute();
      }
    }

    // Issue 5: a prepaid balance and one paid invoice (last year's storage renewal) per organization.
    for (const [orgId, balance, language, description] of [
      [alpine, 4250, "de", "Storage drive: Backup alpineweb.ch"],
      [leman, 12000, "fr", "Storage drive: Sauvegarde lemandigital.ch"],
    ] as const) {
      await trx.insertInto("prepaid_accounts").values({ org_id: orgId, currency: "CHF", balance, updated_at: today }).execute();
      await trx.insertInto("prepaid_entries").values({ org_id: orgId, kind: "topup", amount: balance, created_at: today }).execute();
      const net = 5900;
      const vat = 478; // 8.1 % of 59.00, rounded half up
      const order = await trx
        .insertInto("orders")
        .values({ org_id: orgId, kind: "renewal", status: "paid", currency: "CHF", language, net_amount: net, vat_rate_bp: 810, vat_amount: vat, total_amount: net + vat, created_at: today, paid_at: today })
        .returning("id")
        .executeTakeFirstOrThrow();
      await trx
        .insertInto("order_lines")
        .values({ org_id: orgId, order_id: order.id, position: 1, product_type_code: "storage-drive", description, months: 12, unit_amount: net, net_amount: net })
        .execute();
      await trx
        .insertInto("payments")
        .values({ org_id: orgId, order_id: order.id, method: "visa", amount: net + vat, currency: "CHF", status: "succeeded", idempotency_key: `demo-${order.id}`, gateway_reference: `pay_demo_${order.id.slice(0, 8)}`, settled_at: today })
        .execute();
      // The seed's transaction runs no after-commit work: issuing an invoice needs none.
      await services.issueInvoice(trx, order.id);
    }

    await trx
      .insertInto("staff_accounts")
      .values([
        { email: "admin@provider.example", name: "Sandra Huber", role: "administrator", password_hash: passwordHash },
        { email: "support@provider.example", name: "Luca Bernasconi", role: "support_agent", password_hash: passwordHash },
        { email: "billing@provider.example", name: "Nora Weber", role: "billing_agent", password_hash: passwordHash },
        { email: "partners@provider.example", name: "Yves Rochat", role: "partner_manager", password_hash: passwordHash },
      ])
      .execute();
    // Issue 6: an approved partner with two active clients, Alpine Web's pending application
    // and an affiliate (a private person) who referred one of the clients.
    const partnerManager = (
      await trx.selectFrom("staff_accounts").select("id").where("email", "=", "partners@provider.example").executeTakeFirstOrThrow()
    ).id;
    const thomas = await user("thomas.graf@helvetia-partner.ch", "Thomas Graf", "de");
    const peter = await user("peter.studer@baeckerei-studer.ch", "Peter Studer", "de");
    const nina = await user("nina.vogel@atelier-vogel.ch", "Nina Vogel", "de");
    const sophie = await user("sophie.martin@example.ch", "Sophie Martin", "fr");
    const partner = await org("Helvetia Webpartner AG", thomas, { city: "Bern", postal_code: "3011", legal_form: "AG", registry_id: "CHE-205.431.874" });
    const studer = await org("Bäckerei Studer GmbH", peter, { city: "Thun", postal_code: "3600", legal_form: "GmbH", registry_id: null });
    const vogel = await org("Atelier Vogel", nina, { city: "Biel", postal_code: "2502", legal_form: null, registry_id: null });
    const affiliate = await org("Sophie Martin", sophie, { city: "Neuchâtel", postal_code: "2000", legal_form: null, registry_id: null });
    for (const [orgId, label, hostings, expiresInDays] of [
      [partner, "helvetia-partner.ch", 4, 90],
      [studer, "baeckerei-studer.ch", 5, 150],
      [vogel, "atelier-vogel.ch", 3, 220],
    ] as const) {
      for (let i = 1; i <= hostings; i++) {
        await product(orgId, "hosting", `Web hosting ${i} ${label}`, { code: "hosting-business", expiresInDays: expiresInDays + i, months: 12 });
      }
      await product(orgId, "domain", label, { code: "domain-ch", expiresInDays: expiresInDays + 30, months: 12 });
    }
    const yearAgo = new Date(today.getTime() - 365 * 86_400_000);
    for (const [clientOrgId, payer] of [
      [studer, "partner"],
      [vogel, "client"],
    ] as const) {
      await trx
        .insertInto("partner_client_links")
        .values({ org_id: partner, client_org_id: clientOrgId, state: "active", access: "full", billing_access: true, payer, requested_by: thomas, answered_by: clientOrgId === studer ? peter : nina, since: yearAgo })
        .execute();
    }
    const application = async (orgId: string, userId: string, registryNumber: string, website: string, reviewed: boolean) => {
      const value = await services.partnerProgramValue(trx, orgId);
      await trx
        .insertInto("partner_applications")
        .values({
          org_id: orgId,
          status: reviewed ? "approved" : "submitted",
          registry_kind: "ch_uid",
          registry_country: "CH",
          registry_number: registryNumber,
          website_url: website,
          website_status: "active",
          website_http_status: 200,
          website_checked_at: reviewed ? yearAgo : today,
          commit_support: true,
          commit_invoices: true,
          commit_tenders: true,
          terms_version: 1,
          terms_accepted_by: userId,
          terms_accepted_at: reviewed ? yearAgo : today,
          value_amount: value.amount,
          value_threshold: value.threshold,
          value_currency: value.currency,
          submitted_by: userId,
          submitted_at: reviewed ? yearAgo : today,
          reviewed_by: reviewed ? partnerManager : null,
          reviewed_at: reviewed ? yearAgo : null,
        })
        .execute();
    };
    await application(partner, thomas, "CHE-205.431.874", "https://helvetia-partner.ch/", true);
    await trx.insertInto("program_memberships").values({ org_id: partner, program: "partner", status: "active", since: yearAgo }).execute();
    await application(alpine, anna, "CHE-109.322.551", "https://alpineweb.ch/", false);
    await trx.insertInto("program_memberships").values({ org_id: affiliate, program: "affiliate", referral_code: "sophie2026", since: yearAgo }).execute();
    await trx.insertInto("affiliate_referrals").values({ org_id: affiliate, referred_org_id: vogel, created_at: yearAgo }).execute();
    // P-9/P-10: twelve months of revenue, discounts and cashback for the partner's chart.
    await seedPartnerRevenue(trx, services, { partner, partnerName: "Helvetia Webpartner AG", studer, vogel, vogelName: "Atelier Vogel" }, today);

    // Issue 8 (T-3, T-2): the partner's public directory listing and its daily tender e-mail,
    // and one open tender of a customer that the partner sees on its board.
    await trx
      .insertInto("directory_listings")
      .values({
        org_id: partner,
        slug: "helvetia-webpartner-ag",
        name: "Helvetia Webpartner AG",
        description:
          "Wir entwickeln Webseiten und Onlineshops für KMU in Bern und der ganzen Schweiz, hosten sie beim Anbieter und betreuen E-Mail, Domains und Migrationen – persönlich und zweisprachig.",
        description_language: "de",
        website: "https://helvetia-partner.ch/",
        languages: ["de", "fr", "en"],
        regions: ["CH-BE", "CH-ZH", "CH-FR", "CH"],
        specialties: ["website", "ecommerce", "hosting", "email", "migration"],
        updated_at: yearAgo,
      })
      .execute();
    await trx
      .insertInto("tender_alerts")
      .values({ org_id: partner, enabled: true, categories: [], regions: ["CH-BE", "CH-ZH", "CH-FR"], email: "thomas.graf@helvetia-partner.ch", locale: "de", enabled_since: yearAgo, updated_at: yearAgo })
      .execute();
    await trx
      .insertInto("tenders")
      .values({
        org_id: leman,
        posted_by: claire,
        title: "Refonte du site lemandigital.ch avec réservation en ligne",
        description:
          "Nous cherchons un partenaire pour refaire notre site (FR/DE), ajouter un module de réservation et migrer nos boîtes aux lettres. Hébergement chez le fournisseur souhaité.",
        categories: ["website", "migration"],
        budget_min: 800000,
        budget_max: 1500000,
        currency: "CHF",
        region: "CH-VD",
        language: "fr",
        deadline: new Date(today.getTime() + 21 * 86_400_000),
        contact_email: "claire.dubois@lemandigital.ch",
        status: "open",
        created_at: today,
        published_at: today,
      })
      .execute();

    await trx
      .insertInto("audit_log")
      .values({ action: "demo.seeded", data: JSON.stringify({ organizations: [alpine, leman, partner, studer, vogel, affiliate] }) })
      .execute();
  });
  await ensureDemoApiToken(db);
  return true;
}

// a read-write API token of Alpine Web's legal representative, reaching all her
// organizations, that `npm run demo` prints. Like the demo password it is public: demo data only.
export const DEMO_API_TOKEN = "ppat_demo-alpine-web-anna-meier-2026";

async function ensureDemoApiToken(db: Kysely<DB>): Promise<void> {
  const anna = await db.selectFrom("users").select("id").where("email", "=", "anna.meier@alpineweb.ch").executeTakeFirstOrThrow();
  await db
    .insertInto("api_tokens")
    .values({
      user_id: anna.id,
      name: "Demo script",
      token_hash: createHash("sha256").update(DEMO_API_TOKEN).digest("hex"),
      token_prefix: DEMO_API_TOKEN.slice(0, 11),
      access: "write",
      scope_org_id: null,
      created_at: new Date(),
    })
    .onConflict((oc) => oc.column("token_hash").doNothing())
    .execute();
}
