import type { Kysely } from "kysely";
import type { DB } from "../../../db/schema";
import { seedDemo, type SeedServices } from "../../../db/seed";
import { issueInvoice, nextInvoiceNumber } from "../billing/invoices.server";
import { partnerProgramValue } from "../partners/value.server";
import { applyPartnerRate } from "../partners/tiers.server";
import { sandboxCardToken, sandboxTwintToken, TEST_CARDS } from "../payments/sandbox-gateway.server";
import { actAlsoFor, type Tx } from "../tx.server";

// The demo data (db/seed.ts) goes through the real rules for what they decide: invoices and
// their numbers, the partner program's value, partner rates, the sandbox gateway's tokens.
// The seed's transaction runs no after-commit work: none of these needs any.
const asTx = (trx: unknown) => trx as Tx;

export const seedServices: SeedServices = {
  issueInvoice: (trx, orderId) => issueInvoice(asTx(trx), orderId, new Map()),
  nextInvoiceNumber: (trx, year) => nextInvoiceNumber(asTx(trx), year),
  // The value's function (migration 0036) answers only a transaction acting for the organization.
  partnerProgramValue: async (trx, orgId) => {
    await actAlsoFor(asTx(trx), orgId);
    return partnerProgramValue(asTx(trx), orgId);
  },
  applyPartnerRate,
  savedCard: (orgId) => ({ token: sandboxCardToken(orgId, TEST_CARDS.success), label: `•••• ${TEST_CARDS.success.slice(-4)}` }),
  savedTwint: (orgId) => ({ token: sandboxTwintToken(orgId), label: "TWINT" }),
};

/** Seeds the demo data (nothing if it is there already); true when it seeded. */
export function seedDemoData(db: Kysely<DB>): Promise<boolean> {
  return seedDemo(db, seedServices);
}
