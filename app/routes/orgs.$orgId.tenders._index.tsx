import type { LoaderFunctionArgs } from "@remix-run/node";
import { Link, useLoaderData, useSearchParams } from "@remix-run/react";
import { requireOrg } from "../auth/request.server";
import { getDb } from "../db.server";
import { orgTenders } from "../domain/tenders/submitter.server";
import { guard } from "../lib/http.server";
import { useFormat, useT } from "../i18n/react";
import { Notice } from "../components/form";
import { Pager } from "../components/pager";

// T-1: the tenders this organization posted (administrators and the legal representative).
export async function loader({ request, context, params }: LoaderFunctionArgs) {
  const ctx = await requireOrg(request, context, params.orgId);
  const page = Number(new URL(request.url).searchParams.get("page") ?? "1");
  const list = await guard(() => orgTenders(getDb(), ctx, ctx.orgId, { page }));
  return { ...list, orgId: ctx.orgId };
}

export default function OrgTenders() {
  const d = useLoaderData<typeof loader>();
  const [params] = useSearchParams();
  const t = useT();
  const format = useFormat();
  return (
    <>
      <h1>{t("tenders.org.title")}</h1>
      <p className="hint">{t("tenders.org.intro")}</p>
      {params.get("done") === "posted" ? <Notice>{t("tenders.done.posted")}</Notice> : null}
      <p>
        <Link to={`/orgs/${d.orgId}/tenders/new`} className="button">
          {t("tenders.org.new")}
        </Link>
      </p>
      {d.tenders.length === 0 ? (
        <p className="empty">{t("tenders.org.empty")}</p>
      ) : (
        <table data-testid="org-tenders">
          <thead>
            <tr>
              <th scope="col">{t("tenders.field.title")}</th>
              <th scope="col">{t("tenders.status")}</th>
              <th scope="col">{t("tenders.field.deadline")}</th>
              <th scope="col">{t("tenders.proposals")}</th>
            </tr>
          </thead>
          <tbody>
            {d.tenders.map((x) => (
              <tr key={x.id}>
                <th scope="row">
                  <Link to={`/orgs/${d.orgId}/tenders/${x.id}`}>{x.title}</Link>
                </th>
                <td>{x.status === "closed" ? t(`tenders.closed.${x.closed_reason}`) : t(`tenders.state.${x.status}`)}</td>
                <td>{format.dateTime(x.deadline)}</td>
                <td>{x.proposals}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <Pager page={d.page} pages={d.pages} label={t("tenders.org.pages")} />
    </>
  );
}
