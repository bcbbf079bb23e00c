import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { redirect } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData } from "@remix-run/react";
import { requireOrg } from "../auth/request.server";
import { Field, FormError, LevelOptions } from "../components/form";
import { getDb } from "../db.server";
import { invitationFormOptions, inviteMember, inviteSchema } from "../domain/orgs/invitations.server";
import { levelFields } from "../domain/orgs/member-fields";
import { withActor } from "../domain/tx.server";
import { useT } from "../i18n/react";
import { formAction, guard, parseForm, type FormFailure } from "../lib/http.server";

export const meta: MetaFunction = () => [{ title: "Invite a user · Partner Portal" }];

export async function loader({ request, context, params }: LoaderFunctionArgs) {
  const ctx = await requireOrg(request, context, params.orgId);
  const options = await guard(() => withActor(getDb(), ctx.actor, (trx) => invitationFormOptions(trx, ctx.ability, ctx.orgId)));
  return { ...options, orgId: ctx.orgId };
}

export async function action({ request, context, params }: ActionFunctionArgs) {
  const ctx = await requireOrg(request, context, params.orgId);
  const form = await request.formData();
  return formAction(async () => {
    const input = parseForm(inviteSchema, {
      email: form.get("email") ?? "",
      role: form.get("role") ?? "",
      permissions: levelFields(form),
      teamIds: form.getAll("teamIds[]"),
    });
    await withActor(getDb(), ctx.actor, (trx) => inviteMember(trx, ctx, ctx.orgId, input, ctx.locale));
    return redirect(`/orgs/${ctx.orgId}/members?invited=1`);
  });
}

export default function InviteMember() {
  const { products, teams, orgId } = useLoaderData() as Awaited<ReturnType<typeof loader>>;
  const errors = useActionData() as FormFailure | undefined;
  const t = useT();
  const fieldError = (prefix: string) =>
    Object.entries(errors?.fieldErrors ?? {}).find(([key]) => key === prefix || key.startsWith(`${prefix}.`))?.[1];
  const roleError = fieldError("role");
  const permissionsError = fieldError("permissions");
  const teamsError = fieldError("teamIds");
  return (
    <>
      <h1>{t("members.inviteTitle")}</h1>
      <p>{t("members.inviteIntro")}</p>
      <Form method="post" noValidate>
        <FormError errors={errors} />
        <Field name="email" type="email" label={t("members.email")} autoComplete="off" required errors={errors} autoFocus />

        <fieldset aria-describedby={roleError ? "role-error" : undefined}>
          <legend>{t("members.role")}</legend>
          <div>
            <input type="radio" id="role-restricted" name="role" value="restricted" defaultChecked />
            <label htmlFor="role-restricted">{t("roles.restricted")}</label>
            <p className="hint">{t("members.roleRestrictedHint")}</p>
          </div>
          <div>
            <input type="radio" id="role-admin" name="role" value="admin" />
            <label htmlFor="role-admin">{t("roles.admin")}</label>
            <p className="hint">{t("members.roleAdminHint")}</p>
          </div>
          {roleError ? (
            <p className="field-error" id="role-error" role="alert">
              {t(roleError)}
            </p>
          ) : null}
        </fieldset>

        <fieldset aria-describedby={permissionsError ? "permissions-error" : "permissions-hint"}>
          <legend>{t("members.permissionsLegend")}</legend>
          <p className="hint" id="permissions-hint">
            {t("members.permissionsHint")}
          </p>
          {products.length === 0 ? <p className="empty">{t("members.noProducts")}</p> : null}
          {products.map((p) => (
            <div className="field" key={p.id}>
              <label htmlFor={`level-${p.id}`}>
                {p.name} ({t(`products.${p.type}`)})
              </label>
              <select id={`level-${p.id}`} name={`level.${p.id}`} defaultValue="none">
                <LevelOptions />
              </select>
            </div>
          ))}
          {permissionsError ? (
            <p className="field-error" id="permissions-error" role="alert">
              {t(permissionsError)}
            </p>
          ) : null}
        </fieldset>

        <fieldset aria-describedby={teamsError ? "teams-error" : undefined}>
          <legend>{t("members.teamsLegend")}</legend>
          {teams.length === 0 ? <p className="empty">{t("members.noTeams")}</p> : null}
          {teams.map((team) => (
            <div key={team.id}>
              <input type="checkbox" id={`team-${team.id}`} name="teamIds[]" value={team.id} />
              <label htmlFor={`team-${team.id}`}>{team.name}</label>
            </div>
          ))}
          {teamsError ? (
            <p className="field-error" id="teams-error" role="alert">
              {t(teamsError)}
            </p>
          ) : null}
        </fieldset>

        <p className="toolbar">
          <button type="submit">{t("members.sendInvitation")}</button>
          <Link to={`/orgs/${orgId}/members`} className="button secondary">
            {t("common.cancel")}
          </Link>
        </p>
      </Form>
    </>
  );
}
