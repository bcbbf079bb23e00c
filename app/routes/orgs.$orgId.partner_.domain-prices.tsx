import type { LoaderFunctionArgs } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { requireOrg } from "../auth/request.server";
import { getDb } from "../db.server";
import { formatMoney } from "../domain/billing/money";
import { partnerDomainPrices } from "../domain/partners/domain-prices.server";
import { guard } from "../lib/http.server";
import { useLocale, useT } from "../i18n/react";

// P-9: the partner price list for common domain extensions.
export async function loader({ request, context, params }: LoaderFunctionArgs) {
  const ctx = await requireOrg(request, context, params.orgId);
  return { orgId: ctx.orgId, ...(await guard(() => partnerDomainPrices(getDb(), ctx, ctx.orgId))) };
}

export default function DomainPrices() {
  const d = useLoaderData<typeof loader>();
  const t = useT();
  const locale = useLocale();
  const m = (amount: number) => formatMoney(amount, d.currency, `${locale}-CH`);
  return (
    <>
      <p>
        <Link to={`/orgs/${d.orgId}/partner/space`}>{t("partners.space.title")}</Link>
      </p>
      <h1>{t("partners.domainPrices.title")}</h1>
      <p className="hint">{t("partners.domainPrices.intro")}</p>
      <table data-testid="domain-prices">
        <thead>
          <tr>
            <th scope="col">{t("partners.domainPrices.tld")}</th>
            <th scope="col">{t("partners.domainPrices.public")}</th>
            <th scope="col">{t("partners.domainPrices.partner")}</th>
          </tr>
        </thead>
        <tbody>
          {d.prices.map((p) => (
            <tr key={p.tld}>
              <th scope="row">{`.${p.tld}`}</th>
              <td>{m(p.price)}</td>
              <td>{m(p.partnerPrice)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}
