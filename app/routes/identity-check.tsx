import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { redirect } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData } from "@remix-run/react";
import { getDb } from "../db.server";
import { userContextOf } from "../auth/request.server";
import { challengeToken } from "../auth/session.server";
import { lostFactorAccount, lostFactorRequestSchema, lostFactorState, requestLostFactorCheck } from "../domain/security/lost-factor.server";
import { IDENTITY_CHECK_PATH } from "../domain/two-factor/schemas";
import { clientIp, formAction, parseForm, retryAfterHeaders } from "../lib/http.server";
import { useFormat, useT } from "../i18n/react";
import { ConfirmCheckbox, FormError, Notice } from "../components/form";

export const meta: MetaFunction = () => [{ title: "Identity check · Partner Portal" }, { name: "robots", content: "noindex" }];

export const headers = retryAfterHeaders;

// S-3, S-5: "I lost my second factor". Reached from the second-factor step of a sign-in (the
// password was right) or from the account's security page; the account comes from those
// cookies only. Asking mails a one-time link for the identity documents.
async function accountOf(request: Request): Promise<string | null> {
  if (new URL(request.url).searchParams.get("reason") !== "two_factor_off") throw new Response("Not Found", { status: 404 });
  const session = await userContextOf(request);
  return lostFactorAccount(getDb(), { sessionUserId: session?.user.id ?? null, challengeToken: await challengeToken(request, "user") });
}

export async function loader({ request }: LoaderFunctionArgs) {
  const userId = await accountOf(request);
  if (!userId) throw redirect("/login");
  const signedIn = !!(await userContextOf(request));
  return { state: await lostFactorState(getDb(), userId), backTo: signedIn ? "/account/two-factor" : "/login/second-factor" };
}

export async function action({ request, context }: ActionFunctionArgs) {
  const form = await request.formData();
  const userId = await accountOf(request);
  if (!userId) throw redirect("/login");
  return formAction(async () => {
    parseForm(lostFactorRequestSchema, form);
    await requestLostFactorCheck(getDb(), userId, clientIp(request, context));
    return redirect(IDENTITY_CHECK_PATH);
  });
}

export default function LostFactor() {
  const { state, backTo } = useLoaderData<typeof loader>();
  const errors = useActionData<typeof action>();
  const t = useT();
  const f = useFormat();
  return (
    <main id="main" className="page narrow">
      <h1>{t("lostFactor.title")}</h1>
      <FormError errors={errors} />
      {state.kind === "off" ? <p>{t("lostFactor.off")}</p> : null}
      {state.kind === "under_review" ? <Notice>{t("lostFactor.underReview")}</Notice> : null}
      {state.kind === "link_sent" ? <Notice>{t("lostFactor.linkSent", { email: state.email, until: f.dateTime(state.linkExpiresAt) })}</Notice> : null}
      {state.kind === "can_request" ? (
        <>
          <p>{t("lostFactor.intro", { email: state.email })}</p>
          <Form method="post" noValidate>
            <ConfirmCheckbox label={t("lostFactor.confirm")} errors={errors} />
            <button type="submit">{t("lostFactor.submit")}</button>
          </Form>
        </>
      ) : null}
      <p>
        <Link to={backTo}>{t("lostFactor.back")}</Link>
      </p>
    </main>
  );
}
