import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { redirect } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useSearchParams } from "@remix-run/react";
import { requireOrg } from "../auth/request.server";
import { Field, FormError, Notice } from "../components/form";
import { Pager } from "../components/pager";
import { getDb } from "../db.server";
import { createTeam, listTeams } from "../domain/orgs/teams.server";
import { useT } from "../i18n/react";
import { formAction, guard, type FormFailure } from "../lib/http.server";

export const meta: MetaFunction = () => [{ title: "Teams · Partner Portal" }];

export async function loader({ request, context, params }: LoaderFunctionArgs) {
  const ctx = await requireOrg(request, context, params.orgId);
  const page = Number(new URL(request.url).searchParams.get("page") ?? 1);
  const teams = await guard(() => listTeams(getDb(), ctx, ctx.orgId, { page }));
  return { ...teams, orgId: ctx.orgId };
}

export async function action({ request, context, params }: ActionFunctionArgs) {
  const ctx = await requireOrg(request, context, params.orgId);
  const form = await request.formData();
  return formAction(async () => {
    const { teamId } = await createTeam(getDb(), ctx, ctx.orgId, form);
    return redirect(`/orgs/${ctx.orgId}/teams/${teamId}?created=1`);
  });
}

// Single fetch keeps Dates; the hooks are typed from what the functions return.
type LoaderData = Awaited<ReturnType<typeof loader>>;
type ActionResult = FormFailure;

export default function Teams() {
  const data = useLoaderData<typeof loader>() as LoaderData;
  const errors = useActionData<typeof action>() as ActionResult | undefined;
  const [params] = useSearchParams();
  const t = useT();
  return (
    <>
      <h1>{t("orgadmin.teamsTitle")}</h1>
      <p>{t("orgadmin.teamsIntro")}</p>
      {params.get("deleted") ? <Notice>{t("orgadmin.teamDeleted")}</Notice> : null}
      {data.items.length === 0 ? (
        <p className="empty">{t("orgadmin.teamsEmpty")}</p>
      ) : (
        <table>
          <caption className="hint">{t("orgadmin.teamsCount", { count: data.total })}</caption>
          <thead>
            <tr>
              <th scope="col">{t("orgadmin.teamName")}</th>
              <th scope="col">{t("orgadmin.teamMembers")}</th>
              <th scope="col">{t("orgadmin.teamGrants")}</th>
            </tr>
          </thead>
          <tbody>
            {data.items.map((team) => (
              <tr key={team.id}>
                <td>
                  <Link to={`/orgs/${data.orgId}/teams/${team.id}`}>{team.name}</Link>
                </td>
                <td>{team.memberCount}</td>
                <td>{team.grantCount}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <Pager page={data.page} pages={data.pages} label={t("orgadmin.teamsPages")} />

      {data.canManage ? (
        <section aria-labelledby="new-team" className="card" style={{ marginTop: "1.5rem" }}>
          <h2 id="new-team">{t("orgadmin.newTeam")}</h2>
          <Form method="post" noValidate>
            <FormError errors={errors} />
            <Field name="name" label={t("orgadmin.teamName")} required maxLength={100} errors={errors} />
            <button type="submit">{t("orgadmin.createTeam")}</button>
          </Form>
        </section>
      ) : null}
    </>
  );
}
