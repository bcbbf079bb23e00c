import type { LoaderFunctionArgs } from "@remix-run/node";
import { requireOrg } from "../auth/request.server";
import { getDb } from "../db.server";
import { creditNoteDocument } from "../domain/billing/credit-notes.server";
import { renderInvoicePdf } from "../domain/billing/invoice-pdf.server";
import { withActor } from "../domain/tx.server";
import { guard } from "../lib/http.server";

// B-11: /orgs/:orgId/billing/credit-notes/:creditNoteId.pdf, in the invoice's language.
export async function loader({ request, context, params }: LoaderFunctionArgs) {
  const ctx = await requireOrg(request, context, params.orgId);
  const match = /^(.+)\.pdf$/.exec(params.file ?? "");
  if (!match) throw new Response("Not Found", { status: 404 });
  const note = await guard(() => withActor(getDb(), ctx.actor, (trx) => creditNoteDocument(trx, ctx, ctx.orgId, match[1])));
  const pdf = await renderInvoicePdf(note, { credit: { invoiceNumber: note.invoiceNumber, reason: note.reason } });
  return new Response(new Uint8Array(pdf), {
    headers: {
      "Content-Type": "application/pdf",
      "Content-Disposition": `attachment; filename="credit-note-${note.number}.pdf"`,
      "Cache-Control": "private, no-store",
    },
  });
}
