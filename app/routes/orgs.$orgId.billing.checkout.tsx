import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { redirect } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData } from "@remix-run/react";
import { requireOrg } from "../auth/request.server";
import { getDb } from "../db.server";
import { paySelection, selectionSummary } from "../domain/billing/checkout.server";
import { formatMoney } from "../domain/billing/money";
import { PAY_METHODS } from "../domain/billing/payment-rules";
import { paySelectionSchema } from "../domain/billing/schemas";
import { withActor } from "../domain/tx.server";
import { formAction, guard, parseForm, type FormFailure } from "../lib/http.server";
import { useLocale, useT } from "../i18n/react";

// B-6/B-8/B-12: the method choice for a selection of the "to pay" list.
export async function loader({ request, context, params }: LoaderFunctionArgs) {
  const ctx = await requireOrg(request, context, params.orgId);
  const ids = new URL(request.url).searchParams.getAll("ids[]");
  const summary = await guard(() => withActor(getDb(), ctx.actor, (trx) => selectionSummary(trx, ctx, ctx.orgId, ids)));
  return { ...summary, orgId: ctx.orgId };
}

export async function action({ request, context, params }: ActionFunctionArgs) {
  const ctx = await requireOrg(request, context, params.orgId);
  const form = await request.formData();
  return formAction(async () => {
    const input = parseForm(paySelectionSchema, form);
    const started = await paySelection(getDb(), ctx, ctx.orgId, input.ids, input.method, ctx.locale);
    return redirect(started.redirectUrl ?? `/orgs/${ctx.orgId}/billing/orders?paid=${started.orderId}`);
  });
}

export default function Checkout() {
  const data = useLoaderData<typeof loader>();
  const failure = useActionData<typeof action>() as FormFailure | undefined;
  const t = useT();
  const locale = useLocale();
  const m = (amount: number) => formatMoney(amount, data.currency, `${locale}-CH`);
  const messages = failure ? [...new Set([failure.formError, ...Object.values(failure.fieldErrors)].filter((x): x is string => !!x))] : [];
  return (
    <>
      <h1>{t("billing.checkout.title")}</h1>
      <p className="hint">{t("billing.checkout.intro")}</p>
      {messages.length > 0 ? (
        <div className="alert alert-error" role="alert" data-testid="checkout-error">
          {messages.map((msg) => (
            <p key={msg}>{t(msg, failure?.formErrorVars)}</p>
          ))}
        </div>
      ) : null}
      {data.lines.length === 0 ? (
        <p className="empty">
          {t("billing.checkout.empty")} <Link to={`/orgs/${data.orgId}/billing/to-pay`}>{t("billing.nav.toPay")}</Link>
        </p>
      ) : (
        <Form method="post">
          <ul>
            {data.lines.map((l) => (
              <li key={l.id}>
                {l.name}: {m(l.amount)}
                <input type="hidden" name="ids[]" value={l.id} />
              </li>
            ))}
          </ul>
          <p>{t("billing.checkout.net", { amount: m(data.net) })}</p>
          <p>{t("billing.checkout.vat", { amount: m(data.vat) })}</p>
          <p data-testid="checkout-total">
            <strong>{t("billing.checkout.total", { amount: m(data.total) })}</strong>
          </p>
          {data.balance > 0 ? <p>{t("billing.checkout.balance", { amount: m(Math.min(data.balance, data.total)) })}</p> : null}
          <fieldset>
            <legend>{t("billing.checkout.method")}</legend>
            {PAY_METHODS.filter((method) => method !== "postfinance" || data.currency === "CHF").map((method, i) => (
              <label key={method} className="radio">
                <input type="radio" name="method" value={method} defaultChecked={i === 0} /> {t(`billing.method.${method}`)}
              </label>
            ))}
          </fieldset>
          <button type="submit">{t("billing.checkout.pay")}</button>
        </Form>
      )}
    </>
  );
}
