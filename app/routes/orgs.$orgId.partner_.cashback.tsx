import type { LoaderFunctionArgs } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { requireOrg } from "../auth/request.server";
import { Pager } from "../components/pager";
import { getDb } from "../db.server";
import { formatMoney, type Currency } from "../domain/billing/money";
import { cashbackStatement, cashbackStatements } from "../domain/partners/cashback.server";
import { guard } from "../lib/http.server";
import { useFormat, useLocale, useT } from "../i18n/react";

// P-9: the partner's monthly cashback statements, and one month's statement with every client
// invoice line the cashback came from.
export async function loader({ request, context, params }: LoaderFunctionArgs) {
  const ctx = await requireOrg(request, context, params.orgId);
  const url = new URL(request.url);
  const month = url.searchParams.get("month");
  if (month) return { orgId: ctx.orgId, detail: await guard(() => cashbackStatement(getDb(), ctx, ctx.orgId, month)), list: null };
  const page = Number(url.searchParams.get("page") ?? "1");
  return { orgId: ctx.orgId, detail: null, list: await guard(() => cashbackStatements(getDb(), ctx, ctx.orgId, { page })) };
}

export default function Cashback() {
  const d = useLoaderData<typeof loader>();
  const t = useT();
  const locale = useLocale();
  const format = useFormat();
  const m = (amount: number, currency: string) => formatMoney(amount, currency as Currency, `${locale}-CH`);
  const percent = new Intl.NumberFormat(`${locale}-CH`, { style: "percent", maximumFractionDigits: 2 });
  if (d.detail) {
    const s = d.detail.statement;
    return (
      <>
        <p>
          <Link to={`/orgs/${d.orgId}/partner/cashback`}>{t("partners.cashback.title")}</Link>
        </p>
        <h1>{t("partners.cashback.statementTitle", { month: s.month.slice(0, 7) })}</h1>
        <p data-testid="statement-total">{t("partners.cashback.total", { amount: m(s.amount, s.currency), invoices: s.invoices })}</p>
        {d.detail.lines.length === 0 ? (
          <p className="empty">{t("partners.cashback.noLines")}</p>
        ) : (
          <table data-testid="statement-lines">
            <thead>
              <tr>
                <th scope="col">{t("partners.space.client")}</th>
                <th scope="col">{t("partners.cashback.invoice")}</th>
                <th scope="col">{t("partners.cashback.line")}</th>
                <th scope="col">{t("partners.cashback.net")}</th>
                <th scope="col">{t("partners.space.rate")}</th>
                <th scope="col">{t("partners.cashback.amount")}</th>
              </tr>
            </thead>
            <tbody>
              {d.detail.lines.flatMap((l) =>
                l.details.map((x) => (
                  <tr key={`${l.invoice_id}-${x.position}`}>
                    <td>{l.client_name}</td>
                    <td>{x.invoice}</td>
                    <td>{x.description}</td>
                    <td>{m(x.net, l.currency)}</td>
                    <td>{percent.format(x.rateBp / 10_000)}</td>
                    <td>{m(x.amount, l.currency)}</td>
                  </tr>
                )),
              )}
            </tbody>
          </table>
        )}
      </>
    );
  }
  const list = d.list!;
  return (
    <>
      <p>
        <Link to={`/orgs/${d.orgId}/partner/space`}>{t("partners.space.title")}</Link>
      </p>
      <h1>{t("partners.cashback.title")}</h1>
      <p className="hint">{t("partners.cashback.intro")}</p>
      {list.statements.length === 0 ? (
        <p className="empty">{t("partners.cashback.none")}</p>
      ) : (
        <table data-testid="statements">
          <thead>
            <tr>
              <th scope="col">{t("partners.cashback.month")}</th>
              <th scope="col">{t("partners.cashback.invoices")}</th>
              <th scope="col">{t("partners.cashback.amount")}</th>
              <th scope="col">{t("partners.cashback.credited")}</th>
            </tr>
          </thead>
          <tbody>
            {list.statements.map((s) => (
              <tr key={s.id}>
                <th scope="row">
                  <Link to={`?month=${s.month}`}>{s.month.slice(0, 7)}</Link>
                </th>
                <td>{s.invoices}</td>
                <td>{m(s.amount, s.currency)}</td>
                <td>{format.date(s.created_at)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <Pager page={list.page} pages={list.pages} label={t("partners.cashback.pages")} />
    </>
  );
}
