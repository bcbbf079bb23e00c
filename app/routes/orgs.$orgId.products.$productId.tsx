import type { LoaderFunctionArgs } from "@remix-run/node";
import { Link, useLoaderData, useSearchParams } from "@remix-run/react";
import { requireOrg } from "../auth/request.server";
import { getDb } from "../db.server";
import { productDetail } from "../domain/products/queries.server";
import { withActor } from "../domain/tx.server";
import { guard } from "../lib/http.server";
import { Notice } from "../components/form";
import { useFormat, useT } from "../i18n/react";

export async function loader({ request, context, params }: LoaderFunctionArgs) {
  const ctx = await requireOrg(request, context, params.orgId);
  const page = Number(new URL(request.url).searchParams.get("page") ?? 1);
  const product = await guard(() =>
    withActor(getDb(), ctx.actor, (trx) => productDetail(trx, ctx, ctx.orgId, params.productId ?? "", { page })),
  );
  return { ...product, orgId: ctx.orgId };
}

type Mailbox = NonNullable<Awaited<ReturnType<typeof productDetail>>["mailboxes"]>["items"][number];

export default function ProductPage() {
  const p = useLoaderData<typeof loader>();
  const [params] = useSearchParams();
  const t = useT();
  const format = useFormat();
  const changed = params.get("passwordChanged");
  return (
    <>
      <p>
        <Link to={`/orgs/${p.orgId}/products`}>{t("products.detail.back")}</Link>
      </p>
      <h1>{p.name}</h1>
      {changed ? <Notice>{t(changed === "unified" ? "products.mailbox.changedUnified" : "products.mailbox.changed")}</Notice> : null}
      <dl className="facts" aria-label={t("products.detail.facts")}>
        <dt>{t("products.detail.type")}</dt>
        <dd>{t(`products.${p.type}`)}</dd>
        <dt>{t("products.detail.level")}</dt>
        <dd>{t(`levels.${p.level}`)}</dd>
        <dt>{t("products.detail.created")}</dt>
        <dd>{format.date(p.createdAt)}</dd>
      </dl>
      {p.mailboxes ? (
        <section aria-labelledby="mailboxes-title">
          <h2 id="mailboxes-title">{t("products.detail.mailboxes")}</h2>
          <p className="hint">{t("products.detail.mailboxesIntro")}</p>
          {p.mailboxes.items.length === 0 ? (
            <p className="empty">{t("products.detail.noMailboxes")}</p>
          ) : (
            <table data-testid="mailboxes">
              <thead>
                <tr>
                  <th scope="col">{t("products.detail.address")}</th>
                  <th scope="col">{t("products.detail.webmailUsers")}</th>
                  {p.canChangeMailboxPasswords ? <th scope="col">{t("common.actions")}</th> : null}
                </tr>
              </thead>
              <tbody>
                {p.mailboxes.items.map((m: Mailbox) => (
                  <tr key={m.id} data-testid={`mailbox-${m.address}`}>
                    <td>{m.address}</td>
                    <td>
                      {m.webmailUsers.length === 0
                        ? t("products.detail.nobody")
                        : m.webmailUsers.map((u: Mailbox["webmailUsers"][number]) => `${u.name} <${u.email}>`).join(", ")}
                    </td>
                    {p.canChangeMailboxPasswords ? (
                      <td>
                        <Link to={`/orgs/${p.orgId}/mailboxes/${m.id}/password`}>
                          {t("products.detail.changePassword", { address: m.address })}
                        </Link>
                      </td>
                    ) : null}
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          {p.mailboxes.pages > 1 ? (
            <nav className="pagination" aria-label={t("common.page", { page: p.mailboxes.page, pages: p.mailboxes.pages })}>
              {p.mailboxes.page > 1 ? <Link to={`?page=${p.mailboxes.page - 1}`}>{t("common.previous")}</Link> : null}
              <span>{t("common.page", { page: p.mailboxes.page, pages: p.mailboxes.pages })}</span>
              {p.mailboxes.page < p.mailboxes.pages ? <Link to={`?page=${p.mailboxes.page + 1}`}>{t("common.next")}</Link> : null}
            </nav>
          ) : null}
        </section>
      ) : null}
    </>
  );
}
