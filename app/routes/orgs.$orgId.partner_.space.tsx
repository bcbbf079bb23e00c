import type { LoaderFunctionArgs } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { requireOrg } from "../auth/request.server";
import { Pager } from "../components/pager";
import { getDb } from "../db.server";
import { formatMoney } from "../domain/billing/money";
import { resellerSpace } from "../domain/partners/tiers.server";
import { guard } from "../lib/http.server";
import { useFormat, useLocale, useT } from "../i18n/react";

// P-9/P-10: the reseller space of an approved partner (legal representative and administrators;
// restricted members get 403, organizations that are not an active partner 404).
export async function loader({ request, context, params }: LoaderFunctionArgs) {
  const ctx = await requireOrg(request, context, params.orgId);
  const page = Number(new URL(request.url).searchParams.get("page") ?? "1");
  const space = await guard(() => resellerSpace(getDb(), ctx, ctx.orgId, { page }));
  return { ...space, orgId: ctx.orgId };
}

export default function ResellerSpace() {
  const d = useLoaderData<typeof loader>();
  const t = useT();
  const locale = useLocale();
  const format = useFormat();
  const m = (amount: number) => formatMoney(amount, d.value.currency, `${locale}-CH`);
  const percent = new Intl.NumberFormat(`${locale}-CH`, { style: "percent", maximumFractionDigits: 2 });
  return (
    <>
      <h1>{t("partners.space.title")}</h1>
      <p className="hint">{t("partners.space.intro")}</p>
      <p>
        <Link to={`/orgs/${d.orgId}/partner/exports`}>{t("clientExports.link")}</Link>
      </p>
      <section className="card" aria-labelledby="tier" data-testid="tier">
        <h2 id="tier">{d.tier ? t("partners.space.tier", { name: d.tier.name, minimum: m(d.tier.minimum) }) : t("partners.space.noTier")}</h2>
        <p>{t("partners.space.value", { value: m(d.value.amount) })}</p>
        <p data-testid="next-tier">{d.next ? t("partners.space.next", { name: d.next.name, minimum: m(d.next.minimum), missing: m(d.next.missing) }) : t("partners.space.top")}</p>
        {d.rates.length > 0 ? (
          <table data-testid="rates">
            <caption>{t("partners.space.rates")}</caption>
            <thead>
              <tr>
                <th scope="col">{t("partners.space.category")}</th>
                <th scope="col">{t("partners.space.rate")}</th>
              </tr>
            </thead>
            <tbody>
              {d.rates.map((r) => (
                <tr key={r.kind}>
                  <th scope="row">{t(`products.${r.kind}`)}</th>
                  <td>{percent.format(r.rateBp / 10_000)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : null}
      </section>
      <section className="card" aria-labelledby="clients">
        <h2 id="clients">{t("partners.space.clients", { total: d.total })}</h2>
        {d.clients.length === 0 ? (
          <p className="empty">{t("partners.space.noClients")}</p>
        ) : (
          <table data-testid="clients">
            <thead>
              <tr>
                <th scope="col">{t("partners.space.client")}</th>
                <th scope="col">{t("partners.space.products")}</th>
                <th scope="col">{t("partners.space.yearlyValue")}</th>
                <th scope="col">{t("partners.space.since")}</th>
              </tr>
            </thead>
            <tbody>
              {d.clients.map((c) => (
                <tr key={c.id}>
                  <th scope="row">{c.name}</th>
                  <td>{c.products}</td>
                  <td>{m(c.yearly_value)}</td>
                  <td>{format.date(c.since)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        <Pager page={d.page} pages={d.pages} label={t("partners.space.pages")} />
      </section>
    </>
  );
}
