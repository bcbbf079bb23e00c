import type { LoaderFunctionArgs } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { requireStaff } from "../auth/request.server";
import { Pager } from "../components/pager";
import { getDb } from "../db.server";
import { formatMoney, type Currency } from "../domain/billing/money";
import { partnersInReview } from "../domain/partners/eligibility.server";
import { guard } from "../lib/http.server";
import { useFormat, useLocale, useT } from "../i18n/react";

// P-2 yearly: partners whose yearly re-check fell under the threshold, for partner managers.
export async function loader({ request, context }: LoaderFunctionArgs) {
  const acting = await requireStaff(request, context);
  const page = Number(new URL(request.url).searchParams.get("page") ?? 1);
  return guard(() => partnersInReview(getDb(), acting, { page }));
}

export default function PartnerReviews() {
  const d = useLoaderData<typeof loader>();
  const t = useT();
  const locale = useLocale();
  const format = useFormat();
  return (
    <>
      <h1>{t("partners.eligibility.title")}</h1>
      <p className="hint">{t("partners.eligibility.intro")}</p>
      {d.partners.length === 0 ? (
        <p className="empty">{t("partners.eligibility.none")}</p>
      ) : (
        <table data-testid="partner-reviews">
          <thead>
            <tr>
              <th scope="col">{t("partners.eligibility.partner")}</th>
              <th scope="col">{t("partners.eligibility.value")}</th>
              <th scope="col">{t("partners.eligibility.threshold")}</th>
              <th scope="col">{t("partners.eligibility.checkedAt")}</th>
            </tr>
          </thead>
          <tbody>
            {d.partners.map((p) => (
              <tr key={p.org_id}>
                <th scope="row">{p.name ?? p.org_id}</th>
                <td>{p.currency ? formatMoney(Number(p.value_amount), p.currency as Currency, `${locale}-CH`) : "—"}</td>
                <td>{p.currency ? formatMoney(Number(p.value_threshold), p.currency as Currency, `${locale}-CH`) : "—"}</td>
                <td>{p.checked_at ? format.date(p.checked_at) : "—"}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <Pager page={d.page} pages={d.pages} label={t("partners.eligibility.pages")} />
    </>
  );
}
