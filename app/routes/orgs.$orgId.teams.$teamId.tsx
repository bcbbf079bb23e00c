import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { redirect } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useSearchParams } from "@remix-run/react";
import { z } from "zod";
import { requireOrg } from "../auth/request.server";
import { ConfirmCheckbox, Field, FormError, LevelOptions, Notice } from "../components/form";
import { hasCandidates, MemberPicker } from "../components/member-picker";
import { Pager } from "../components/pager";
import { getDb } from "../db.server";
import {
  addTeamMember,
  deleteTeam,
  removeTeamMember,
  renameTeam,
  setTeamPermissions,
  teamDetail,
} from "../domain/orgs/teams.server";
import { useT } from "../i18n/react";
import { formAction, guard, parseForm, type FormFailure } from "../lib/http.server";

export const meta: MetaFunction = () => [{ title: "Team · Partner Portal" }];

export async function loader({ request, context, params }: LoaderFunctionArgs) {
  const ctx = await requireOrg(request, context, params.orgId);
  const search = new URL(request.url).searchParams;
  const detail = await guard(() =>
    teamDetail(getDb(), ctx, ctx.orgId, params.teamId ?? "", {
      membersPage: Number(search.get("members") ?? 1),
      productsPage: Number(search.get("products") ?? 1),
    }),
  );
  return { ...detail, orgId: ctx.orgId };
}

const intentSchema = z.object({
  intent: z.enum(["rename", "delete", "addMember", "removeMember", "permissions"], { message: "errors.invalid" }),
});

export async function action({ request, context, params }: ActionFunctionArgs) {
  const ctx = await requireOrg(request, context, params.orgId);
  const form = await request.formData();
  const teamId = params.teamId ?? "";
  return formAction(async () => {
    const { intent } = parseForm(intentSchema, form);
    const db = getDb();
    switch (intent) {
      case "rename":
        await renameTeam(db, ctx, ctx.orgId, teamId, form);
        return { ok: true as const, notice: "orgadmin.teamRenamed" };
      case "delete":
        await deleteTeam(db, ctx, ctx.orgId, teamId, form);
        return redirect(`/orgs/${ctx.orgId}/teams?deleted=1`);
      case "addMember":
        await addTeamMember(db, ctx, ctx.orgId, teamId, form);
        return { ok: true as const, notice: "orgadmin.teamMemberAdded" };
      case "removeMember":
        await removeTeamMember(db, ctx, ctx.orgId, teamId, form);
        return { ok: true as const, notice: "orgadmin.teamMemberRemoved" };
      case "permissions":
        await setTeamPermissions(db, ctx, ctx.orgId, teamId, form);
        return { ok: true as const, notice: "orgadmin.teamPermissionsSaved" };
    }
  });
}

// Single fetch keeps Dates; the hooks are typed from what the functions return.
type LoaderData = Awaited<ReturnType<typeof loader>>;
type ActionResult = FormFailure | { ok: true; notice: string };

export default function TeamPage() {
  const data = useLoaderData<typeof loader>() as LoaderData;
  const result = useActionData<typeof action>() as ActionResult | undefined;
  const [params] = useSearchParams();
  const t = useT();
  const errors = result && !result.ok ? result : null;
  const notice = result && result.ok ? result.notice : params.get("created") ? "orgadmin.teamCreated" : null;
  const { team, members, products, candidates, canManage } = data;
  // The same columns whether the levels are editable or only shown.
  const productsHead = (
    <thead>
      <tr>
        <th scope="col">{t("orgadmin.product")}</th>
        <th scope="col">{t("orgadmin.level")}</th>
      </tr>
    </thead>
  );

  return (
    <>
      <p>
        <Link to={`/orgs/${data.orgId}/teams`}>{t("orgadmin.backToTeams")}</Link>
      </p>
      <h1>{t("orgadmin.teamTitle", { name: team.name })}</h1>
      {notice ? <Notice>{t(notice)}</Notice> : null}
      <FormError errors={errors} />

      <section aria-labelledby="team-members">
        <h2 id="team-members">{t("orgadmin.teamMembers")}</h2>
        {members.items.length === 0 ? (
          <p className="empty">{t("orgadmin.teamNoMembers")}</p>
        ) : (
          <table>
            <thead>
              <tr>
                <th scope="col">{t("orgadmin.memberName")}</th>
                <th scope="col">{t("orgadmin.memberEmail")}</th>
                {canManage ? <th scope="col">{t("common.actions")}</th> : null}
              </tr>
            </thead>
            <tbody>
              {members.items.map((m) => (
                <tr key={m.userId}>
                  <td>{m.name}</td>
                  <td>{m.email}</td>
                  {canManage ? (
                    <td>
                      <Form method="post" className="inline-form">
                        <input type="hidden" name="intent" value="removeMember" />
                        <input type="hidden" name="userId" value={m.userId} />
                        <button type="submit" className="secondary" aria-label={t("orgadmin.removeFromTeamLabel", { name: m.name })}>
                          {t("orgadmin.removeFromTeam")}
                        </button>
                      </Form>
                    </td>
                  ) : null}
                </tr>
              ))}
            </tbody>
          </table>
        )}
        <Pager page={members.page} pages={members.pages} param="members" label={t("orgadmin.teamMembers")} />

        {canManage ? (
          <Form method="post" noValidate className="toolbar" style={{ marginTop: "1rem" }}>
            <input type="hidden" name="intent" value="addMember" />
            {hasCandidates(candidates) ? (
              <MemberPicker
                candidates={candidates}
                selectLabel={t("orgadmin.addMember")}
                emailLabel={t("orgadmin.addMemberByEmail")}
                errors={errors}
              />
            ) : (
              <p className="hint">{t("orgadmin.noCandidates")}</p>
            )}
            {hasCandidates(candidates) ? <button type="submit">{t("orgadmin.add")}</button> : null}
          </Form>
        ) : null}
      </section>

      <section aria-labelledby="team-permissions">
        <h2 id="team-permissions">{t("orgadmin.teamPermissions")}</h2>
        <p className="hint">{t("orgadmin.teamPermissionsHint")}</p>
        {products.items.length === 0 ? (
          <p className="empty">{t("orgadmin.noProducts")}</p>
        ) : canManage ? (
          <Form method="post">
            <input type="hidden" name="intent" value="permissions" />
            {errors?.fieldErrors?.levels ? (
              <p className="field-error" role="alert">
                {t(errors.fieldErrors.levels)}
              </p>
            ) : null}
            <table>
              {productsHead}
              <tbody>
                {products.items.map((p) => (
                  <tr key={p.id}>
                    <td>
                      <label htmlFor={`level-${p.id}`}>
                        {p.name} <span className="badge">{t(`products.${p.type}`)}</span>
                      </label>
                    </td>
                    <td>
                      <select id={`level-${p.id}`} name={`level.${p.id}`} defaultValue={p.level}>
                        <LevelOptions />
                      </select>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
            <p>
              <button type="submit">{t("orgadmin.savePermissions")}</button>
            </p>
          </Form>
        ) : (
          <table>
            {productsHead}
            <tbody>
              {products.items.map((p) => (
                <tr key={p.id}>
                  <td>
                    {p.name} <span className="badge">{t(`products.${p.type}`)}</span>
                  </td>
                  <td>{t(`levels.${p.level}`)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        <Pager page={products.page} pages={products.pages} param="products" label={t("orgadmin.teamPermissions")} />
      </section>

      {canManage ? (
        <>
          <section aria-labelledby="team-rename" className="card" style={{ marginTop: "1.5rem" }}>
            <h2 id="team-rename">{t("orgadmin.renameTeam")}</h2>
            <Form method="post" noValidate>
              <input type="hidden" name="intent" value="rename" />
              <Field name="name" label={t("orgadmin.teamName")} defaultValue={team.name} required maxLength={100} errors={errors} />
              <button type="submit">{t("orgadmin.rename")}</button>
            </Form>
          </section>
          <section aria-labelledby="team-delete" className="card">
            <h2 id="team-delete">{t("orgadmin.deleteTeam")}</h2>
            <p>{t("orgadmin.deleteTeamText")}</p>
            <Form method="post" noValidate>
              <input type="hidden" name="intent" value="delete" />
              <ConfirmCheckbox label={t("orgadmin.deleteTeamConfirm", { name: team.name })} errors={errors} />
              <button type="submit" className="danger">
                {t("orgadmin.deleteTeamButton")}
              </button>
            </Form>
          </section>
        </>
      ) : null}
    </>
  );
}
