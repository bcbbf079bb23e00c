import type { LoaderFunctionArgs } from "@remix-run/node";
import { requireOrg } from "../auth/request.server";
import { getDb } from "../db.server";
import { renderReinvoicePdf } from "../domain/partners/reinvoice-pdf.server";
import { reinvoiceDocument } from "../domain/partners/reinvoices.server";
import { guard } from "../lib/http.server";

// C-5: /orgs/:orgId/partner/reinvoices/:reinvoiceId.pdf, the partner's own invoice to a client.
export async function loader({ request, context, params }: LoaderFunctionArgs) {
  const ctx = await requireOrg(request, context, params.orgId);
  const match = /^(.+)\.pdf$/.exec(params.file ?? "");
  if (!match) throw new Response("Not Found", { status: 404 });
  const document = await guard(() => reinvoiceDocument(getDb(), ctx, ctx.orgId, match[1]));
  const pdf = await renderReinvoicePdf(document);
  return new Response(new Uint8Array(pdf), {
    headers: {
      "Content-Type": "application/pdf",
      "Content-Disposition": `attachment; filename="${document.number}.pdf"`,
      "Cache-Control": "private, no-store",
    },
  });
}
