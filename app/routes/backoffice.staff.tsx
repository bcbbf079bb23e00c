import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { redirect } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useSearchParams } from "@remix-run/react";
import { z } from "zod";
import { requireStaff } from "../auth/request.server";
import { getDb } from "../db.server";
import {
  createStaffAccount,
  createStaffSchema,
  disableStaffAccount,
  disableStaffSchema,
  staffAccount,
  staffAccountsPage,
} from "../domain/staff/accounts.server";
import { resetStaffTwoFactor } from "../domain/two-factor/two-factor.server";
import { resetTwoFactorSchema } from "../domain/two-factor/schemas";
import { STAFF_ROLES } from "../domain/staff/roles";
import { Invalid } from "../domain/errors";
import { formAction, guard, parseForm } from "../lib/http.server";
import { useFormat, useT } from "../i18n/react";
import { Field, FormError, Notice, type FormErrors } from "../components/form";
import { Pager } from "../components/pager";

export async function loader({ request, context }: LoaderFunctionArgs) {
  const { actor, ability } = await requireStaff(request, context);
  const url = new URL(request.url);
  return guard(async () => {
    const page = await staffAccountsPage(getDb(), { actor, ability }, { page: Number(url.searchParams.get("page") ?? 1), confirmDisable: url.searchParams.get("disable") });
    // S-3: resetting the second factor of a staff member who lost it (administrators only).
    const resetId = url.searchParams.get("reset2fa");
    const confirmReset = resetId && page.canManage && resetId !== actor.staffId ? await staffAccount(getDb(), ability, resetId) : null;
    return { ...page, confirmReset };
  });
}

const intentSchema = z.object({ intent: z.enum(["create", "disable", "resetTwoFactor"], { message: "errors.invalid" }) });

export async function action({ request, context }: ActionFunctionArgs) {
  const acting = await requireStaff(request, context);
  const form = await request.formData();
  return formAction(async () => {
    const { intent } = parseForm(intentSchema, form);
    if (intent === "create") {
      await createStaffAccount(getDb(), acting, parseForm(createStaffSchema, form));
      return redirect("/backoffice/staff?created=1");
    }
    if (intent === "disable") {
      const input = parseForm(disableStaffSchema, form);
      await disableStaffAccount(getDb(), acting, input.staffId);
      return redirect("/backoffice/staff?disabled=1");
    }
    if (intent === "resetTwoFactor") {
      const input = parseForm(resetTwoFactorSchema, form);
      await resetStaffTwoFactor(getDb(), acting, input.staffId);
      return redirect("/backoffice/staff?reset=1");
    }
    throw new Invalid({ _form: "errors.invalid" });
  });
}

export default function StaffAccounts() {
  const data = useLoaderData<typeof loader>();
  const errors = useActionData<typeof action>();
  const [params] = useSearchParams();
  const t = useT();
  const format = useFormat();
  const target = data.confirmDisable;
  return (
    <>
      <h1>{t("backoffice.staff.title")}</h1>
      {params.get("created") ? <Notice>{t("backoffice.staff.created")}</Notice> : null}
      {params.get("disabled") ? <Notice>{t("backoffice.staff.disabled")}</Notice> : null}
      {params.get("reset") ? <Notice>{t("twoFactor.resetDone")}</Notice> : null}
      {data.confirmReset && !data.confirmReset.disabled ? (
        <section className="card" aria-labelledby="reset-title">
          <h2 id="reset-title">{t("twoFactor.resetTitle", { name: data.confirmReset.name })}</h2>
          <p>{t("twoFactor.resetExplain", { email: data.confirmReset.email })}</p>
          <StaffConfirmForm query="reset2fa" intent="resetTwoFactor" staffId={data.confirmReset.id} errors={errors} label={t("twoFactor.resetConfirm")} submit={t("twoFactor.resetSubmit")} />
        </section>
      ) : null}
      {!data.canManage ? <p className="hint">{t("backoffice.staff.readOnly")}</p> : null}

      {target && !target.disabled ? (
        <section className="card" aria-labelledby="disable-title">
          <h2 id="disable-title">{t("backoffice.staff.disableTitle", { name: target.name })}</h2>
          <p>{t("backoffice.staff.disableExplain", { name: target.name, email: target.email })}</p>
          <StaffConfirmForm query="disable" intent="disable" staffId={target.id} errors={errors} label={t("backoffice.staff.confirmLabel")} submit={t("backoffice.staff.submitDisable")} />
        </section>
      ) : (
        <FormError errors={errors} />
      )}

      {data.accounts.length === 0 ? (
        <p className="empty">{t("backoffice.staff.empty")}</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th scope="col">{t("backoffice.staff.name")}</th>
              <th scope="col">{t("backoffice.staff.email")}</th>
              <th scope="col">{t("backoffice.staff.role")}</th>
              <th scope="col">{t("backoffice.staff.status")}</th>
              {data.canManage ? <th scope="col">{t("common.actions")}</th> : null}
            </tr>
          </thead>
          <tbody>
            {data.accounts.map((a: (typeof data.accounts)[number]) => (
              <tr key={a.id} data-testid={`staff-${a.email}`}>
                <td>
                  {a.name} {a.id === data.selfId ? t("backoffice.staff.you") : null}
                </td>
                <td>{a.email}</td>
                <td>{t(`backoffice.role.${a.role}`)}</td>
                <td>{a.disabledAt ? t("backoffice.staff.disabledSince", { date: format.date(a.disabledAt) }) : t("backoffice.staff.active")}</td>
                {data.canManage ? (
                  <td>
                    {!a.disabledAt && a.id !== data.selfId ? (
                      <>
                        <Link to={`/backoffice/staff?disable=${a.id}`}>{t("backoffice.staff.disable", { name: a.name })}</Link>{" "}
                        <Link to={`/backoffice/staff?reset2fa=${a.id}`}>{t("twoFactor.resetLink", { name: a.name })}</Link>
                      </>
                    ) : null}
                  </td>
                ) : null}
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <Pager page={data.page} pages={data.pages} keepQuery={false} label={t("common.page", { page: data.page, pages: data.pages })} />

      {data.canManage ? (
        <section aria-labelledby="create-title">
          <h2 id="create-title">{t("backoffice.staff.createTitle")}</h2>
          <Form method="post" action="/backoffice/staff" noValidate>
            <input type="hidden" name="intent" value="create" />
            <Field name="name" label={t("backoffice.staff.name")} required errors={errors} maxLength={200} />
            <Field name="email" type="email" label={t("backoffice.staff.email")} required errors={errors} autoComplete="off" />
            <div className="field">
              <label htmlFor="f-role">{t("backoffice.staff.role")}</label>
              <select id="f-role" name="role" defaultValue="support_agent">
                {STAFF_ROLES.map((r) => (
                  <option key={r} value={r}>
                    {t(`backoffice.role.${r}`)}
                  </option>
                ))}
              </select>
              {errors?.fieldErrors?.role ? (
                <p className="field-error" role="alert">
                  {t(errors.fieldErrors.role)}
                </p>
              ) : null}
            </div>
            <Field
              name="password"
              type="password"
              label={t("backoffice.staff.password")}
              hint={t("backoffice.staff.passwordHint")}
              required
              errors={errors}
              autoComplete="new-password"
            />
            <button type="submit">{t("backoffice.staff.submitCreate")}</button>
          </Form>
        </section>
      ) : null}
    </>
  );
}

/** A staff account action confirmed by a required checkbox (disabling, resetting the 2FA). */
function StaffConfirmForm(props: { query: string; intent: string; staffId: string; errors?: FormErrors | null; label: string; submit: string }) {
  const t = useT();
  const { errors } = props;
  return (
    <Form method="post" action={`/backoffice/staff?${props.query}=${props.staffId}`}>
      <FormError errors={errors} />
      <input type="hidden" name="intent" value={props.intent} />
      <input type="hidden" name="staffId" value={props.staffId} />
      <div className="field">
        <label>
          <input type="checkbox" name="confirm" required /> {props.label}
        </label>
        {errors?.fieldErrors?.confirm ? (
          <p className="field-error" role="alert">
            {t(errors.fieldErrors.confirm)}
          </p>
        ) : null}
      </div>
      <div className="toolbar">
        <button type="submit" className="danger">
          {props.submit}
        </button>
        <Link to="/backoffice/staff">{t("common.cancel")}</Link>
      </div>
    </Form>
  );
}
