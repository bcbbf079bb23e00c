import type { ActionFunctionArgs, HeadersFunction, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { redirect } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData } from "@remix-run/react";
import { getDb } from "../db.server";
import { destroySession } from "../auth/session.server";
import { newPasswordSchema, resetPasswordWithToken, resetTokenIsUsable } from "../domain/accounts/password-reset.server";
import { clientIp, formAction, parseForm } from "../lib/http.server";
import { useT } from "../i18n/react";
import { NewPasswordFields } from "../components/account-fields";
import { FormError } from "../components/form";

// The token is in the URL: the page is not cached (the site-wide Referrer-Policy,
// same-origin, already keeps the URL from other sites).
export const headers: HeadersFunction = () => ({ "Cache-Control": "no-store" });

export const meta: MetaFunction = () => [{ title: "New password · Partner Portal" }];

export async function loader({ params }: LoaderFunctionArgs) {
  return { usable: await resetTokenIsUsable(getDb(), params.token) };
}

export async function action({ request, context, params }: ActionFunctionArgs) {
  const form = await request.formData();
  return formAction(async () => {
    const input = parseForm(newPasswordSchema, form);
    const db = getDb();
    await resetPasswordWithToken(db, params.token ?? "", input.password, clientIp(request, context));
    // Every session of the account has ended; this browser's cookie is cleared as well.
    const cookie = await destroySession(db, request, "user");
    return redirect("/login?reset=done", { headers: { "Set-Cookie": cookie } });
  });
}

export default function ResetPassword() {
  const { usable } = useLoaderData<typeof loader>();
  const errors = useActionData<typeof action>();
  const t = useT();
  const unusable = !usable || errors?.code === "reset_token_unusable";
  return (
    <main id="main" className="page narrow">
      <h1>{t("account.resetTitle")}</h1>
      {unusable ? (
        <>
          <div className="alert alert-error" role="alert">
            {t("account.resetInvalid")}
          </div>
          <p>
            <Link to="/forgot-password">{t("account.requestNewLink")}</Link>
          </p>
        </>
      ) : (
        <Form method="post" noValidate>
          <FormError errors={errors} />
          <NewPasswordFields name="password" errors={errors} autoFocus />
          <button type="submit">{t("account.resetSubmit")}</button>
        </Form>
      )}
      <p>
        <Link to="/login">{t("account.backToLogin")}</Link>
      </p>
    </main>
  );
}
