import type { LoaderFunctionArgs } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { requireOrg } from "../auth/request.server";
import { getDb } from "../db.server";
import { regionName } from "../domain/tenders/catalog";
import { tenderBoard } from "../domain/tenders/board.server";
import { guard } from "../lib/http.server";
import { useFormat, useLocale, useT } from "../i18n/react";
import { Pager } from "../components/pager";
import { money } from "../components/tenders";

// T-2: the tender board, for users of approved partners only (every other organization: 404).
export async function loader({ request, context, params }: LoaderFunctionArgs) {
  const ctx = await requireOrg(request, context, params.orgId);
  const page = Number(new URL(request.url).searchParams.get("page") ?? "1");
  const board = await guard(() => tenderBoard(getDb(), ctx, ctx.orgId, { page }));
  return { ...board, orgId: ctx.orgId };
}

export default function TenderBoard() {
  const d = useLoaderData<typeof loader>();
  const t = useT();
  const locale = useLocale();
  const format = useFormat();
  const base = `/orgs/${d.orgId}/tender-board`;
  return (
    <>
      <h1>{t("tenders.board.title")}</h1>
      <p className="hint">{t("tenders.board.intro")}</p>
      <p>
        <Link to={`${base}/alerts`}>{t("tenders.alerts.title")}</Link>
      </p>
      {d.tenders.length === 0 ? (
        <p className="empty">{t("tenders.board.empty")}</p>
      ) : (
        <table data-testid="board">
          <thead>
            <tr>
              <th scope="col">{t("tenders.field.title")}</th>
              <th scope="col">{t("tenders.field.categories")}</th>
              <th scope="col">{t("tenders.budget")}</th>
              <th scope="col">{t("tenders.field.region")}</th>
              <th scope="col">{t("tenders.field.deadline")}</th>
            </tr>
          </thead>
          <tbody>
            {d.tenders.map((x) => (
              <tr key={x.id}>
                <th scope="row">
                  <Link to={`${base}/${x.id}`}>{x.title}</Link> {x.answered ? <span className="badge">{t("tenders.board.answered")}</span> : null}
                </th>
                <td>{x.categories.map((c) => t(`tenders.category.${c}`)).join(", ")}</td>
                <td>
                  {money(x.budget_min, x.currency, locale)} – {money(x.budget_max, x.currency, locale)}
                </td>
                <td>{regionName(x.region, locale)}</td>
                <td>{format.dateTime(x.deadline)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <Pager page={d.page} pages={d.pages} label={t("tenders.board.pages")} />
      <section className="card" aria-labelledby="mine">
        <h2 id="mine">{t("tenders.board.mine")}</h2>
        {d.mine.length === 0 ? (
          <p className="empty">{t("tenders.board.mineEmpty")}</p>
        ) : (
          <ul>
            {d.mine.map((p) => (
              <li key={p.id}>
                <Link to={`${base}/${p.tender_id}`}>{p.title}</Link> — {t(`tenders.proposalState.${p.status}`)}
                {p.tender_status === "closed" ? ` (${t(`tenders.closed.${p.closed_reason}`)})` : null}
              </li>
            ))}
          </ul>
        )}
      </section>
    </>
  );
}
