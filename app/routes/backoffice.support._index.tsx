import type { LoaderFunctionArgs } from "@remix-run/node";
import { Form, Link, useLoaderData } from "@remix-run/react";
import { z } from "zod";
import { requireStaff } from "../auth/request.server";
import { getDb } from "../db.server";
import { agentQueue } from "../domain/support/requests.server";
import { guard } from "../lib/http.server";
import { useFormat, useT } from "../i18n/react";
import { Pager } from "../components/pager";

const scopeSchema = z.enum(["open", "all"]).catch("open");

// K-4: the support agent's queue (their assigned requests, oldest open first).
export async function loader({ request, context }: LoaderFunctionArgs) {
  const acting = await requireStaff(request, context);
  const url = new URL(request.url);
  const scope = scopeSchema.parse(url.searchParams.get("scope") ?? undefined);
  const queue = await guard(() => agentQueue(getDb(), acting, { scope, page: Number(url.searchParams.get("page")) || 1 }));
  return { ...queue, scope };
}

export default function BackofficeSupport() {
  const data = useLoaderData<typeof loader>();
  const t = useT();
  const format = useFormat();
  return (
    <>
      <h1>{t("support.bo.title")}</h1>
      <p className="hint">{t("support.bo.intro")}</p>
      <Form method="get" className="toolbar">
        <label htmlFor="scope">{t("support.bo.scope")}</label>
        <select id="scope" name="scope" defaultValue={data.scope}>
          <option value="open">{t("support.bo.scope.open")}</option>
          <option value="all">{t("support.bo.scope.all")}</option>
        </select>
        <button type="submit" className="secondary">
          {t("support.bo.apply")}
        </button>
      </Form>
      {data.requests.length === 0 ? (
        <p className="empty">{t("support.bo.empty")}</p>
      ) : (
        <table data-testid="support-queue">
          <thead>
            <tr>
              <th scope="col">{t("support.col.subject")}</th>
              <th scope="col">{t("support.bo.col.user")}</th>
              <th scope="col">{t("support.col.opened")}</th>
              <th scope="col">{t("support.col.status")}</th>
              <th scope="col">{t("support.bo.col.agent")}</th>
            </tr>
          </thead>
          <tbody>
            {data.requests.map((r) => (
              <tr key={r.id} data-testid={`request-${r.id}`}>
                <td>
                  <Link to={`/backoffice/support/${r.id}`}>{r.subject}</Link>
                </td>
                <td>
                  {r.user_name} ({r.user_email})
                </td>
                <td>{format.dateTime(r.created_at)}</td>
                <td>{t(`support.status.${r.status}`)}</td>
                <td>{r.agent_name ?? "—"}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <Pager page={data.page} pages={data.pages} />
    </>
  );
}
