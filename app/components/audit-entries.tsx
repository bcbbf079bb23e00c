import { Link } from "@remix-run/react";
import { useFormat, useT } from "../i18n/react";

export interface AuditEntryView {
  id: number;
  createdAt: string;
  orgId?: string | null;
  action: string;
  targetType: string | null;
  targetId: string | null;
  data: Record<string, unknown>;
  ip?: string | null;
  actorKind: "user" | "staff" | "system";
  actorName: string | null;
}

function detailValue(value: unknown): string {
  return typeof value === "string" ? value : JSON.stringify(value);
}

/** The audit log as a table (newest first); staff see organization and IP columns too. */
export function AuditEntries({ entries, staffView }: { entries: AuditEntryView[]; staffView: boolean }) {
  const t = useT();
  const format = useFormat();
  const actor = (e: AuditEntryView) => {
    if (e.actorKind === "system") return t("backoffice.audit.system");
    if (e.actorKind === "staff") {
      return staffView ? t("backoffice.audit.staffActor", { name: e.actorName ?? "?" }) : t("backoffice.audit.providerStaff");
    }
    const name = e.actorName ?? t("backoffice.audit.unknown");
    // C-3: a partner user acting for the client: the entry names the person and the partner.
    return typeof e.data.partnerName === "string" && e.data.partnerName ? t("clients.audit.onBehalf", { name, partner: e.data.partnerName }) : name;
  };
  return (
    <table data-testid="audit-entries">
      <thead>
        <tr>
          <th scope="col">{t("backoffice.audit.time")}</th>
          <th scope="col">{t("backoffice.audit.actor")}</th>
          {staffView ? <th scope="col">{t("backoffice.audit.organization")}</th> : null}
          <th scope="col">{t("backoffice.audit.action")}</th>
          <th scope="col">{t("backoffice.audit.target")}</th>
          <th scope="col">{t("backoffice.audit.details")}</th>
          {staffView ? <th scope="col">{t("backoffice.audit.ip")}</th> : null}
        </tr>
      </thead>
      <tbody>
        {entries.map((e) => (
          <tr key={e.id} data-testid="audit-entry">
            <td>
              <time dateTime={e.createdAt}>{format.dateTime(e.createdAt)}</time>
            </td>
            <td>{actor(e)}</td>
            {staffView ? <td>{e.orgId ?? "–"}</td> : null}
            <td>
              <code>{e.action}</code>
            </td>
            <td>{e.targetType ? `${e.targetType} ${e.targetId ?? ""}`.trim() : "–"}</td>
            <td>
              {Object.keys(e.data).length > 0 ? (
                <dl className="facts">
                  {Object.entries(e.data).map(([k, v]) => (
                    <div key={k}>
                      <dt>{k}</dt>
                      <dd>{detailValue(v)}</dd>
                    </div>
                  ))}
                </dl>
              ) : (
                "–"
              )}
            </td>
            {staffView ? <td>{e.ip ?? "–"}</td> : null}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** Newer / older links of a keyset-paginated log, keeping the filters. */
export function AuditPager({ filters, newerThan, olderThan }: { filters: Record<string, string>; newerThan: number | null; olderThan: number | null }) {
  const t = useT();
  if (newerThan === null && olderThan === null) return null;
  const href = (cursor: Record<string, string>) => {
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries({ ...filters, ...cursor })) if (v) params.set(k, v);
    return `?${params.toString()}`;
  };
  return (
    <nav className="pagination" aria-label={t("backoffice.audit.title")}>
      {newerThan !== null ? <Link to={href({ after: String(newerThan) })}>{t("backoffice.audit.newer")}</Link> : null}
      {olderThan !== null ? <Link to={href({ before: String(olderThan) })}>{t("backoffice.audit.older")}</Link> : null}
    </nav>
  );
}
