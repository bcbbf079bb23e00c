import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { data, redirect } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useSearchParams } from "@remix-run/react";
import { z } from "zod";
import { optionalUser, requireUser } from "../auth/request.server";
import { createSession } from "../auth/session.server";
import { NewPasswordField } from "../components/account-fields";
import { ConfirmForm, Field, FormError, Notice } from "../components/form";
import { getDb } from "../db.server";
import {
  acceptInvitation,
  acceptInvitationWithNewAccount,
  declineInvitation,
  invitationForToken,
  newAccountSchema,
  type InvitationView,
} from "../domain/orgs/invitations.server";
import { useFormat, useLocale, useT } from "../i18n/react";
import { clientIp, formAction, parseForm, type FormFailure } from "../lib/http.server";

export const meta: MetaFunction = () => [{ title: "Invitation · Partner Portal" }];

const closedStatus = { invalid: 404, used: 410, revoked: 410, expired: 410 } as const;

export async function loader({ request, params }: LoaderFunctionArgs) {
  const user = await optionalUser(request);
  const view = await invitationForToken(getDb(), params.token ?? "", user ? { userId: user.id, email: user.email } : null);
  return data({ ...view, token: params.token ?? "" }, { status: view.state === "open" ? 200 : closedStatus[view.state] });
}

const schema = z.discriminatedUnion("intent", [
  z.object({ intent: z.literal("accept") }),
  z.object({ intent: z.literal("decline"), confirm: z.literal("yes").optional() }),
  z.object({ intent: z.literal("create") }),
]);

export async function action({ request, context, params }: ActionFunctionArgs) {
  const token = params.token ?? "";
  const form = await request.formData();
  const db = getDb();
  const ip = clientIp(request, context);
  return formAction(async () => {
    const input = parseForm(schema, { intent: form.get("intent"), confirm: form.get("confirm") ?? undefined });
    if (input.intent === "accept") {
      // O-2: joins with the account that is signed in (sign-in comes back here).
      const ctx = await requireUser(request, context);
      const { orgId } = await acceptInvitation(db, ctx.actor, token);
      return redirect(`/orgs/${orgId}`);
    }
    if (input.intent === "decline") {
      if (input.confirm !== "yes") return { ok: true as const, confirmDecline: true };
      const user = await optionalUser(request);
      const actor = user ? (await requireUser(request, context)).actor : { kind: "anonymous" as const, ip };
      await declineInvitation(db, actor, token);
      return redirect(`/invitations/${encodeURIComponent(token)}?declined=1`);
    }
    const account = parseForm(newAccountSchema, {
      name: form.get("name") ?? "",
      password: form.get("password") ?? "",
      locale: form.get("locale") ?? "",
    });
    const user = await optionalUser(request);
    const { userId, orgId } = await acceptInvitationWithNewAccount(db, token, account, {
      viewer: user ? { userId: user.id, email: user.email } : null,
      ip,
    });
    const cookie = await createSession(db, "user", userId, { userAgent: request.headers.get("User-Agent"), ip });
    return redirect(`/orgs/${orgId}`, { headers: { "Set-Cookie": cookie } });
  });
}

export default function InvitationPage() {
  const view = useLoaderData() as InvitationView & { token: string };
  const result = useActionData() as FormFailure | { ok: true; confirmDecline: true } | undefined;
  const [params] = useSearchParams();
  const t = useT();
  const format = useFormat();
  const locale = useLocale();
  const failure = result && !result.ok ? result : null;

  if (view.state !== "open") {
    const message = {
      invalid: "members.invitationInvalid",
      used: "members.invitationUsed",
      revoked: params.get("declined") ? "members.declined" : "members.invitationRevoked",
      expired: "members.invitationExpired",
    }[view.state];
    return (
      <main id="main" className="page narrow">
        <h1>{t("members.invitationInvalidTitle")}</h1>
        {params.get("declined") && view.state === "revoked" ? <Notice>{t(message)}</Notice> : <p role="alert">{t(message)}</p>}
        <p>
          <Link to="/">{t("common.back")}</Link>
        </p>
      </main>
    );
  }

  const vars = { org: view.orgName, email: view.email, role: t(`roles.${view.role}`), inviter: view.inviterName ?? "" };
  const declineForm = (
    <Form method="post">
      <input type="hidden" name="intent" value="decline" />
      <button type="submit" className="secondary">
        {t("members.decline")}
      </button>
    </Form>
  );

  return (
    <main id="main" className="page narrow">
      <h1>{t("members.invitationTitle", { org: view.orgName })}</h1>
      <p>{view.inviterName ? t("members.invitationFrom", vars) : t("members.invitationFromOrg", vars)}</p>
      <p className="hint">{t("members.invitationValidUntil", { date: format.date(view.expiresAt) })}</p>
      <FormError errors={failure} />

      {result && "confirmDecline" in result ? (
        <section aria-labelledby="decline-title" className="card">
          <h2 id="decline-title">{t("members.confirmDecline")}</h2>
          <ConfirmForm intent="decline" button={t("members.confirmDeclineButton")} cancelTo={`/invitations/${view.token}`} />
        </section>
      ) : null}

      {view.next === "signIn" ? (
        <>
          <p>{t("members.invitationSignInText", vars)}</p>
          <p>
            <Link className="button" to={`/login?redirectTo=${encodeURIComponent(`/invitations/${view.token}`)}`}>
              {t("members.invitationSignInLink")}
            </Link>
          </p>
        </>
      ) : null}

      {view.next === "accept" ? (
        <div className="toolbar">
          <Form method="post">
            <input type="hidden" name="intent" value="accept" />
            <button type="submit">{t("members.accept")}</button>
          </Form>
          {declineForm}
        </div>
      ) : null}

      {view.next === "wrongAccount" ? (
        <>
          <p role="alert">{t("members.invitationSignedInAs", { ...vars, viewer: view.viewerEmail ?? "" })}</p>
          <Form method="post" action="/logout">
            <button type="submit" className="secondary">
              {t("nav.signOut")}
            </button>
          </Form>
        </>
      ) : null}

      {view.next === "createAccount" ? (
        <>
          <p>{t("members.createAccountIntro", vars)}</p>
          <Form method="post" noValidate>
            <input type="hidden" name="intent" value="create" />
            <input type="hidden" name="locale" value={locale} />
            <div className="field">
              <label htmlFor="invited-email">{t("auth.email")}</label>
              <input id="invited-email" type="email" value={view.email} readOnly autoComplete="username" />
            </div>
            <Field name="name" label={t("auth.name")} autoComplete="name" required errors={failure} autoFocus />
            <NewPasswordField name="password" label={t("auth.password")} errors={failure} />
            <button type="submit">{t("members.createAccount")}</button>
          </Form>
          {declineForm}
        </>
      ) : null}
    </main>
  );
}
