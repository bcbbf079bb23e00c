import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { redirect } from "@remix-run/node";
import { Form, useActionData } from "@remix-run/react";
import { z } from "zod";
import { getDb } from "../db.server";
import { challengeToken, clearChallengeCookie, createSession, getSessionStaff } from "../auth/session.server";
import { challengeView, completeWithCode, dropChallenge } from "../domain/two-factor/challenges.server";
import { secondFactorSchema } from "../domain/two-factor/schemas";
import { clientIp, formAction, parseForm, retryAfterHeaders } from "../lib/http.server";
import { useT } from "../i18n/react";
import { FormError } from "../components/form";
import { SecondFactorField } from "../components/two-factor";
import { backofficeRedirect } from "./backoffice_.login";

export const meta: MetaFunction = () => [{ title: "Back office · Partner Portal" }];

export const headers = retryAfterHeaders;

export async function loader({ request }: LoaderFunctionArgs) {
  const db = getDb();
  if (await getSessionStaff(db, request)) throw redirect("/backoffice");
  if (!(await challengeView(db, await challengeToken(request, "staff"), "staff", "verify"))) throw redirect("/backoffice/login");
  return null;
}

const intentSchema = z.object({ intent: z.enum(["code", "cancel"], { message: "errors.invalid" }) });

/** S-3: a staff session exists only once the second factor is given. */
export async function action({ request, context }: ActionFunctionArgs) {
  const form = await request.formData();
  const db = getDb();
  const ip = clientIp(request, context);
  const token = await challengeToken(request, "staff");
  return formAction(async () => {
    const { intent } = parseForm(intentSchema, form);
    if (intent === "cancel") {
      await dropChallenge(db, token);
      return redirect("/backoffice/login", { headers: { "Set-Cookie": await clearChallengeCookie("staff") } });
    }
    const signed = await completeWithCode(db, token, "staff", parseForm(secondFactorSchema, form).code, ip);
    const headers = new Headers();
    headers.append("Set-Cookie", await createSession(db, "staff", signed.principal.id, { userAgent: request.headers.get("User-Agent"), ip, twoFactor: true }));
    headers.append("Set-Cookie", await clearChallengeCookie("staff"));
    return redirect(backofficeRedirect(signed.redirectTo), { headers });
  });
}

export default function BackofficeSecondFactor() {
  const errors = useActionData<typeof action>();
  const t = useT();
  return (
    <main id="main" className="page narrow">
      <h1>{t("twoFactor.signInTitle")}</h1>
      <p>{t("twoFactor.staffSignInIntro")}</p>
      <Form method="post" noValidate>
        <FormError errors={errors} />
        <input type="hidden" name="intent" value="code" />
        <SecondFactorField errors={errors} />
        <button type="submit">{t("twoFactor.verifySubmit")}</button>
      </Form>
      <p className="hint">{t("twoFactor.staffLostDevice")}</p>
      <Form method="post">
        <input type="hidden" name="intent" value="cancel" />
        <button type="submit" className="secondary">
          {t("common.cancel")}
        </button>
      </Form>
    </main>
  );
}
