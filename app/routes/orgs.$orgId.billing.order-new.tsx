import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { redirect } from "@remix-run/node";
import { Form, useActionData, useLoaderData } from "@remix-run/react";
import { requireOrg } from "../auth/request.server";
import { getDb } from "../db.server";
import { formatMoney } from "../domain/billing/money";
import { orderCatalog, orderNewProduct, orderNewSchema } from "../domain/billing/ordering.server";
import { formAction, guard, parseForm, type FormFailure } from "../lib/http.server";
import { useLocale, useT } from "../i18n/react";

// B-1/B-7: the catalog; ordering a product creates a pending order, paid from the orders list.
export async function loader({ request, context, params }: LoaderFunctionArgs) {
  const ctx = await requireOrg(request, context, params.orgId);
  const catalog = await guard(() => orderCatalog(getDb(), ctx, ctx.orgId));
  return { ...catalog, orgId: ctx.orgId };
}

export async function action({ request, context, params }: ActionFunctionArgs) {
  const ctx = await requireOrg(request, context, params.orgId);
  const form = await request.formData();
  return formAction(async () => {
    const input = parseForm(orderNewSchema, form);
    const { orderId } = await orderNewProduct(getDb(), ctx, ctx.orgId, input, ctx.locale);
    return redirect(`/orgs/${ctx.orgId}/billing/orders?ordered=${orderId}`);
  });
}

export default function OrderNew() {
  const data = useLoaderData<typeof loader>();
  const failure = useActionData<typeof action>() as FormFailure | undefined;
  const t = useT();
  const locale = useLocale();
  const m = (amount: number) => formatMoney(amount, data.currency, `${locale}-CH`);
  const period = (months: number) => (months % 12 === 0 ? t("billing.period.year", { count: months / 12 }) : t("billing.period.month", { count: months }));
  const messages = failure ? [...new Set([failure.formError, ...Object.values(failure.fieldErrors)].filter((x): x is string => !!x))] : [];
  return (
    <>
      <h1>{t("shop.order.title")}</h1>
      <p className="hint">{t("shop.order.intro")}</p>
      {messages.length > 0 ? (
        <div className="alert alert-error" role="alert" data-testid="order-error">
          {messages.map((msg) => (
            <p key={msg}>{t(msg, failure?.formErrorVars)}</p>
          ))}
        </div>
      ) : null}
      {data.types.length === 0 ? (
        <p className="empty">{t("shop.order.empty")}</p>
      ) : (
        <table data-testid="catalog">
          <thead>
            <tr>
              <th scope="col">{t("shop.order.product")}</th>
              <th scope="col">{t("shop.order.price")}</th>
              <th scope="col">{t("common.actions")}</th>
            </tr>
          </thead>
          <tbody>
            {data.types.map((type) => (
              <tr key={type.code} data-testid={`type-${type.code}`}>
                <td>{type.name}</td>
                <td>{t(type.billingPeriod === "year" ? "shop.order.perYear" : "shop.order.perMonth", { amount: m(type.price) })}</td>
                <td>
                  <Form method="post" className="inline-form">
                    <input type="hidden" name="typeCode" value={type.code} />
                    <label htmlFor={`name-${type.code}`}>{t(type.kind === "domain" ? "shop.order.domainName" : "shop.order.label", { name: type.name })}</label>
                    <input id={`name-${type.code}`} name="name" maxLength={253} required={type.kind === "domain"} />
                    <label htmlFor={`months-${type.code}`}>{t("shop.order.period", { name: type.name })}</label>
                    <select id={`months-${type.code}`} name="months">
                      {type.periods.map((p) => (
                        <option key={p.months} value={p.months}>
                          {t("shop.order.periodOption", { period: period(p.months), amount: m(p.amount) })}
                        </option>
                      ))}
                    </select>
                    <button type="submit">{t("shop.order.submit", { name: type.name })}</button>
                  </Form>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}
