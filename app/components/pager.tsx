import { Link, useLocation } from "@remix-run/react";
import { useT } from "../i18n/react";

/** Previous / next links for a paged list; other query parameters of the page are kept. */
export function Pager({ page, pages, param = "page", label }: { page: number; pages: number; param?: string; label?: string }) {
  const t = useT();
  const location = useLocation();
  if (pages <= 1) return null;
  const href = (p: number) => {
    const query = new URLSearchParams(location.search);
    query.set(param, String(p));
    return `${location.pathname}?${query}`;
  };
  return (
    <nav className="pagination" aria-label={label}>
      {page > 1 ? <Link to={href(page - 1)}>{t("common.previous")}</Link> : null}
      <span>{t("common.page", { page, pages })}</span>
      {page < pages ? <Link to={href(page + 1)}>{t("common.next")}</Link> : null}
    </nav>
  );
}
