import type { LoaderFunctionArgs } from "@remix-run/node";
import { requireOrg } from "../auth/request.server";
import { getDb } from "../db.server";
import { proformaDocument } from "../domain/billing/bank-transfers.server";
import { renderProformaPdf } from "../domain/billing/proforma-pdf.server";
import { withActor } from "../domain/tx.server";
import { guard } from "../lib/http.server";

// B-6/B-10: /orgs/:orgId/billing/proformas/:orderId.pdf, the proforma of an order paid by IBAN transfer.
export async function loader({ request, context, params }: LoaderFunctionArgs) {
  const ctx = await requireOrg(request, context, params.orgId);
  const match = /^(.+)\.pdf$/.exec(params.file ?? "");
  if (!match) throw new Response("Not Found", { status: 404 });
  const proforma = await guard(() => withActor(getDb(), ctx.actor, (trx) => proformaDocument(trx, ctx, ctx.orgId, match[1])));
  const pdf = await renderProformaPdf(proforma);
  return new Response(new Uint8Array(pdf), {
    headers: {
      "Content-Type": "application/pdf",
      "Content-Disposition": `attachment; filename="proforma-${proforma.number}.pdf"`,
      "Cache-Control": "private, no-store",
    },
  });
}
