import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { redirect } from "@remix-run/node";
import { Form, Link, useActionData, useSearchParams } from "@remix-run/react";
import { signInSchema } from "../domain/accounts/schemas";
import { getDb } from "../db.server";
import { authenticateUser } from "../domain/accounts/signin.server";
import { challengeCookie, createSession, safeRedirect } from "../auth/session.server";
import { openChallenge } from "../domain/two-factor/challenges.server";
import { optionalUser } from "../auth/request.server";
import { clientIp, formAction, parseForm, retryAfterHeaders } from "../lib/http.server";
import { useT } from "../i18n/react";
import { SignInFields } from "../components/account-fields";
import { FormError, Notice } from "../components/form";

export const meta: MetaFunction = () => [{ title: "Sign in · Partner Portal" }];

export const headers = retryAfterHeaders;

export async function loader({ request }: LoaderFunctionArgs) {
  if (await optionalUser(request)) throw redirect("/");
  return null;
}

export async function action({ request, context }: ActionFunctionArgs) {
  const form = await request.formData();
  return formAction(async () => {
    const input = parseForm(signInSchema, form);
    const db = getDb();
    const ip = clientIp(request, context);
    const user = await authenticateUser(db, input.email, input.password, ip);
    if (user.twoFactor) {
      // S-3: no session yet; the second-factor page takes over with a single-purpose token.
      const token = await openChallenge(db, { kind: "user", id: user.id }, "verify", {
        redirectTo: safeRedirect(input.redirectTo, "/"),
        userAgent: request.headers.get("User-Agent"),
        ip,
      });
      return redirect("/login/second-factor", { headers: { "Set-Cookie": await challengeCookie("user", token) } });
    }
    const cookie = await createSession(db, "user", user.id, { userAgent: request.headers.get("User-Agent"), ip });
    return redirect(safeRedirect(input.redirectTo, "/"), { headers: { "Set-Cookie": cookie } });
  });
}

export default function Login() {
  const errors = useActionData<typeof action>();
  const [params] = useSearchParams();
  const t = useT();
  return (
    <main id="main" className="page narrow">
      <h1>{t("auth.signInTitle")}</h1>
      {params.get("reset") === "done" ? <Notice>{t("account.resetDone")}</Notice> : null}
      <Form method="post" noValidate>
        <FormError errors={errors} />
        <SignInFields emailLabel={t("auth.email")} passwordLabel={t("auth.password")} errors={errors} />
        <button type="submit">{t("auth.submitSignIn")}</button>
      </Form>
      <p>
        <Link to="/forgot-password">{t("auth.forgot")}</Link>
      </p>
      <p>
        {t("auth.noAccount")} <Link to="/signup">{t("nav.signUp")}</Link>
      </p>
    </main>
  );
}
