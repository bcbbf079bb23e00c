import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { redirect } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData } from "@remix-run/react";
import { requireOrg } from "../auth/request.server";
import { FormError, LevelOptions } from "../components/form";
import { getDb } from "../db.server";
import { levelFields } from "../domain/orgs/member-fields";
import { memberPermissions, updateMemberPermissions, updatePermissionsSchema } from "../domain/orgs/members.server";
import { withActor } from "../domain/tx.server";
import { useT } from "../i18n/react";
import { formAction, guard, parseForm, type FormFailure } from "../lib/http.server";

export const meta: MetaFunction = () => [{ title: "Permissions · Partner Portal" }];

export async function loader({ request, context, params }: LoaderFunctionArgs) {
  const ctx = await requireOrg(request, context, params.orgId);
  const view = await guard(() =>
    withActor(getDb(), ctx.actor, (trx) => memberPermissions(trx, ctx.ability, ctx.orgId, params.userId ?? "")),
  );
  return { ...view, orgId: ctx.orgId };
}

export async function action({ request, context, params }: ActionFunctionArgs) {
  const ctx = await requireOrg(request, context, params.orgId);
  const form = await request.formData();
  return formAction(async () => {
    const input = parseForm(updatePermissionsSchema, {
      role: form.get("role") || undefined,
      permissions: levelFields(form),
    });
    await withActor(getDb(), ctx.actor, (trx) => updateMemberPermissions(trx, ctx, ctx.orgId, params.userId ?? "", input));
    return redirect(`/orgs/${ctx.orgId}/members?updated=1`);
  });
}

export default function MemberPermissions() {
  const { member, teams, products, allProducts, orgId } = useLoaderData() as Awaited<ReturnType<typeof loader>>;
  const errors = useActionData() as FormFailure | undefined;
  const t = useT();
  const levelError = Object.entries(errors?.fieldErrors ?? {}).find(([key]) => key.startsWith("permissions"))?.[1];
  return (
    <>
      <h1>{t("members.editOf", { name: member.name })}</h1>
      <p>{member.email}</p>
      <p>{teams.length > 0 ? t("members.memberOfTeams", { teams: teams.join(", ") }) : t("members.noTeamMembership")}</p>
      <Form method="post" noValidate>
        <FormError errors={errors} />
        {member.isLegalRep ? (
          <div className="field">
            <p>
              {t("members.role")}: <span className="badge">{t("roles.legal_rep")}</span>
            </p>
            <p className="hint">{t("members.repRoleNote")}</p>
          </div>
        ) : (
          <div className="field">
            <label htmlFor="role">{t("members.role")}</label>
            <select id="role" name="role" defaultValue={member.role} aria-describedby="role-hint">
              <option value="restricted">{t("roles.restricted")}</option>
              <option value="admin">{t("roles.admin")}</option>
            </select>
            <p className="hint" id="role-hint">
              {t("members.roleRestrictedHint")} {t("members.roleAdminHint")}
            </p>
          </div>
        )}
        {allProducts ? <p className="hint">{t("members.allProductsNote")}</p> : null}
        {products.length === 0 ? (
          <p className="empty">{t("members.noProducts")}</p>
        ) : (
          <table aria-describedby="effective-help">
            <thead>
              <tr>
                <th scope="col">{t("members.product")}</th>
                <th scope="col">{t("members.ownLevel")}</th>
                <th scope="col">{t("members.teamLevel")}</th>
                <th scope="col">{t("members.effectiveLevel")}</th>
              </tr>
            </thead>
            <tbody>
              {products.map((p) => (
                <tr key={p.productId} data-product={p.productId}>
                  <th scope="row">
                    {p.name} ({t(`products.${p.type}`)})
                  </th>
                  <td>
                    <select
                      name={`level.${p.productId}`}
                      defaultValue={p.own}
                      aria-label={t("members.ownPermissionLabel", { product: p.name })}
                    >
                      <LevelOptions />
                    </select>
                  </td>
                  <td data-cell="team">{t(`levels.${p.team}`)}</td>
                  <td data-cell="effective">{t(`levels.${p.effective}`)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        <p className="hint" id="effective-help">
          {t("members.effectiveHelp")}
        </p>
        {levelError ? (
          <p className="field-error" role="alert">
            {t(levelError)}
          </p>
        ) : null}
        <p className="toolbar">
          <button type="submit">{t("common.save")}</button>
          <Link to={`/orgs/${orgId}/members`} className="button secondary">
            {t("common.cancel")}
          </Link>
        </p>
      </Form>
    </>
  );
}
