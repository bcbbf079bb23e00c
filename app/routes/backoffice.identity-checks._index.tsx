import type { LoaderFunctionArgs } from "@remix-run/node";
import { Link, useLoaderData, useSearchParams } from "@remix-run/react";
import { requireStaff } from "../auth/request.server";
import { getDb } from "../db.server";
import { identityCheckQueue } from "../domain/security/identity-checks.server";
import { guard } from "../lib/http.server";
import { useFormat, useT } from "../i18n/react";
import { Notice } from "../components/form";
import { Pager } from "../components/pager";

// K-3: identity checks waiting for a decision, oldest first.
export async function loader({ request, context }: LoaderFunctionArgs) {
  const acting = await requireStaff(request, context);
  const url = new URL(request.url);
  return guard(() => identityCheckQueue(getDb(), acting, { page: Number(url.searchParams.get("page")) || 1 }));
}

export default function IdentityQueue() {
  const data = useLoaderData<typeof loader>();
  const [params] = useSearchParams();
  const t = useT();
  const format = useFormat();
  const done = params.get("done");
  return (
    <>
      <h1>{t("identity.bo.title")}</h1>
      <p className="hint">{t("identity.bo.intro")}</p>
      {done === "approve" || done === "reject" ? <Notice>{t(`identity.bo.done.${done}`)}</Notice> : null}
      {data.checks.length === 0 ? (
        <p className="empty">{t("identity.bo.empty")}</p>
      ) : (
        <table data-testid="identity-queue">
          <thead>
            <tr>
              <th scope="col">{t("identity.bo.col.submitted")}</th>
              <th scope="col">{t("identity.bo.col.user")}</th>
              <th scope="col">{t("identity.bo.col.reason")}</th>
              <th scope="col">{t("common.actions")}</th>
            </tr>
          </thead>
          <tbody>
            {data.checks.map((c) => (
              <tr key={c.id} data-testid={`check-${c.id}`}>
                <td>{c.submitted_at ? format.dateTime(c.submitted_at) : ""}</td>
                <td>
                  {c.user_name} ({c.user_email})
                </td>
                <td>{t(`identity.reason.${c.reason}`)}</td>
                <td>
                  <Link to={`/backoffice/identity-checks/${c.id}`}>{t("identity.bo.handle")}</Link>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <Pager page={data.page} pages={data.pages} />
    </>
  );
}
