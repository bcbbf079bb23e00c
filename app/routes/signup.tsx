import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { redirect } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData } from "@remix-run/react";
import { getDb } from "../db.server";
import { signUp, signUpSchema } from "../domain/accounts/signup.server";
import { createSession } from "../auth/session.server";
import { optionalUser } from "../auth/request.server";
import { clientIp, formAction, parseForm } from "../lib/http.server";
import { pickLocale } from "../i18n/index";
import { useLocale, useT } from "../i18n/react";
import { NewPasswordField } from "../components/account-fields";
import { Field, FormError } from "../components/form";

export const meta: MetaFunction = () => [{ title: "Create an account · Partner Portal" }];

export async function loader({ request }: LoaderFunctionArgs) {
  if (await optionalUser(request)) throw redirect("/");
  // P-8: an affiliate's referral code travels with the form.
  return { ref: new URL(request.url).searchParams.get("ref")?.slice(0, 40) ?? "" };
}

export async function action({ request, context }: ActionFunctionArgs) {
  const form = await request.formData();
  return formAction(async () => {
    const input = parseForm(signUpSchema, {
      ...Object.fromEntries(form),
      locale: form.get("locale") || pickLocale(null, request.headers.get("Accept-Language")),
    });
    const db = getDb();
    const ip = clientIp(request, context);
    const { userId, orgId } = await signUp(db, input, ip);
    const cookie = await createSession(db, "user", userId, { userAgent: request.headers.get("User-Agent"), ip });
    return redirect(`/orgs/${orgId}`, { headers: { "Set-Cookie": cookie } });
  });
}

export default function SignUp() {
  const errors = useActionData<typeof action>();
  const { ref } = useLoaderData<typeof loader>();
  const t = useT();
  const locale = useLocale();
  return (
    <main id="main" className="page narrow">
      <h1>{t("auth.signUpTitle")}</h1>
      <p>{t("auth.signUpIntro")}</p>
      <Form method="post" noValidate>
        <FormError errors={errors} />
        <input type="hidden" name="locale" value={locale} />
        {ref ? <input type="hidden" name="ref" value={ref} /> : null}
        <Field name="name" label={t("auth.name")} autoComplete="name" required errors={errors} autoFocus />
        <Field name="email" type="email" label={t("auth.email")} autoComplete="username" required errors={errors} />
        <NewPasswordField name="password" label={t("auth.password")} errors={errors} />
        <Field name="organizationName" label={t("auth.organizationName")} hint={t("auth.organizationHint")} errors={errors} />
        <button type="submit">{t("auth.submitSignUp")}</button>
      </Form>
      <p>
        {t("auth.haveAccount")} <Link to="/login">{t("nav.signIn")}</Link>
      </p>
    </main>
  );
}
