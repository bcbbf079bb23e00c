import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { data, redirect } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData } from "@remix-run/react";
import { z } from "zod";
import { optionalUser, requireUser } from "../auth/request.server";
import { createSession } from "../auth/session.server";
import { NewPasswordField } from "../components/account-fields";
import { Field, FormError } from "../components/form";
import { getDb } from "../db.server";
import { acceptCreation, acceptCreationWithNewAccount, creationForToken, newAccountSchema, type CreationView } from "../domain/clients/creations.server";
import { useFormat, useT } from "../i18n/react";
import { clientIp, formAction, parseForm, type FormFailure } from "../lib/http.server";

// C-1: the person a partner named as the legal representative of a new client organization
// accepts here (signing in, or creating their account); the organization is created then.
export const meta: MetaFunction = () => [{ title: "Invitation · Partner Portal" }];

const closedStatus = { invalid: 404, used: 410, revoked: 410, expired: 410 } as const;

export async function loader({ request, params }: LoaderFunctionArgs) {
  const user = await optionalUser(request);
  const view = await creationForToken(getDb(), params.token ?? "", user ? { userId: user.id, email: user.email } : null);
  return data({ ...view, token: params.token ?? "" }, { status: view.state === "open" ? 200 : closedStatus[view.state] });
}

const schema = z.object({ intent: z.enum(["accept", "create"], { message: "errors.invalid" }) });

export async function action({ request, context, params }: ActionFunctionArgs) {
  const token = params.token ?? "";
  const form = await request.formData();
  const db = getDb();
  const ip = clientIp(request, context);
  return formAction(async () => {
    const { intent } = parseForm(schema, { intent: form.get("intent") });
    if (intent === "accept") {
      const ctx = await requireUser(request, context);
      const { orgId } = await acceptCreation(db, ctx.actor, token);
      return redirect(`/orgs/${orgId}`);
    }
    const account = parseForm(newAccountSchema, { name: form.get("name") ?? "", password: form.get("password") ?? "", locale: form.get("locale") ?? "" });
    const user = await optionalUser(request);
    const { userId, orgId } = await acceptCreationWithNewAccount(db, token, account, { viewer: user ? { userId: user.id, email: user.email } : null, ip });
    const cookie = await createSession(db, "user", userId, { userAgent: request.headers.get("User-Agent"), ip });
    return redirect(`/orgs/${orgId}`, { headers: { "Set-Cookie": cookie } });
  });
}

export default function ClientInvitationPage() {
  const view = useLoaderData() as CreationView & { token: string };
  const failure = useActionData() as FormFailure | undefined;
  const t = useT();
  const format = useFormat();

  if (view.state !== "open") {
    return (
      <main id="main" className="page narrow">
        <h1>{t("clients.creation.closedTitle")}</h1>
        <p role="alert">{t(`clients.creation.${view.state}`)}</p>
        <p>
          <Link to="/">{t("common.back")}</Link>
        </p>
      </main>
    );
  }

  const vars = {
    partner: view.partnerName,
    org: view.orgName,
    email: view.email,
    access: t(view.billing ? "clients.access.fullBilling" : "clients.access.full"),
    viewer: view.viewerEmail ?? "",
  };
  return (
    <main id="main" className="page narrow">
      <h1>{t("clients.creation.pageTitle", vars)}</h1>
      <p>{t("clients.creation.explain", vars)}</p>
      <p className="hint">{t("clients.creation.validUntil", { date: format.date(view.expiresAt) })}</p>
      <FormError errors={failure} />

      {view.next === "signIn" ? (
        <>
          <p>{t("clients.creation.signInText", vars)}</p>
          <p>
            <Link className="button" to={`/login?redirectTo=${encodeURIComponent(`/client-invitations/${view.token}`)}`}>
              {t("clients.creation.signIn")}
            </Link>
          </p>
        </>
      ) : null}

      {view.next === "accept" ? (
        <Form method="post">
          <input type="hidden" name="intent" value="accept" />
          <button type="submit">{t("clients.creation.accept")}</button>
        </Form>
      ) : null}

      {view.next === "wrongAccount" ? (
        <>
          <p role="alert">{t("clients.creation.signedInAs", vars)}</p>
          <Form method="post" action="/logout">
            <button type="submit" className="secondary">
              {t("nav.signOut")}
            </button>
          </Form>
        </>
      ) : null}

      {view.next === "createAccount" ? (
        <>
          <p>{t("clients.creation.createAccountIntro", vars)}</p>
          <Form method="post" noValidate>
            <input type="hidden" name="intent" value="create" />
            <input type="hidden" name="locale" value={view.locale} />
            <div className="field">
              <label htmlFor="invited-email">{t("auth.email")}</label>
              <input id="invited-email" type="email" value={view.email} readOnly autoComplete="username" />
            </div>
            <Field name="name" label={t("auth.name")} autoComplete="name" required errors={failure} autoFocus defaultValue={view.repName} />
            <NewPasswordField name="password" label={t("auth.password")} errors={failure} />
            <button type="submit">{t("clients.creation.createAccount")}</button>
          </Form>
        </>
      ) : null}
    </main>
  );
}
