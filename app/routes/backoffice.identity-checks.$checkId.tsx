import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { redirect } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData } from "@remix-run/react";
import { requireStaff } from "../auth/request.server";
import { getDb } from "../db.server";
import { decisionSchema, handleIdentityCheck, identityCheckForStaff } from "../domain/security/identity-checks.server";
import { formAction, guard, parseForm, type FormFailure } from "../lib/http.server";
import { useFormat, useT } from "../i18n/react";
import { ConfirmCheckbox, FormError, Notice } from "../components/form";

// K-3: one identity check: its documents (decrypted on request, each view audited) and the
// decision, which deletes them; approving an order check completes the held order (B-14).
export async function loader({ request, context, params }: LoaderFunctionArgs) {
  const acting = await requireStaff(request, context);
  return guard(() => identityCheckForStaff(getDb(), acting, params.checkId ?? ""));
}

export async function action({ request, context, params }: ActionFunctionArgs) {
  const acting = await requireStaff(request, context);
  const form = await request.formData();
  return formAction(async () => {
    const input = parseForm(decisionSchema, { ...Object.fromEntries(form), checkId: params.checkId });
    await handleIdentityCheck(getDb(), acting, input);
    return redirect(`/backoffice/identity-checks?done=${input.decision}`);
  });
}

export default function IdentityCheckPage() {
  const { check, blocks } = useLoaderData<typeof loader>();
  const errors = useActionData<typeof action>() as FormFailure | undefined;
  const t = useT();
  const format = useFormat();
  const base = `/backoffice/identity-checks/${check.id}`;
  return (
    <>
      <p>
        <Link to="/backoffice/identity-checks">{t("identity.bo.back")}</Link>
      </p>
      <h1>{t("identity.title")}</h1>
      <p>
        {check.user_name} ({check.user_email}) · {t(`identity.reason.${check.reason}`)}
        {check.submitted_at ? ` · ${format.dateTime(check.submitted_at)}` : ""}
      </p>
      {check.status !== "submitted" ? (
        <Notice>{t("identity.bo.notOpen", { status: t(`identity.status.${check.status}`) })}</Notice>
      ) : (
        <>
          <ul>
            <li>
              <a href={`${base}/document`}>{t("identity.bo.document")}</a>
            </li>
            <li>
              <a href={`${base}/photo`}>{t("identity.bo.photo")}</a>
            </li>
          </ul>
          {blocks
            .filter((b) => b.status === "blocked")
            .map((b) => (
              <p key={b.id}>{t("identity.bo.releases", { order: b.order_id.slice(0, 8), reasons: b.reasons.join(", ") })}</p>
            ))}
          {check.reason === "disable_2fa" ? <p>{t("identity.bo.switchesOffTwoFactor")}</p> : null}
          <Form method="post" className="card">
            <FormError errors={errors} />
            <fieldset>
              <legend>{t("identity.bo.decision")}</legend>
              <label>
                <input type="radio" name="decision" value="approve" required /> {t("identity.bo.approve")}
              </label>{" "}
              <label>
                <input type="radio" name="decision" value="reject" /> {t("identity.bo.reject")}
              </label>
            </fieldset>
            <div className="field">
              <label htmlFor="f-rejectionReason">{t("identity.bo.rejectionReason")}</label>
              <textarea id="f-rejectionReason" name="rejectionReason" rows={2} maxLength={1000} />
              {errors?.fieldErrors?.rejectionReason ? (
                <p className="field-error" role="alert">
                  {t(errors.fieldErrors.rejectionReason)}
                </p>
              ) : null}
            </div>
            <ConfirmCheckbox label={t("identity.bo.confirm")} errors={errors} />
            <button type="submit">{t("identity.bo.submit")}</button>
          </Form>
        </>
      )}
    </>
  );
}
