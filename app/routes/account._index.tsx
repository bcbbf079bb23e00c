import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { redirect } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData } from "@remix-run/react";
import { requireUser } from "../auth/request.server";
import { getDb } from "../db.server";
import {
  accountProfile,
  changePassword,
  changePasswordSchema,
  endOtherSessions,
  listSessions,
  profileSchema,
  updateProfile,
} from "../domain/accounts/profile.server";
import { Invalid } from "../domain/errors";
import { twoFactorStatus } from "../domain/two-factor/two-factor.server";
import { formAction, parseForm } from "../lib/http.server";
import { LOCALES } from "../i18n/index";
import { useFormat, useT } from "../i18n/react";
import { NewPasswordFields } from "../components/account-fields";
import { Field, FormError, Notice } from "../components/form";
import { Pager } from "../components/pager";

export const meta: MetaFunction = () => [{ title: "My account · Partner Portal" }];

const notices: Record<string, string> = {
  profile: "account.profileSaved",
  password: "account.passwordChanged",
  sessions: "account.otherSessionsEnded",
  twoFactorOff: "twoFactor.disabledNotice",
};

export async function loader({ request, context }: LoaderFunctionArgs) {
  const ctx = await requireUser(request, context);
  const url = new URL(request.url);
  const db = getDb();
  const done = url.searchParams.get("done") ?? "";
  return {
    profile: await accountProfile(db, ctx.actor),
    sessions: await listSessions(db, ctx.actor, ctx.sessionId, Number(url.searchParams.get("page")) || 1),
    twoFactor: await twoFactorStatus(db, { kind: "user", id: ctx.user.id }),
    notice: notices[done] ?? null,
    ended: Number(url.searchParams.get("ended")) || 0,
  };
}

export async function action({ request, context }: ActionFunctionArgs) {
  const ctx = await requireUser(request, context);
  const form = await request.formData();
  const db = getDb();
  return formAction(async () => {
    switch (form.get("intent")) {
      case "profile":
        await updateProfile(db, ctx.actor, parseForm(profileSchema, form));
        return redirect("/account?done=profile");
      case "password":
        await changePassword(db, ctx.actor, ctx.sessionId, parseForm(changePasswordSchema, form));
        return redirect("/account?done=password");
      case "endOtherSessions": {
        const { endedSessions } = await endOtherSessions(db, ctx.actor, ctx.sessionId);
        return redirect(`/account?done=sessions&ended=${endedSessions}`);
      }
      default:
        throw new Invalid({ _form: "errors.invalid" });
    }
  });
}

export default function Account() {
  const { profile, sessions, notice, ended, twoFactor } = useLoaderData<typeof loader>();
  const errors = useActionData<typeof action>();
  const t = useT();
  const format = useFormat();
  // The session viewing this page is always one of them.
  const others = sessions.total - 1;
  return (
    <main id="main" className="page">
      <h1>{t("account.title")}</h1>
      <p>
        <Link to="/account/api-tokens">{t("apiTokens.link")}</Link>
      </p>
      {notice ? <Notice>{t(notice, { count: ended })}</Notice> : null}
      <FormError errors={errors} />

      <section className="card" aria-labelledby="profile-title">
        <h2 id="profile-title">{t("account.profileTitle")}</h2>
        <dl className="facts">
          <dt>{t("account.loginEmail")}</dt>
          <dd>{profile.email}</dd>
        </dl>
        <p className="hint">{t("account.loginEmailHint")}</p>
        <Form method="post" noValidate>
          <input type="hidden" name="intent" value="profile" />
          <Field name="name" label={t("account.name")} autoComplete="name" defaultValue={profile.name} required errors={errors} />
          <div className="field">
            <label htmlFor="f-locale">{t("account.language")}</label>
            <select id="f-locale" name="locale" defaultValue={profile.locale}>
              {LOCALES.map((l) => (
                <option key={l} value={l} lang={l}>
                  {t(`account.languages.${l}`)}
                </option>
              ))}
            </select>
            {errors?.fieldErrors?.locale ? (
              <p className="field-error" role="alert">
                {t(errors.fieldErrors.locale)}
              </p>
            ) : null}
          </div>
          <button type="submit">{t("account.saveProfile")}</button>
        </Form>
      </section>

      <section className="card" aria-labelledby="password-title">
        <h2 id="password-title">{t("account.passwordTitle")}</h2>
        <Form method="post" noValidate>
          <input type="hidden" name="intent" value="password" />
          <Field
            name="currentPassword"
            type="password"
            label={t("account.currentPassword")}
            autoComplete="current-password"
            required
            errors={errors}
          />
          <NewPasswordFields name="newPassword" errors={errors} />
          <button type="submit">{t("account.changePassword")}</button>
        </Form>
      </section>

      <section className="card" aria-labelledby="two-factor-title">
        <h2 id="two-factor-title">{t("twoFactor.title")}</h2>
        {twoFactor.enabled ? (
          <>
            <p data-testid="two-factor-status">{t("twoFactor.statusOn")}</p>
            <p data-testid="codes-left">{t("twoFactor.codesLeft", { count: twoFactor.codesLeft })}</p>
            <p>
              <Link to="/account/two-factor">{t("twoFactor.manageLink")}</Link>
            </p>
          </>
        ) : (
          <>
            <p data-testid="two-factor-status">{t("twoFactor.statusOff")}</p>
            <p className="hint">{t("twoFactor.offIntro")}</p>
            <p>
              <Link to="/account/two-factor">{t("twoFactor.setupLink")}</Link>
            </p>
          </>
        )}
      </section>

      <section className="card" aria-labelledby="sessions-title">
        <h2 id="sessions-title">{t("account.sessionsTitle")}</h2>
        <p className="hint">{t("account.sessionsIntro")}</p>
        <table>
          <thead>
            <tr>
              <th scope="col">{t("account.sessionDevice")}</th>
              <th scope="col">{t("account.sessionIp")}</th>
              <th scope="col">{t("account.sessionCreated")}</th>
              <th scope="col">{t("account.sessionExpires")}</th>
            </tr>
          </thead>
          <tbody>
            {sessions.sessions.map((s) => (
              <tr key={s.id} data-testid="session">
                <td>
                  {s.userAgent || t("account.unknownDevice")}
                  {s.current ? (
                    <>
                      {" "}
                      <span className="badge">{t("account.thisSession")}</span>
                    </>
                  ) : null}
                </td>
                <td>{s.ip ?? "–"}</td>
                <td>{format.dateTime(s.createdAt)}</td>
                <td>{format.dateTime(s.expiresAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
        <Pager page={sessions.page} pages={sessions.pages} label={t("account.sessionsTitle")} />
        {others > 0 ? (
          <Form method="post">
            <input type="hidden" name="intent" value="endOtherSessions" />
            <p>
              <button type="submit" className="secondary">
                {t("account.endOtherSessions")}
              </button>
            </p>
          </Form>
        ) : (
          <p className="empty">{t("account.noOtherSessions")}</p>
        )}
      </section>
    </main>
  );
}
