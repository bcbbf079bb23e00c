import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { redirect } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useSearchParams } from "@remix-run/react";
import { z } from "zod";
import { requireStaff } from "../auth/request.server";
import { getDb } from "../db.server";
import { formatMoney } from "../domain/billing/money";
import { decideWithdrawal, withdrawalDecisionSchema, withdrawalForDecision, withdrawalsQueue } from "../domain/billing/withdrawals.server";
import { formAction, guard, parseForm, type FormFailure } from "../lib/http.server";
import { useFormat, useLocale, useT } from "../i18n/react";
import { FormError, Notice } from "../components/form";

const scopeSchema = z.enum(["requested", "all"]).catch("requested");
const decisionSchema = z.enum(["complete", "reject"]);

// B-10: billing agents (and staff administrators) complete or reject prepaid withdrawals.
export async function loader({ request, context }: LoaderFunctionArgs) {
  const acting = await requireStaff(request, context);
  const url = new URL(request.url);
  const scope = scopeSchema.parse(url.searchParams.get("scope") ?? undefined);
  const queue = await guard(() => withdrawalsQueue(getDb(), acting, { scope, page: Number(url.searchParams.get("page") ?? 1) }));
  const decideId = url.searchParams.get("decide");
  const decision = decisionSchema.safeParse(url.searchParams.get("decision"));
  const confirm = decideId && decision.success ? { decision: decision.data, withdrawal: await guard(() => withdrawalForDecision(getDb(), acting, decideId)) } : null;
  return { ...queue, scope, confirm };
}

export async function action({ request, context }: ActionFunctionArgs) {
  const acting = await requireStaff(request, context);
  const form = await request.formData();
  return formAction(async () => {
    const input = parseForm(withdrawalDecisionSchema, form);
    await decideWithdrawal(getDb(), acting, input.withdrawalId, input.decision);
    return redirect(`/backoffice/withdrawals?done=${input.decision}`);
  });
}

export default function BackofficeWithdrawals() {
  const data = useLoaderData<typeof loader>();
  const errors = useActionData<typeof action>() as FormFailure | undefined;
  const [params] = useSearchParams();
  const t = useT();
  const locale = useLocale();
  const format = useFormat();
  const m = (amount: number, currency: "CHF" | "EUR") => formatMoney(amount, currency, `${locale}-CH`);
  const done = params.get("done");
  const target = data.confirm?.withdrawal;
  return (
    <>
      <h1>{t("shop.backoffice.title")}</h1>
      <p className="hint">{t("shop.backoffice.intro")}</p>
      {done === "complete" || done === "reject" ? <Notice>{t(`shop.backoffice.done.${done}`)}</Notice> : null}
      {data.confirm && target && target.status === "requested" ? (
        <section className="card" aria-labelledby="decide-title">
          <h2 id="decide-title">{t(data.confirm.decision === "complete" ? "shop.backoffice.complete" : "shop.backoffice.reject", { org: target.org_name })}</h2>
          <p>
            {t(data.confirm.decision === "complete" ? "shop.backoffice.confirmComplete" : "shop.backoffice.confirmReject", {
              amount: m(target.amount, target.currency),
              destination: target.destination,
              org: target.org_name,
            })}
          </p>
          <Form method="post" action="/backoffice/withdrawals">
            <FormError errors={errors} />
            <input type="hidden" name="withdrawalId" value={target.id} />
            <input type="hidden" name="decision" value={data.confirm.decision} />
            <div className="field">
              <label>
                <input type="checkbox" name="confirm" value="yes" required /> {t("shop.backoffice.confirmLabel")}
              </label>
              {errors?.fieldErrors?.confirm ? (
                <p className="field-error" role="alert">
                  {t(errors.fieldErrors.confirm)}
                </p>
              ) : null}
            </div>
            <div className="toolbar">
              <button type="submit" className={data.confirm.decision === "reject" ? "danger" : undefined}>
                {t(data.confirm.decision === "complete" ? "shop.backoffice.submitComplete" : "shop.backoffice.submitReject")}
              </button>
              <Link to="/backoffice/withdrawals">{t("common.cancel")}</Link>
            </div>
          </Form>
        </section>
      ) : (
        <FormError errors={errors} />
      )}
      <Form method="get" className="toolbar">
        <label htmlFor="scope">{t("shop.backoffice.scope")}</label>
        <select id="scope" name="scope" defaultValue={data.scope}>
          <option value="requested">{t("shop.backoffice.scope.requested")}</option>
          <option value="all">{t("shop.backoffice.scope.all")}</option>
        </select>
        <button type="submit" className="secondary">
          {t("shop.backoffice.apply")}
        </button>
      </Form>
      {data.withdrawals.length === 0 ? (
        <p className="empty">{t("shop.backoffice.empty")}</p>
      ) : (
        <table data-testid="withdrawals">
          <thead>
            <tr>
              <th scope="col">{t("shop.backoffice.org")}</th>
              <th scope="col">{t("shop.backoffice.amount")}</th>
              <th scope="col">{t("shop.backoffice.destination")}</th>
              <th scope="col">{t("shop.backoffice.requested")}</th>
              <th scope="col">{t("shop.backoffice.status")}</th>
              <th scope="col">{t("common.actions")}</th>
            </tr>
          </thead>
          <tbody>
            {data.withdrawals.map((w) => (
              <tr key={w.id} data-testid={`withdrawal-${w.id}`}>
                <td>{w.org_name}</td>
                <td>{m(w.amount, w.currency)}</td>
                <td>
                  {t(`shop.withdraw.kind.${w.destination_kind}`)}: {w.destination}
                </td>
                <td>{format.dateTime(w.requested_at)}</td>
                <td>{t(`shop.withdraw.status.${w.status}`)}</td>
                <td>
                  {w.status === "requested" ? (
                    <>
                      <Link to={`?decide=${w.id}&decision=complete`}>{t("shop.backoffice.complete", { org: w.org_name })}</Link>{" "}
                      <Link to={`?decide=${w.id}&decision=reject`}>{t("shop.backoffice.reject", { org: w.org_name })}</Link>
                    </>
                  ) : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {data.pages > 1 ? (
        <nav className="pagination" aria-label={t("common.page", { page: data.page, pages: data.pages })}>
          {data.page > 1 ? <Link to={`?scope=${data.scope}&page=${data.page - 1}`}>{t("common.previous")}</Link> : null}
          <span>{t("common.page", { page: data.page, pages: data.pages })}</span>
          {data.page < data.pages ? <Link to={`?scope=${data.scope}&page=${data.page + 1}`}>{t("common.next")}</Link> : null}
        </nav>
      ) : null}
    </>
  );
}
