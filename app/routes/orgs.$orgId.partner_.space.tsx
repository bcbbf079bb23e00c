import type { LoaderFunctionArgs } from "@remix-run/node";
import { Form, Link, useLoaderData, useLocation } from "@remix-run/react";
import { requireOrg } from "../auth/request.server";
import { Pager } from "../components/pager";
import { RevenueChart } from "../components/revenue-chart";
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
  const location = useLocation();
  const here = `${location.pathname}${location.search.replace(/[?&]payer=(client|partner)/, "")}`;
  return (
    <>
      <h1>{t("partners.space.title")}</h1>
      <p className="hint">{t("partners.space.intro")}</p>
      <nav aria-label={t("partners.space.title")}>
        <Link to={`/orgs/${d.orgId}/partner/cashback`}>{t("partners.cashback.title")}</Link> · <Link to={`/orgs/${d.orgId}/partner/domain-prices`}>{t("partners.domainPrices.title")}</Link> · <Link to={`/orgs/${d.orgId}/partner/exports`}>{t("clientExports.link")}</Link>
      </nav>
      <section className="card" aria-labelledby="tier" data-testid="tier">
        <h2 id="tier">{d.tier ? t("partners.space.tier", { name: t(`partners.tier.${d.tier.code}`), minimum: m(d.tier.minimum) }) : t("partners.space.noTier")}</h2>
        <p>{t("partners.space.value", { value: m(d.value.amount) })}</p>
        <p data-testid="next-tier">{d.next ? t("partners.space.next", { name: t(`partners.tier.${d.next.code}`), minimum: m(d.next.minimum), missing: m(d.next.missing) }) : t("partners.space.top")}</p>
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
      <section className="card" aria-labelledby="revenue">
        <h2 id="revenue">{t("partners.space.revenueTitle")}</h2>
        <RevenueChart
          title={t("partners.space.revenueChart")}
          monthHeader={t("partners.cashback.month")}
          months={d.months.map((x) => x.month)}
          series={[
            { key: "revenue", label: t("partners.space.revenue"), color: "#1f6feb" },
            { key: "cashback", label: t("partners.cashback.amount"), color: "#2da44e" },
            { key: "discount", label: t("partners.clientProducts.discount"), color: "#bf8700" },
          ]}
          values={{ revenue: d.months.map((x) => x.revenue), cashback: d.months.map((x) => x.cashback), discount: d.months.map((x) => x.discount) }}
          format={m}
          monthLabel={(month) => month}
        />
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
                <th scope="col">{t("partners.space.revenue")}</th>
                <th scope="col">{t("partners.space.since")}</th>
                <th scope="col">{t("partners.payer.column")}</th>
              </tr>
            </thead>
            <tbody>
              {d.clients.map((c) => (
                <tr key={c.id}>
                  <th scope="row">{c.name}</th>
                  <td>{c.products}</td>
                  <td>{m(c.yearly_value)}</td>
                  <td>{m(c.revenue)}</td>
                  <td>{format.date(c.since)}</td>
                  <td data-testid={`payer-${c.id}`}>
                    {t(`partners.payer.${c.payer}`)}
                    {c.payer === "partner" ? (
                      <>
                        {" "}
                        <Link to={`/orgs/${d.orgId}/partner/clients/${c.id}`}>{t("partners.clientProducts.link")}</Link>
                      </>
                    ) : null}
                    {c.access === "full" || c.payer === "partner" ? (
                      <Form method="post" action={`/orgs/${d.orgId}/partner/payer`}>
                        <input type="hidden" name="linkId" value={c.link_id} />
                        <input type="hidden" name="payer" value={c.payer === "partner" ? "client" : "partner"} />
                        <input type="hidden" name="returnTo" value={here} />
                        <button type="submit" className="secondary">
                          {t(c.payer === "partner" ? "partners.payer.switchToClient" : "partners.payer.switchToPartner", { name: c.name })}
                        </button>
                      </Form>
                    ) : (
                      <p className="hint">{t("partners.payer.needsFullAccess")}</p>
                    )}
                  </td>
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
