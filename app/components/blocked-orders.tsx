import { Form } from "@remix-run/react";
import { formatMoney } from "../domain/billing/money";
import { useLocale, useT } from "../i18n/react";

export interface BlockedOrderRow {
  id: string;
  order_id: string;
  total_amount: number;
  currency: "CHF" | "EUR";
  check_status: string | null;
}

/** B-14: the banner of orders held for a security check, with "send the e-mail again". */
export function BlockedOrdersBanner({ blocked }: { blocked: BlockedOrderRow[] }) {
  const t = useT();
  const locale = useLocale();
  if (blocked.length === 0) return null;
  return (
    <section className="alert alert-error" role="region" aria-labelledby="blocked-title" data-testid="blocked-orders">
      <h2 id="blocked-title">{t("blocked.banner.title")}</h2>
      {blocked.map((b) => (
        <Form method="post" key={b.id} className="inline-form">
          <p>
            {t("blocked.banner.text", {
              order: b.order_id.slice(0, 8),
              total: formatMoney(b.total_amount, b.currency, `${locale}-CH`),
              status: t(`identity.status.${b.check_status ?? "requested"}`),
            })}
          </p>
          <input type="hidden" name="intent" value="resendBlockNotice" />
          <input type="hidden" name="blockId" value={b.id} />
          {b.check_status !== "submitted" ? (
            <button type="submit" className="secondary">
              {t("blocked.banner.resend")}
            </button>
          ) : null}
        </Form>
      ))}
    </section>
  );
}
