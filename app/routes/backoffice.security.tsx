import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { Form, useActionData, useLoaderData } from "@remix-run/react";
import { requireStaff } from "../auth/request.server";
import { getDb } from "../db.server";
import { principalOf, regenerateRecoveryCodes, twoFactorStatus } from "../domain/two-factor/two-factor.server";
import { passwordOnlySchema } from "../domain/two-factor/schemas";
import { clientIp, formAction, parseForm, retryAfterHeaders } from "../lib/http.server";
import { useFormat, useT } from "../i18n/react";
import { Field, FormError } from "../components/form";
import { RecoveryCodesPanel } from "../components/two-factor";

export const headers = retryAfterHeaders;

/** S-3, S-4 for staff: two factors are always on; the emergency codes left, and a new set. */
export async function loader({ request, context }: LoaderFunctionArgs) {
  const { staff } = await requireStaff(request, context);
  return { email: staff.email, status: await twoFactorStatus(getDb(), { kind: "staff", id: staff.id }) };
}

export async function action({ request, context }: ActionFunctionArgs) {
  const { staff } = await requireStaff(request, context);
  const form = await request.formData();
  const db = getDb();
  return formAction(async () => {
    const me = await principalOf(db, "staff", staff.id);
    const { recoveryCodes } = await regenerateRecoveryCodes(db, me, parseForm(passwordOnlySchema, form), clientIp(request, context));
    return { ok: true as const, recoveryCodes };
  });
}

export default function BackofficeSecurity() {
  const { email, status } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const t = useT();
  const format = useFormat();
  return (
    <>
      <h1>{t("twoFactor.title")}</h1>
      {result?.ok ? (
        <>
          <div className="alert alert-ok" role="status">
            {t("twoFactor.regeneratedNotice")}
          </div>
          <RecoveryCodesPanel codes={result.recoveryCodes} account={email} continueTo="/backoffice/security" />
        </>
      ) : (
        <>
          <section className="card">
            <p data-testid="two-factor-status">{t("twoFactor.enabledSince", { date: format.dateTime(status.enabledAt!) })}</p>
            <p data-testid="codes-left">{t("twoFactor.codesLeft", { count: status.codesLeft })}</p>
            <p className="hint">{t("twoFactor.staffAlwaysOn")}</p>
          </section>
          <section className="card" aria-labelledby="regen-title">
            <h2 id="regen-title">{t("twoFactor.regenerateTitle")}</h2>
            <p className="hint">{t("twoFactor.regenerateIntro")}</p>
            <Form method="post" noValidate>
              <FormError errors={result && !result.ok ? result : null} />
              <Field
                name="password"
                type="password"
                label={t("account.currentPassword")}
                autoComplete="current-password"
                required
                errors={result && !result.ok ? result : null}
              />
              <button type="submit">{t("twoFactor.regenerateSubmit")}</button>
            </Form>
          </section>
        </>
      )}
    </>
  );
}
