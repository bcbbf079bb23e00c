import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { redirect } from "@remix-run/node";
import { Form, useActionData, useLoaderData } from "@remix-run/react";
import { requireOrg } from "../auth/request.server";
import { getDb } from "../db.server";
import { prepaidOverview, topUpPrepaid } from "../domain/billing/checkout.server";
import { formatMoney } from "../domain/billing/money";
import { parseAmount, TOPUP_METHODS } from "../domain/billing/payment-rules";
import { topUpSchema } from "../domain/billing/schemas";
import { Invalid } from "../domain/errors";
import { withActor } from "../domain/tx.server";
import { formAction, guard, parseForm, type FormFailure } from "../lib/http.server";
import { useFormat, useLocale, useT } from "../i18n/react";
import { Pager } from "../components/pager";

// B-9/B-10: the prepaid balance, its movements and top-ups.
export async function loader({ request, context, params }: LoaderFunctionArgs) {
  const ctx = await requireOrg(request, context, params.orgId);
  const url = new URL(request.url);
  const page = Number(url.searchParams.get("page") ?? 1);
  const overview = await guard(() => withActor(getDb(), ctx.actor, (trx) => prepaidOverview(trx, ctx, ctx.orgId, { page })));
  return { ...overview, orgId: ctx.orgId, returned: url.searchParams.has("returned") };
}

export async function action({ request, context, params }: ActionFunctionArgs) {
  const ctx = await requireOrg(request, context, params.orgId);
  const form = await request.formData();
  return formAction(async () => {
    const input = parseForm(topUpSchema, form);
    const amount = parseAmount(input.amount);
    if (amount === null) throw new Invalid({ amount: "billing.errors.topUpLimits" });
    const started = await topUpPrepaid(getDb(), ctx, ctx.orgId, amount, input.method, ctx.locale);
    return redirect(started.redirectUrl ?? `/orgs/${ctx.orgId}/billing/prepaid`);
  });
}

export default function Prepaid() {
  const data = useLoaderData<typeof loader>();
  const failure = useActionData<typeof action>() as FormFailure | undefined;
  const t = useT();
  const locale = useLocale();
  const format = useFormat();
  const m = (amount: number) => formatMoney(amount, data.currency, `${locale}-CH`);
  const messages = failure ? [...new Set([failure.formError, ...Object.values(failure.fieldErrors)].filter((x): x is string => !!x))] : [];
  return (
    <>
      <h1>{t("billing.prepaid.title")}</h1>
      <p data-testid="prepaid-balance">{t("billing.prepaid.balance", { amount: m(data.balance) })}</p>
      {data.returned ? (
        <div className="alert alert-ok" role="status">
          {t("billing.prepaid.returned")}
        </div>
      ) : null}
      {messages.length > 0 ? (
        <div className="alert alert-error" role="alert" data-testid="prepaid-error">
          {messages.map((msg) => (
            <p key={msg}>{t(msg, failure?.formErrorVars)}</p>
          ))}
        </div>
      ) : null}
      <section aria-labelledby="topup-title">
        <h2 id="topup-title">{t("billing.prepaid.topUp")}</h2>
        <Form method="post">
          <label htmlFor="amount">
            {t("billing.prepaid.amount")} ({data.currency})
          </label>
          <input id="amount" name="amount" inputMode="decimal" required />
          <label htmlFor="method">{t("billing.prepaid.method")}</label>
          <select id="method" name="method">
            {TOPUP_METHODS.filter((method) => method !== "postfinance" || data.currency === "CHF").map((method) => (
              <option key={method} value={method}>
                {t(`billing.method.${method}`)}
              </option>
            ))}
          </select>
          <button type="submit">{t("billing.prepaid.submit")}</button>
        </Form>
      </section>
      <h2>{t("billing.prepaid.entries")}</h2>
      {data.entries.length === 0 ? (
        <p className="empty">{t("billing.prepaid.empty")}</p>
      ) : (
        <table data-testid="prepaid-entries">
          <tbody>
            {data.entries.map((e) => (
              <tr key={e.id}>
                <td>{format.dateTime(e.created_at)}</td>
                <td>{t(`billing.prepaid.kind.${e.kind}`)}</td>
                <td>{m(e.amount)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <Pager page={data.page} pages={data.pages} keepQuery={false} label={t("common.page", { page: data.page, pages: data.pages })} />
    </>
  );
}
