import { z } from "zod";
import { renderInvoicePdf } from "../../billing/invoice-pdf.server";
import { invoiceDocument, listInvoices } from "../../billing/invoices.server";
import { withActor } from "../../tx.server";
import { defineEndpoint, moneyAmount, orgIdParams, pageQuery, paginated, timestamp, uuid } from "../endpoint";

// B-11: the organization's invoices and credit notes, and an invoice's PDF (the same document
// the billing page offers), for the representative and administrators.
const document = z.object({
  id: z.string(),
  kind: z.enum(["invoice", "credit_note"]),
  number: z.string(),
  issued_at: timestamp,
  currency: z.enum(["CHF", "EUR"]),
  total_amount: moneyAmount,
  invoice_number: z.string().nullable().describe("For a credit note: the invoice it corrects"),
});

export const invoiceEndpoints = [
  defineEndpoint({
    method: "GET",
    path: "/organizations/{id}/invoices",
    operationId: "listInvoices",
    summary: "The organization's invoices and credit notes, newest first",
    tag: "Invoices",
    params: orgIdParams,
    orgParam: "id",
    query: pageQuery,
    success: { status: 200, description: "The invoices and credit notes", data: z.array(document), list: true },
    errors: [403, 404],
    async handler(caller, { params, query }) {
      const list = await withActor(caller.db, caller.actor, (trx) => listInvoices(trx, caller, params.id, { page: query.page, perPage: query.per_page }));
      return {
        data: list.invoices.map((d) => ({
          id: d.id,
          kind: d.kind,
          number: d.number,
          issued_at: d.issued_at.toISOString(),
          currency: d.currency,
          total_amount: Number(d.total_amount),
          invoice_number: d.invoice_number,
        })),
        pagination: paginated(list.page, query.per_page, list.total),
      };
    },
  }),
  defineEndpoint({
    method: "GET",
    path: "/organizations/{id}/invoices/{invoice_id}/pdf",
    operationId: "getInvoicePdf",
    summary: "The invoice as a PDF",
    tag: "Invoices",
    params: z.object({ id: uuid, invoice_id: uuid }),
    orgParam: "id",
    success: { status: 200, description: "The invoice's PDF", pdf: true },
    errors: [403, 404],
    async handler(caller, { params }) {
      const invoice = await withActor(caller.db, caller.actor, (trx) => invoiceDocument(trx, caller, params.id, params.invoice_id));
      const pdf = await renderInvoicePdf(invoice);
      return new Response(new Uint8Array(pdf), {
        headers: {
          "Content-Type": "application/pdf",
          "Content-Disposition": `attachment; filename="invoice-${invoice.number}.pdf"`,
          "Cache-Control": "private, no-store",
        },
      });
    },
  }),
];
