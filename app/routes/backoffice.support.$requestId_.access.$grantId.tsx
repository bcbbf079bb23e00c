import type { LoaderFunctionArgs } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { requireStaff } from "../auth/request.server";
import { getDb } from "../db.server";
import { openGrantedContent } from "../domain/support/access.server";
import { guard } from "../lib/http.server";
import { useFormat, useT } from "../i18n/react";

// S-1/S-2/K-4: the assigned agent opens what a live grant covers; each opening is logged.
export async function loader({ request, context, params }: LoaderFunctionArgs) {
  const acting = await requireStaff(request, context);
  const requestId = params.requestId ?? "";
  const content = await guard(() => openGrantedContent(getDb(), acting, requestId, params.grantId ?? ""));
  return { requestId, content };
}

export default function GrantedContent() {
  const { requestId, content } = useLoaderData<typeof loader>();
  const t = useT();
  const format = useFormat();
  const title = content.scope === "mailboxes" ? t("support.bo.scope.mailboxes") : t(`support.bo.scope.${content.scope}`, { product: content.productName });
  const items =
    content.scope === "mailboxes"
      ? content.mailboxes.map((m) => ({ id: m.id, text: `${m.address} · ${format.date(m.created_at)}` }))
      : content.scope === "storage"
        ? content.folders.map((f) => ({ id: f.id, text: `${f.path} · ${t("support.bo.folderSize", { size: f.size_bytes })}` }))
        : content.discussions.map((d) => ({ id: d.id, text: `${d.title} · ${t("support.bo.messages", { count: d.message_count })}` }));
  return (
    <>
      <p>
        <Link to={`/backoffice/support/${requestId}`}>{t("support.back")}</Link>
      </p>
      <h1>{title}</h1>
      <p className="hint">{t("support.bo.logged")}</p>
      {items.length === 0 ? (
        <p className="empty">{t("support.bo.noContent")}</p>
      ) : (
        <ul data-testid="granted-content">
          {items.map((i) => (
            <li key={i.id}>{i.text}</li>
          ))}
        </ul>
      )}
    </>
  );
}
