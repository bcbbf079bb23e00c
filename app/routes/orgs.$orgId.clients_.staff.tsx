import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { redirect } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useSearchParams } from "@remix-run/react";
import { requireOrg } from "../auth/request.server";
import { getDb } from "../db.server";
import { grantStaffRight, revokeStaffRight, staffGrantSchema, staffRevokeSchema, staffRights } from "../domain/clients/staff-rights.server";
import { formAction, guard, parseForm, type FormFailure } from "../lib/http.server";
import { useT } from "../i18n/react";
import { FormError, Notice } from "../components/form";

// C-4: which of the partner's users (or teams) may act for all clients or for one.
export async function loader({ request, context, params }: LoaderFunctionArgs) {
  const ctx = await requireOrg(request, context, params.orgId);
  const data = await guard(() => staffRights(getDb(), ctx, ctx.orgId));
  return { ...data, orgId: ctx.orgId };
}

export async function action({ request, context, params }: ActionFunctionArgs) {
  const ctx = await requireOrg(request, context, params.orgId);
  const form = await request.formData();
  const intent = String(form.get("intent") ?? "");
  return formAction(async () => {
    if (intent === "grant") await grantStaffRight(getDb(), ctx, ctx.orgId, parseForm(staffGrantSchema, form));
    else if (intent === "revoke") await revokeStaffRight(getDb(), ctx, ctx.orgId, parseForm(staffRevokeSchema, form).rightId);
    else throw new Response("Bad Request", { status: 400 });
    return redirect(`/orgs/${ctx.orgId}/clients/staff?done=${intent}`);
  });
}

export default function StaffRights() {
  const d = useLoaderData<typeof loader>();
  const errors = useActionData<typeof action>() as FormFailure | undefined;
  const [params] = useSearchParams();
  const t = useT();
  const done = params.get("done");
  return (
    <>
      <p>
        <Link to={`/orgs/${d.orgId}/clients`}>{t("clients.staff.back")}</Link>
      </p>
      <h1>{t("clients.staff.title")}</h1>
      <p className="hint">{t("clients.staff.intro")}</p>
      {done ? <Notice>{t(`clients.staff.done.${done}`)}</Notice> : null}
      <FormError errors={errors} />
      {d.rights.length === 0 ? (
        <p className="empty">{t("clients.staff.none")}</p>
      ) : (
        <table data-testid="staff-rights">
          <thead>
            <tr>
              <th scope="col">{t("clients.staff.who")}</th>
              <th scope="col">{t("clients.staff.clients")}</th>
              <th scope="col">{t("common.actions")}</th>
            </tr>
          </thead>
          <tbody>
            {d.rights.map((r) => (
              <tr key={r.id} data-testid="staff-right">
                <td>{r.teamId ? t("clients.staff.team", { name: r.teamName ?? "" }) : `${r.userName ?? ""} <${r.userEmail ?? ""}>`}</td>
                <td>{r.clientOrgId ? r.clientName : t("clients.staff.allClients")}</td>
                <td>
                  <Form method="post">
                    <input type="hidden" name="intent" value="revoke" />
                    <input type="hidden" name="rightId" value={r.id} />
                    <button type="submit" className="secondary">
                      {t("clients.staff.revoke")}
                    </button>
                  </Form>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <section className="card" aria-labelledby="grant">
        <h2 id="grant">{t("clients.staff.grant")}</h2>
        <Form method="post">
          <input type="hidden" name="intent" value="grant" />
          <div className="field">
            <label htmlFor="f-who">{t("clients.staff.who")}</label>
            <select id="f-who" name="who">
              {d.members.map((m) => (
                <option key={m.id} value={`user:${m.id}`}>
                  {m.name} &lt;{m.email}&gt;
                </option>
              ))}
              {d.teams.map((team) => (
                <option key={team.id} value={`team:${team.id}`}>
                  {t("clients.staff.team", { name: team.name })}
                </option>
              ))}
            </select>
          </div>
          <div className="field">
            <label htmlFor="f-client">{t("clients.staff.clients")}</label>
            <select id="f-client" name="client" defaultValue="all">
              <option value="all">{t("clients.staff.allClients")}</option>
              {d.clients.map((c) => (
                <option key={c.id} value={c.id}>
                  {c.name}
                </option>
              ))}
            </select>
          </div>
          <button type="submit">{t("clients.staff.grantButton")}</button>
        </Form>
      </section>
    </>
  );
}
