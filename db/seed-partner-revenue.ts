import type { Transaction } from "kysely";
import type { CashbackLineDetail, DB } from "./schema";
import type { SeedServices } from "./seed";

// Issue 6 demo (P-9, P-10): twelve months of revenue for the demo partner, so its reseller space
// has a chart: each month one renewal the partner paid for Bäckerei Studer (its invoice, at the
// partner's hosting rate as discount) and one Atelier Vogel paid itself (the client's invoice,
// with the partner's cashback line, the month's statement and its credit).
const HOSTING_RATE_BP = 1500; // the Bronze tier's hosting rate (migration 0020)
const VAT_BP = 810;

export async function seedPartnerRevenue(
  trx: Transaction<DB>,
  services: Pick<SeedServices, "nextInvoiceNumber" | "applyPartnerRate">,
  ids: { partner: string; partnerName: string; studer: string; vogel: string; vogelName: string },
  today: Date,
): Promise<void> {
  let credited = 0;
  await trx.insertInto("prepaid_accounts").values({ org_id: ids.partner, currency: "CHF", balance: 0, updated_at: today }).onConflict((oc) => oc.column("org_id").doNothing()).execute();
  for (let back = 12; back >= 1; back--) {
    const issued = new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth() - back, 15, 9, 0, 0));
    const month = `${issued.getUTCFullYear()}-${String(issued.getUTCMonth() + 1).padStart(2, "0")}-01`;
    const hostings = 1 + (back % 3);
    // The partner pays a Studer renewal: the volume price, then the partner rate.
    const gross = 19_900 * hostings;
    const discount = services.applyPartnerRate(gross, HOSTING_RATE_BP);
    await paidInvoice(trx, services, {
      orgId: ids.partner,
      clientOrgId: ids.studer,
      billToName: ids.partnerName,
      issued,
      line: { description: `Web hosting Business: baeckerei-studer.ch (${hostings}×)`, unit: 19_900, quantity: hostings, discount, net: gross - discount },
    });
    // Vogel pays its own renewal; the partner earns cashback on it.
    const own = 1_590 + 19_900 * (back % 2);
    const invoiceId = await paidInvoice(trx, services, {
      orgId: ids.vogel,
      clientOrgId: null,
      billToName: ids.vogelName,
      issued,
      line: { description: back % 2 ? "Web hosting Business: atelier-vogel.ch and .ch domain" : ".ch domain name: atelier-vogel.ch", unit: own, quantity: 1, discount: 0, net: own },
    });
    const amount = services.applyPartnerRate(own, HOSTING_RATE_BP);
    const number = (await trx.selectFrom("invoices").select("number").where("id", "=", invoiceId).executeTakeFirstOrThrow()).number;
    const details: CashbackLineDetail[] = [{ invoice: number, position: 1, description: ".ch / hosting renewal", kind: "hosting", net: own, rateBp: HOSTING_RATE_BP, amount }];
    const creditedAt = new Date(Date.UTC(issued.getUTCFullYear(), issued.getUTCMonth() + 1, 1, 3, 0, 0));
    if (creditedAt > today) continue; // this month's cashback is credited next month
    await trx
      .insertInto("partner_cashback_lines")
      .values({ org_id: ids.partner, client_org_id: ids.vogel, invoice_id: invoiceId, month, rate_bp: HOSTING_RATE_BP, amount, currency: "CHF", created_at: creditedAt, details: JSON.stringify(details) })
      .execute();
    await trx.insertInto("partner_cashback_statements").values({ org_id: ids.partner, month, currency: "CHF", amount, invoices: 1, created_at: creditedAt }).execute();
    await trx.insertInto("prepaid_entries").values({ org_id: ids.partner, kind: "cashback", amount, created_at: creditedAt }).execute();
    credited += amount;
  }
  await trx
    .updateTable("prepaid_accounts")
    .set((eb) => ({ balance: eb("balance", "+", credited), updated_at: today }))
    .where("org_id", "=", ids.partner)
    .execute();
}

async function paidInvoice(
  trx: Transaction<DB>,
  services: Pick<SeedServices, "nextInvoiceNumber">,
  o: { orgId: string; clientOrgId: string | null; billToName: string; issued: Date; line: { description: string; unit: number; quantity: number; discount: number; net: number } },
): Promise<string> {
  const net = o.line.net;
  const vat = applyVat(net);
  const order = await trx
    .insertInto("orders")
    .values({ org_id: o.orgId, client_org_id: o.clientOrgId, kind: "renewal", status: "paid", currency: "CHF", language: "de", net_amount: net, vat_rate_bp: VAT_BP, vat_amount: vat, total_amount: net + vat, created_at: o.issued, paid_at: o.issued })
    .returning("id")
    .executeTakeFirstOrThrow();
  await trx
    .insertInto("order_lines")
    .values({ org_id: o.orgId, order_id: order.id, position: 1, product_type_code: "hosting-business", description: o.line.description, months: 12, unit_amount: o.line.unit, quantity: o.line.quantity, discount_amount: o.line.discount, net_amount: net })
    .execute();
  await trx
    .insertInto("payments")
    .values({ org_id: o.orgId, order_id: order.id, method: "visa", amount: net + vat, currency: "CHF", status: "succeeded", idempotency_key: `demo-${order.id}`, gateway_reference: `pay_demo_${order.id.slice(0, 8)}`, settled_at: o.issued })
    .execute();
  const { sequence, number } = await services.nextInvoiceNumber(trx, o.issued.getUTCFullYear());
  const invoice = await trx
    .insertInto("invoices")
    .values({
      org_id: o.orgId,
      client_org_id: o.clientOrgId,
      order_id: order.id,
      number,
      year: o.issued.getUTCFullYear(),
      sequence,
      issued_at: o.issued,
      language: "de",
      currency: "CHF",
      net_amount: net,
      vat_rate_bp: VAT_BP,
      vat_amount: vat,
      total_amount: net + vat,
      reverse_charge: false,
      bill_to: JSON.stringify({ name: o.billToName, street: "Bahnhofstrasse 1", postalCode: "3011", city: "Bern", country: "CH", vatId: null }),
      paid_by: JSON.stringify([{ method: "visa", amount: net + vat }]),
    })
    .returning("id")
    .executeTakeFirstOrThrow();
  await trx
    .insertInto("invoice_lines")
    .values({ org_id: o.orgId, invoice_id: invoice.id, position: 1, description: o.line.description, unit_amount: o.line.unit, quantity: o.line.quantity, discount_amount: o.line.discount, net_amount: net })
    .execute();
  return invoice.id;
}

function applyVat(net: number): number {
  return Number((BigInt(net) * BigInt(VAT_BP) * 2n + 10_000n) / 20_000n);
}

