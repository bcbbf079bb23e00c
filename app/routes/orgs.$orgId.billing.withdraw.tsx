import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { redirect } from "@remix-run/node";
import { Form, useActionData, useLoaderData, useSearchParams } from "@remix-run/react";
import { requireOrg } from "../auth/request.server";
import { getDb } from "../db.server";
import { formatMoney } from "../domain/billing/money";
import { DESTINATION_KINDS, requestWithdrawal, withdrawalRequestSchema, withdrawalsOverview } from "../domain/billing/withdrawals.server";
import { formAction, guard, parseForm, type FormFailure } from "../lib/http.server";
import { useFormat, useLocale, useT } from "../i18n/react";
import { FormError, Notice } from "../components/form";
import { Pager } from "../components/pager";

// B-10: the legal representative withdraws (part of) the prepaid balance.
export async function loader({ request, context, params }: LoaderFunctionArgs) {
  const ctx = await requireOrg(request, context, params.orgId);
  const page = Number(new URL(request.url).searchParams.get("page") ?? 1);
  const overview = await guard(() => withdrawalsOverview(getDb(), ctx, ctx.orgId, { page }));
  return { ...overview, orgId: ctx.orgId };
}

export async function action({ request, context, params }: ActionFunctionArgs) {
  const ctx = await requireOrg(request, context, params.orgId);
  const form = await request.formData();
  return formAction(async () => {
    await requestWithdrawal(getDb(), ctx, ctx.orgId, parseForm(withdrawalRequestSchema, form));
    return redirect(`/orgs/${ctx.orgId}/billing/withdraw?requested=1`);
  });
}

export default function Withdraw() {
  const data = useLoaderData<typeof loader>();
  const errors = useActionData<typeof action>() as FormFailure | undefined;
  const [params] = useSearchParams();
  const t = useT();
  const locale = useLocale();
  const format = useFormat();
  const m = (amount: number) => formatMoney(amount, data.currency, `${locale}-CH`);
  const fieldError = (name: string) =>
    errors?.fieldErrors?.[name] ? (
      <p className="field-error" id={`f-${name}-error`} role="alert">
        {t(errors.fieldErrors[name])}
      </p>
    ) : null;
  return (
    <>
      <h1>{t("shop.withdraw.title")}</h1>
      <p className="hint">{t("shop.withdraw.intro")}</p>
      {params.get("requested") ? <Notice>{t("shop.withdraw.requested")}</Notice> : null}
      <p data-testid="withdraw-balance">{t("shop.withdraw.balance", { amount: m(data.balance) })}</p>
      <Form method="post" noValidate>
        <FormError errors={errors} />
        <div className="field">
          <label htmlFor="f-amount">{t("shop.withdraw.amount", { currency: data.currency })}</label>
          <input id="f-amount" name="amount" inputMode="decimal" required aria-invalid={errors?.fieldErrors?.amount ? true : undefined} aria-describedby={errors?.fieldErrors?.amount ? "f-amount-error" : undefined} />
          {fieldError("amount")}
        </div>
        <fieldset>
          <legend>{t("shop.withdraw.to")}</legend>
          {DESTINATION_KINDS.map((kind) => (
            <label key={kind}>
              <input type="radio" name="destinationKind" value={kind} defaultChecked={kind === "iban"} /> {t(`shop.withdraw.kind.${kind}`)}
            </label>
          ))}
          {fieldError("destinationKind")}
        </fieldset>
        <div className="field">
          <label htmlFor="f-destination">{t("shop.withdraw.destination")}</label>
          <input id="f-destination" name="destination" required maxLength={254} aria-invalid={errors?.fieldErrors?.destination ? true : undefined} aria-describedby={errors?.fieldErrors?.destination ? "f-destination-error" : undefined} />
          {fieldError("destination")}
        </div>
        <div className="field">
          <label>
            <input type="checkbox" name="confirm" value="yes" required /> {t("shop.withdraw.confirm")}
          </label>
          {fieldError("confirm")}
        </div>
        <button type="submit">{t("shop.withdraw.submit")}</button>
      </Form>
      <h2>{t("shop.withdraw.list")}</h2>
      {data.withdrawals.length === 0 ? (
        <p className="empty">{t("shop.withdraw.empty")}</p>
      ) : (
        <table data-testid="withdrawals">
          <thead>
            <tr>
              <th scope="col">{t("shop.withdraw.date")}</th>
              <th scope="col">{t("shop.backoffice.amount")}</th>
              <th scope="col">{t("shop.withdraw.to")}</th>
              <th scope="col">{t("shop.withdraw.status")}</th>
            </tr>
          </thead>
          <tbody>
            {data.withdrawals.map((w) => (
              <tr key={w.id}>
                <td>{format.dateTime(w.requested_at)}</td>
                <td>{m(w.amount)}</td>
                <td>
                  {t(`shop.withdraw.kind.${w.destination_kind}`)}: {w.destination}
                </td>
                <td>{t(`shop.withdraw.status.${w.status}`)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <Pager page={data.page} pages={data.pages} keepQuery={false} label={t("common.page", { page: data.page, pages: data.pages })} />
    </>
  );
}
