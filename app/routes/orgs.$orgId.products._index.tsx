import type { LoaderFunctionArgs } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { requireOrg } from "../auth/request.server";
import { getDb } from "../db.server";
import { visibleProducts } from "../domain/products/queries.server";
import { withActor } from "../domain/tx.server";
import { guard } from "../lib/http.server";
import { useT } from "../i18n/react";
import { Pager } from "../components/pager";

export async function loader({ request, context, params }: LoaderFunctionArgs) {
  const ctx = await requireOrg(request, context, params.orgId);
  const page = Number(new URL(request.url).searchParams.get("page") ?? 1);
  const list = await guard(() => withActor(getDb(), ctx.actor, (trx) => visibleProducts(trx, ctx, ctx.orgId, { page })));
  return { ...list, orgId: ctx.orgId };
}

export default function Products() {
  const data = useLoaderData<typeof loader>();
  const t = useT();
  const base = `/orgs/${data.orgId}/products`;
  return (
    <>
      <h1>{t("products.list.title")}</h1>
      <p className="hint">{t("products.list.intro")}</p>
      {data.products.length === 0 ? (
        <p className="empty" data-testid="products-empty">
          {t(data.seesAll ? "products.list.empty" : "products.list.emptyRestricted")}
        </p>
      ) : (
        <table data-testid="products">
          <caption className="hint">{t("products.list.count", { count: data.total })}</caption>
          <thead>
            <tr>
              <th scope="col">{t("products.list.name")}</th>
              <th scope="col">{t("products.list.type")}</th>
              <th scope="col">{t("products.list.level")}</th>
            </tr>
          </thead>
          <tbody>
            {data.products.map((p: (typeof data.products)[number]) => (
              <tr key={p.id} data-testid={`product-${p.name}`}>
                <td>
                  <Link to={`${base}/${p.id}`}>{p.name}</Link>
                </td>
                <td>{t(`products.${p.type}`)}</td>
                <td>{t(`levels.${p.level}`)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <Pager page={data.page} pages={data.pages} keepQuery={false} label={t("common.page", { page: data.page, pages: data.pages })} />
    </>
  );
}
