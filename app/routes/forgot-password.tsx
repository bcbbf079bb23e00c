import type { ActionFunctionArgs, MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData } from "@remix-run/react";
import { getDb } from "../db.server";
import { forgotPasswordSchema, requestPasswordReset } from "../domain/accounts/password-reset.server";
import { clientIp, formAction, parseForm, retryAfterHeaders } from "../lib/http.server";
import { useT } from "../i18n/react";
import { Field, FormError, Notice } from "../components/form";

export const meta: MetaFunction = () => [{ title: "Forgot password · Partner Portal" }];

export const headers = retryAfterHeaders;

export async function action({ request, context }: ActionFunctionArgs) {
  const form = await request.formData();
  return formAction(async () => {
    const input = parseForm(forgotPasswordSchema, form);
    await requestPasswordReset(getDb(), input.email, clientIp(request, context));
    // The same answer whether or not the account exists.
    return { ok: true as const };
  });
}

export default function ForgotPassword() {
  const result = useActionData<typeof action>();
  const t = useT();
  const errors = result && !result.ok ? result : null;
  return (
    <main id="main" className="page narrow">
      <h1>{t("account.forgotTitle")}</h1>
      {result?.ok ? (
        <Notice>{t("account.forgotSent")}</Notice>
      ) : (
        <>
          <p>{t("account.forgotIntro")}</p>
          <Form method="post" noValidate>
            <FormError errors={errors} />
            <Field name="email" type="email" label={t("auth.email")} autoComplete="username" required errors={errors} autoFocus />
            <button type="submit">{t("account.forgotSubmit")}</button>
          </Form>
        </>
      )}
      <p>
        <Link to="/login">{t("account.backToLogin")}</Link>
      </p>
    </main>
  );
}
