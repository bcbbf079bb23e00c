import type { LoaderFunctionArgs } from "@remix-run/node";
import { requireOrg } from "../auth/request.server";
import { getDb } from "../db.server";
import { renderInvoicePdf } from "../domain/billing/invoice-pdf.server";
import { invoiceDocument } from "../domain/billing/invoices.server";
import { withActor } from "../domain/tx.server";
import { guard } from "../lib/http.server";

// B-11: /orgs/:orgId/billing/invoices/:invoiceId.pdf, a resource route.
export async function loader({ request, context, params }: LoaderFunctionArgs) {
  const ctx = await requireOrg(request, context, params.orgId);
  const match = /^(.+)\.pdf$/.exec(params.file ?? "");
  if (!match) throw new Response("Not Found", { status: 404 });
  const invoice = await guard(() => withActor(getDb(), ctx.actor, (trx) => invoiceDocument(trx, ctx, ctx.orgId, match[1])));
  const pdf = await renderInvoicePdf(invoice);
  return new Response(new Uint8Array(pdf), {
    headers: {
      "Content-Type": "application/pdf",
      "Content-Disposition": `attachment; filename="invoice-${invoice.number}.pdf"`,
      "Cache-Control": "private, no-store",
    },
  });
}
