import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { redirect } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData } from "@remix-run/react";
import { z } from "zod";
import { requireUser } from "../auth/request.server";
import { getDb } from "../db.server";
import {
  confirmEnrolment,
  disableTwoFactor,
  pendingEnrolment,
  principalOf,
  regenerateRecoveryCodes,
  startEnrolment,
  twoFactorStatus,
} from "../domain/two-factor/two-factor.server";
import { disableTwoFactorSchema, IDENTITY_CHECK_PATH, passwordOnlySchema, secondFactorSchema } from "../domain/two-factor/schemas";
import { clientIp, formAction, parseForm, retryAfterHeaders } from "../lib/http.server";
import { qrDataUrl } from "../lib/qr.server";
import { useFormat, useT } from "../i18n/react";
import { Field, FormError } from "../components/form";
import { EnrolmentPanel, RecoveryCodesPanel, SecondFactorField } from "../components/two-factor";

export const meta: MetaFunction = () => [{ title: "Two-factor authentication · Partner Portal" }];

export const headers = retryAfterHeaders;

export async function loader({ request, context }: LoaderFunctionArgs) {
  const ctx = await requireUser(request, context);
  const db = getDb();
  const me = await principalOf(db, "user", ctx.user.id);
  const status = await twoFactorStatus(db, me);
  const pending = status.enrolling ? await pendingEnrolment(db, me) : null;
  return {
    email: me.email,
    status,
    enrolment: pending ? { secret: pending.secret, qr: await qrDataUrl(pending.uri) } : null,
    identityCheckPath: IDENTITY_CHECK_PATH,
    step: new URL(request.url).searchParams.get("do"),
  };
}

const intentSchema = z.object({ intent: z.enum(["start", "confirm", "regenerate", "disable"], { message: "errors.invalid" }) });

export async function action({ request, context }: ActionFunctionArgs) {
  const ctx = await requireUser(request, context);
  const form = await request.formData();
  const db = getDb();
  const ip = clientIp(request, context);
  return formAction(async () => {
    const { intent } = parseForm(intentSchema, form);
    const me = await principalOf(db, "user", ctx.user.id);
    switch (intent) {
      case "start":
        await startEnrolment(db, me);
        return redirect("/account/two-factor");
      case "confirm": {
        const { code } = parseForm(secondFactorSchema, form);
        const { recoveryCodes } = await confirmEnrolment(db, me, code, { ip, sessionId: ctx.sessionId });
        return { ok: true as const, recoveryCodes, notice: "twoFactor.enabledNotice" };
      }
      case "regenerate": {
        const { recoveryCodes } = await regenerateRecoveryCodes(db, me, parseForm(passwordOnlySchema, form), ip);
        return { ok: true as const, recoveryCodes, notice: "twoFactor.regeneratedNotice" };
      }
      case "disable":
        await disableTwoFactor(db, me, parseForm(disableTwoFactorSchema, form), ip);
        return redirect("/account?done=twoFactorOff");
    }
  });
}

export default function TwoFactorSettings() {
  const { email, status, enrolment, identityCheckPath, step } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const errors = result && !result.ok ? result : null;
  const codes = result && result.ok ? result.recoveryCodes : null;
  const t = useT();
  const format = useFormat();
  return (
    <main id="main" className="page">
      <h1>{t("twoFactor.title")}</h1>
      <p>
        <Link to="/account">{t("twoFactor.backToAccount")}</Link>
      </p>
      {codes && result?.ok ? (
        <>
          <div className="alert alert-ok" role="status">
            {t(result.notice)}
          </div>
          <RecoveryCodesPanel codes={codes} account={email} continueTo="/account" />
        </>
      ) : status.enabled ? (
        <>
          <section className="card" aria-labelledby="status-title">
            <h2 id="status-title">{t("twoFactor.statusOn")}</h2>
            <p data-testid="two-factor-status">{t("twoFactor.enabledSince", { date: format.dateTime(status.enabledAt!) })}</p>
            <p data-testid="codes-left">{t("twoFactor.codesLeft", { count: status.codesLeft })}</p>
          </section>
          {step === "regenerate" ? (
            <section className="card" aria-labelledby="regen-title">
              <h2 id="regen-title">{t("twoFactor.regenerateTitle")}</h2>
              <p className="hint">{t("twoFactor.regenerateIntro")}</p>
              <Form method="post" action="/account/two-factor?do=regenerate" noValidate>
                <FormError errors={errors} />
                <input type="hidden" name="intent" value="regenerate" />
                <Field name="password" type="password" label={t("account.currentPassword")} autoComplete="current-password" required errors={errors} />
                <div className="toolbar">
                  <button type="submit">{t("twoFactor.regenerateSubmit")}</button>
                  <Link to="/account/two-factor">{t("common.cancel")}</Link>
                </div>
              </Form>
            </section>
          ) : step === "disable" ? (
            <section className="card" aria-labelledby="disable-title">
              <h2 id="disable-title">{t("twoFactor.disableTitle")}</h2>
              <p className="hint">{t("twoFactor.disableIntro")}</p>
              <Form method="post" action="/account/two-factor?do=disable" noValidate>
                <FormError errors={errors} />
                <input type="hidden" name="intent" value="disable" />
                <Field name="password" type="password" label={t("account.currentPassword")} autoComplete="current-password" required errors={errors} />
                <SecondFactorField errors={errors} />
                <div className="toolbar">
                  <button type="submit" className="danger">
                    {t("twoFactor.disableSubmit")}
                  </button>
                  <Link to="/account/two-factor">{t("common.cancel")}</Link>
                </div>
              </Form>
              <p className="hint">
                {t("twoFactor.lostDevice")} <Link to={identityCheckPath}>{t("twoFactor.askIdentityCheck")}</Link>
              </p>
            </section>
          ) : (
            <ul className="toolbar" aria-label={t("twoFactor.title")}>
              <li>
                <Link to="/account/two-factor?do=regenerate">{t("twoFactor.regenerateTitle")}</Link>
              </li>
              <li>
                <Link to="/account/two-factor?do=disable">{t("twoFactor.disableTitle")}</Link>
              </li>
            </ul>
          )}
        </>
      ) : enrolment ? (
        <section className="card" aria-labelledby="setup-title">
          <h2 id="setup-title">{t("twoFactor.setupTitle")}</h2>
          <EnrolmentPanel qr={enrolment.qr} secret={enrolment.secret} errors={errors} />
        </section>
      ) : (
        <section className="card" aria-labelledby="off-title">
          <h2 id="off-title">{t("twoFactor.statusOff")}</h2>
          <p>{t("twoFactor.offIntro")}</p>
          <Form method="post">
            <FormError errors={errors} />
            <input type="hidden" name="intent" value="start" />
            <button type="submit">{t("twoFactor.startSubmit")}</button>
          </Form>
        </section>
      )}
    </main>
  );
}
