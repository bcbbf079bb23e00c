import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { data, redirect } from "@remix-run/node";
import { Link, useActionData, useLoaderData, type ShouldRevalidateFunction } from "@remix-run/react";
import { getDb } from "../db.server";
import { challengeToken, clearChallengeCookie, createSession, getSessionStaff } from "../auth/session.server";
import { completeStaffEnrolment, staffEnrolmentView } from "../domain/two-factor/challenges.server";
import { secondFactorSchema } from "../domain/two-factor/schemas";
import { clientIp, formAction, parseForm, retryAfterHeaders } from "../lib/http.server";
import { qrDataUrl } from "../lib/qr.server";
import { useT } from "../i18n/react";
import { EnrolmentPanel, RecoveryCodesPanel } from "../components/two-factor";
import { backofficeRedirect } from "./backoffice_.login";

export const meta: MetaFunction = () => [{ title: "Back office · Partner Portal" }];

export const headers = retryAfterHeaders;

/**
 * S-3: staff must use two factors. A staff member who signed in with the password but has no
 * second factor yet enrols here before any back-office session exists.
 */
export async function loader({ request }: LoaderFunctionArgs) {
  const db = getDb();
  if (await getSessionStaff(db, request)) throw redirect("/backoffice");
  const view = await staffEnrolmentView(db, await challengeToken(request, "staff"));
  // Without a live sign-in the page says so (rather than redirecting): the page rendered right
  // after a successful confirmation, without JavaScript, is loaded with the used-up sign-in.
  if (!view) return { enrolment: null };
  return { enrolment: { email: view.principal.email, secret: view.secret, qr: await qrDataUrl(view.uri) } };
}

/** Once confirmed, the page keeps showing the codes instead of reloading (the sign-in is used up). */
export const shouldRevalidate: ShouldRevalidateFunction = ({ actionResult, defaultShouldRevalidate }) =>
  actionResult?.ok ? false : defaultShouldRevalidate;

export async function action({ request, context }: ActionFunctionArgs) {
  const form = await request.formData();
  const db = getDb();
  const ip = clientIp(request, context);
  const token = await challengeToken(request, "staff");
  return formAction(async () => {
    const { code } = parseForm(secondFactorSchema, form);
    const done = await completeStaffEnrolment(db, token, code, ip);
    const headers = new Headers();
    headers.append("Set-Cookie", await createSession(db, "staff", done.principal.id, { userAgent: request.headers.get("User-Agent"), ip, twoFactor: true }));
    headers.append("Set-Cookie", await clearChallengeCookie("staff"));
    return data({ ok: true as const, recoveryCodes: done.recoveryCodes, email: done.principal.email, continueTo: backofficeRedirect(done.redirectTo) }, { headers });
  });
}

export default function BackofficeTwoFactorSetup() {
  const { enrolment } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const t = useT();
  return (
    <main id="main" className="page narrow">
      <h1>{t("twoFactor.staffSetupTitle")}</h1>
      {result && result.ok ? (
        <>
          <div className="alert alert-ok" role="status">
            {t("twoFactor.enabledNotice")}
          </div>
          <RecoveryCodesPanel codes={result.recoveryCodes} account={result.email} continueTo={result.continueTo} />
        </>
      ) : enrolment ? (
        <>
          <p>{t("twoFactor.staffSetupIntro")}</p>
          <EnrolmentPanel qr={enrolment.qr} secret={enrolment.secret} errors={result && !result.ok ? result : null} />
        </>
      ) : (
        <p>
          {t("twoFactor.challengeGone")} <Link to="/backoffice/login">{t("twoFactor.startOver")}</Link>
        </p>
      )}
    </main>
  );
}
