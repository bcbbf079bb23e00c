import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { redirect } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useRevalidator, useSubmit } from "@remix-run/react";
import { useEffect, useRef } from "react";
import { z } from "zod";
import { getDb } from "../db.server";
import { optionalUser } from "../auth/request.server";
import { challengeToken, clearChallengeCookie, createSession, safeRedirect } from "../auth/session.server";
import {
  challengeView,
  completeWithApproval,
  completeWithCode,
  dropChallenge,
  requestApproval,
  type SignedIn,
} from "../domain/two-factor/challenges.server";
import { IDENTITY_CHECK_PATH, secondFactorSchema } from "../domain/two-factor/schemas";
import { clientIp, formAction, parseForm, retryAfterHeaders } from "../lib/http.server";
import { useT } from "../i18n/react";
import { FormError } from "../components/form";
import { SecondFactorField } from "../components/two-factor";

export const meta: MetaFunction = () => [{ title: "Second factor · Partner Portal" }];

export const headers = retryAfterHeaders;

export async function loader({ request }: LoaderFunctionArgs) {
  if (await optionalUser(request)) throw redirect("/");
  const view = await challengeView(getDb(), await challengeToken(request, "user"), "user", "verify");
  if (!view) throw redirect("/login");
  return { state: view.state, canAskApproval: view.canAskApproval, identityCheckPath: IDENTITY_CHECK_PATH };
}

const intentSchema = z.object({ intent: z.enum(["code", "askApproval", "useApproval", "cancel"], { message: "errors.invalid" }) });

/** S-3: the session exists only now, marked as having passed two factors. */
async function signInResponse(request: Request, ip: string, signed: SignedIn) {
  const headers = new Headers();
  headers.append(
    "Set-Cookie",
    await createSession(getDb(), "user", signed.principal.id, { userAgent: request.headers.get("User-Agent"), ip, twoFactor: true }),
  );
  headers.append("Set-Cookie", await clearChallengeCookie("user"));
  return redirect(safeRedirect(signed.redirectTo, "/"), { headers });
}

export async function action({ request, context }: ActionFunctionArgs) {
  const form = await request.formData();
  const db = getDb();
  const ip = clientIp(request, context);
  const token = await challengeToken(request, "user");
  return formAction(async () => {
    const { intent } = parseForm(intentSchema, form);
    switch (intent) {
      case "code":
        return signInResponse(request, ip, await completeWithCode(db, token, "user", parseForm(secondFactorSchema, form).code, ip));
      case "askApproval":
        await requestApproval(db, token, ip);
        return redirect("/login/second-factor");
      case "useApproval":
        return signInResponse(request, ip, await completeWithApproval(db, token, ip));
      case "cancel":
        await dropChallenge(db, token);
        return redirect("/login", { headers: { "Set-Cookie": await clearChallengeCookie("user") } });
    }
  });
}

export default function SecondFactor() {
  const { state, canAskApproval, identityCheckPath } = useLoaderData<typeof loader>();
  const errors = useActionData<typeof action>();
  const t = useT();
  return (
    <main id="main" className="page narrow">
      <h1>{t("twoFactor.signInTitle")}</h1>
      {state === "refused" ? (
        <>
          <div className="alert alert-error" role="alert">
            {t("twoFactor.approvalRefusedHere")}
          </div>
          <CancelForm label={t("twoFactor.startOver")} />
        </>
      ) : (
        <>
          <p>{t("twoFactor.signInIntro")}</p>
          <Form method="post" noValidate>
            <FormError errors={errors} />
            <input type="hidden" name="intent" value="code" />
            <SecondFactorField errors={errors} />
            <button type="submit">{t("twoFactor.verifySubmit")}</button>
          </Form>
          <ApprovalSection state={state} canAsk={canAskApproval} />
          <p className="hint">
            {t("twoFactor.lostDevice")} <Link to={identityCheckPath}>{t("twoFactor.askIdentityCheck")}</Link>
          </p>
          <CancelForm label={t("common.cancel")} />
        </>
      )}
    </main>
  );
}

function CancelForm({ label }: { label: string }) {
  return (
    <Form method="post">
      <input type="hidden" name="intent" value="cancel" />
      <button type="submit" className="secondary">
        {label}
      </button>
    </Form>
  );
}

/**
 * S-3: the approval prompt on a trusted device. While waiting, the page asks again every
 * 3 seconds (with JavaScript) and signs in by itself once approved; without JavaScript the
 * "continue" button does the same.
 */
function ApprovalSection({ state, canAsk }: { state: string; canAsk: boolean }) {
  const t = useT();
  const revalidator = useRevalidator();
  const submit = useSubmit();
  const submitted = useRef(false);
  useEffect(() => {
    if (state !== "approval_pending") return;
    const timer = setInterval(() => {
      if (revalidator.state === "idle") revalidator.revalidate();
    }, 3000);
    return () => clearInterval(timer);
  }, [state, revalidator]);
  useEffect(() => {
    if (state === "approved" && !submitted.current) {
      submitted.current = true;
      submit({ intent: "useApproval" }, { method: "post" });
    }
  }, [state, submit]);

  if (state === "approval_pending" || state === "approved") {
    return (
      <section className="card approval-offer" aria-live="polite" data-testid="approval-waiting">
        <p>{state === "approved" ? t("twoFactor.approvalGranted") : t("twoFactor.approvalWaiting")}</p>
        <Form method="post">
          <input type="hidden" name="intent" value="useApproval" />
          <button type="submit" className="secondary">
            {t("twoFactor.approvalContinue")}
          </button>
        </Form>
      </section>
    );
  }
  if (!canAsk) return null;
  return (
    <section className="card approval-offer">
      {state === "approval_expired" ? <p className="hint">{t("twoFactor.approvalExpiredHere")}</p> : null}
      <p>{t("twoFactor.approvalOffer")}</p>
      <Form method="post">
        <input type="hidden" name="intent" value="askApproval" />
        <button type="submit" className="secondary">
          {t("twoFactor.approvalAsk")}
        </button>
      </Form>
    </section>
  );
}
