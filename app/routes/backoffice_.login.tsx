import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { redirect } from "@remix-run/node";
import { Form, useActionData } from "@remix-run/react";
import { signInSchema } from "../domain/accounts/schemas";
import { getDb } from "../db.server";
import { authenticateStaff } from "../domain/staff/signin.server";
import { challengeCookie, getSessionStaff, safeRedirect } from "../auth/session.server";
import { openChallenge } from "../domain/two-factor/challenges.server";
import { clientIp, formAction, parseForm } from "../lib/http.server";
import { useT } from "../i18n/react";
import { SignInFields } from "../components/account-fields";
import { FormError } from "../components/form";

export const meta: MetaFunction = () => [{ title: "Back office · Partner Portal" }];

/** After sign-in, only back-office pages are followed. */
export function backofficeRedirect(to: string | null | undefined): string {
  const target = safeRedirect(to, "/backoffice");
  return target === "/backoffice" || target.startsWith("/backoffice/") || target.startsWith("/backoffice?") ? target : "/backoffice";
}

export async function loader({ request }: LoaderFunctionArgs) {
  if (await getSessionStaff(getDb(), request)) throw redirect("/backoffice");
  return null;
}

export async function action({ request, context }: ActionFunctionArgs) {
  const form = await request.formData();
  return formAction(async () => {
    const input = parseForm(signInSchema, form);
    const db = getDb();
    const ip = clientIp(request, context);
    const staff = await authenticateStaff(db, input.email, input.password, ip);
    // S-3: staff must use two factors. No session yet: the code comes next, or, for an
    // account without a second factor, its enrolment.
    const purpose = staff.twoFactor ? "verify" : "enrol";
    const token = await openChallenge(db, { kind: "staff", id: staff.id }, purpose, {
      redirectTo: backofficeRedirect(input.redirectTo),
      userAgent: request.headers.get("User-Agent"),
      ip,
    });
    const next = staff.twoFactor ? "/backoffice/second-factor" : "/backoffice/two-factor-setup";
    return redirect(next, { headers: { "Set-Cookie": await challengeCookie("staff", token) } });
  });
}

export default function BackofficeLogin() {
  const errors = useActionData<typeof action>();
  const t = useT();
  return (
    <main id="main" className="page narrow">
      <h1>{t("backoffice.login.title")}</h1>
      <p className="hint">{t("backoffice.login.intro")}</p>
      <Form method="post" noValidate>
        <FormError errors={errors} />
        <SignInFields emailLabel={t("backoffice.login.email")} passwordLabel={t("backoffice.login.password")} errors={errors} />
        <button type="submit">{t("backoffice.login.submit")}</button>
      </Form>
    </main>
  );
}
