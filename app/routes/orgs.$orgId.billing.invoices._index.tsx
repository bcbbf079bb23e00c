import type { LoaderFunctionArgs } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { requireOrg } from "../auth/request.server";
import { getDb } from "../db.server";
import { listInvoices } from "../domain/billing/invoices.server";
import { formatMoney } from "../domain/billing/money";
import { withActor } from "../domain/tx.server";
import { guard } from "../lib/http.server";
import { useFormat, useLocale, useT } from "../i18n/react";
import { Pager } from "../components/pager";

// B-11: every invoice and credit note of the organization, each downloadable as a PDF.
export async function loader({ request, context, params }: LoaderFunctionArgs) {
  const ctx = await requireOrg(request, context, params.orgId);
  const page = Number(new URL(request.url).searchParams.get("page") ?? 1);
  const list = await guard(() => withActor(getDb(), ctx.actor, (trx) => listInvoices(trx, ctx, ctx.orgId, { page })));
  return { ...list, orgId: ctx.orgId };
}

export default function Invoices() {
  const data = useLoaderData<typeof loader>();
  const t = useT();
  const locale = useLocale();
  const format = useFormat();
  return (
    <>
      <h1>{t("billing.invoices.title")}</h1>
      {data.invoices.length === 0 ? (
        <p className="empty">{t("billing.invoices.empty")}</p>
      ) : (
        <table data-testid="invoices">
          <thead>
            <tr>
              <th scope="col">{t("billing.invoices.number")}</th>
              <th scope="col">{t("creditNotes.kindColumn")}</th>
              <th scope="col">{t("billing.invoices.date")}</th>
              <th scope="col">{t("billing.invoices.total")}</th>
            </tr>
          </thead>
          <tbody>
            {data.invoices.map((i) => (
              <tr key={i.id}>
                <th scope="row">
                  {i.kind === "credit_note" ? (
                    <a href={`/orgs/${data.orgId}/billing/credit-notes/${i.id}.pdf`} aria-label={t("creditNotes.download", { number: i.number })}>
                      {i.number}
                    </a>
                  ) : (
                    <a href={`/orgs/${data.orgId}/billing/invoices/${i.id}.pdf`} aria-label={t("billing.invoices.download", { number: i.number })}>
                      {i.number}
                    </a>
                  )}
                </th>
                <td>{i.kind === "credit_note" ? t("creditNotes.kind.credit_note", { invoice: i.invoice_number ?? "" }) : t("creditNotes.kind.invoice")}</td>
                <td>{format.date(i.issued_at)}</td>
                <td>{formatMoney(i.total_amount, i.currency, `${locale}-CH`)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <Pager page={data.page} pages={data.pages} keepQuery={false} label={t("common.page", { page: data.page, pages: data.pages })} />
    </>
  );
}
