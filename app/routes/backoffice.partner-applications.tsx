import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { redirect } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useSearchParams } from "@remix-run/react";
import { requireStaff } from "../auth/request.server";
import { getDb } from "../db.server";
import { formatMoney } from "../domain/billing/money";
import { applicationDetail, applicationQueue, reviewApplication, reviewSchema } from "../domain/partners/review.server";
import { formAction, guard, parseForm, type FormFailure } from "../lib/http.server";
import { useFormat, useLocale, useT } from "../i18n/react";
import { FormError, Notice } from "../components/form";

// K-2: partner managers (and staff administrators) review partner applications, oldest first.
export async function loader({ request, context }: LoaderFunctionArgs) {
  const acting = await requireStaff(request, context);
  const url = new URL(request.url);
  const queue = await guard(() => applicationQueue(getDb(), acting, { page: Number(url.searchParams.get("page") ?? 1) }));
  const id = url.searchParams.get("id");
  const detail = id ? await guard(() => applicationDetail(getDb(), acting, id)) : null;
  return { ...queue, detail };
}

export async function action({ request, context }: ActionFunctionArgs) {
  const acting = await requireStaff(request, context);
  const form = await request.formData();
  return formAction(async () => {
    await reviewApplication(getDb(), acting, parseForm(reviewSchema, form));
    return redirect("/backoffice/partner-applications?done=1");
  });
}

export default function PartnerApplications() {
  const d = useLoaderData<typeof loader>();
  const errors = useActionData<typeof action>() as FormFailure | undefined;
  const [params] = useSearchParams();
  const t = useT();
  const locale = useLocale();
  const format = useFormat();
  const a = d.detail;
  const m = (amount: number, currency: "CHF" | "EUR") => formatMoney(amount, currency, `${locale}-CH`);
  return (
    <>
      <h1>{t("partners.review.title")}</h1>
      {params.get("done") ? <Notice>{t("partners.review.done")}</Notice> : null}
      {a ? (
        <section className="card" aria-labelledby="detail" data-testid="application">
          <h2 id="detail">{t("partners.review.detail", { org: a.org_name })}</h2>
          <p>{t("partners.status", { status: t(`partners.status.${a.status}`) })}</p>
          <ul>
            <li>{t("partners.condition.registry", { evidence: `${t(`partners.registry.${a.registry_kind}`)} ${a.registry_country} ${a.registry_number}` })}</li>
            <li>
              {t("partners.condition.website", { url: a.website_url, status: t(`partners.website.${a.website_status}`) })}
              {a.website_checked_at ? ` (${t("partners.website.checked", { code: a.website_http_status ?? "—", date: format.dateTime(a.website_checked_at) })})` : null}
            </li>
            <li>
              {t("partners.condition.value", { value: m(a.currentValue.amount, a.currentValue.currency), threshold: m(a.currentValue.threshold, a.currentValue.currency) })}{" "}
              {t("partners.review.valueAtSubmission", { value: m(a.value_amount, a.value_currency) })}
            </li>
            <li>{t("partners.review.commitments", { support: t("partners.review.yes"), invoices: t("partners.review.yes"), tenders: t("partners.review.yes") })}</li>
            <li>{t("partners.condition.terms", { version: a.terms_version, date: format.dateTime(a.terms_accepted_at) })}</li>
          </ul>
          {a.status === "submitted" ? (
            <Form method="post" action={`/backoffice/partner-applications?id=${a.id}`}>
              <FormError errors={errors} />
              <input type="hidden" name="applicationId" value={a.id} />
              <fieldset>
                <legend>{t("partners.review.decision")}</legend>
                <label>
                  <input type="radio" name="decision" value="approve" defaultChecked /> {t("partners.review.approve")}
                </label>
                <label>
                  <input type="radio" name="decision" value="reject" /> {t("partners.review.reject")}
                </label>
              </fieldset>
              <div className="field">
                <label htmlFor="reason">{t("partners.review.reason")}</label>
                <textarea id="reason" name="reason" maxLength={1000} />
                {errors?.fieldErrors?.reason ? (
                  <p className="field-error" role="alert">
                    {t(errors.fieldErrors.reason)}
                  </p>
                ) : null}
              </div>
              <label>
                <input type="checkbox" name="confirm" value="yes" required /> {t("partners.review.confirm")}
              </label>
              <div className="toolbar">
                <button type="submit">{t("partners.review.submit")}</button>
                <Link to="/backoffice/partner-applications">{t("common.cancel")}</Link>
              </div>
            </Form>
          ) : null}
        </section>
      ) : null}
      {d.applications.length === 0 ? (
        <p className="empty">{t("partners.review.empty")}</p>
      ) : (
        <table data-testid="queue">
          <thead>
            <tr>
              <th scope="col">{t("partners.review.org")}</th>
              <th scope="col">{t("partners.review.submitted")}</th>
              <th scope="col">{t("partners.review.open")}</th>
            </tr>
          </thead>
          <tbody>
            {d.applications.map((r) => (
              <tr key={r.id}>
                <td>{r.org_name}</td>
                <td>{format.dateTime(r.submitted_at)}</td>
                <td>
                  <Link to={`/backoffice/partner-applications?id=${r.id}`}>{t("partners.review.open")}</Link>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {d.pages > 1 ? (
        <nav className="toolbar" aria-label={t("partners.review.page", { page: d.page, pages: d.pages })}>
          {d.page > 1 ? <Link to={`?page=${d.page - 1}`}>{t("partners.review.previous")}</Link> : null}
          <span>{t("partners.review.page", { page: d.page, pages: d.pages })}</span>
          {d.page < d.pages ? <Link to={`?page=${d.page + 1}`}>{t("partners.review.next")}</Link> : null}
        </nav>
      ) : null}
    </>
  );
}
