import { Link, useLocation } from "@remix-run/react";
import { useT } from "../i18n/react";

/**
 * Previous / next links for a paged list. Other query parameters of the page are kept,
 * unless `keepQuery` is false (pages whose other parameters are one-off, e.g. a
 * confirmation step, which must not follow the reader to the next page).
 */
export function Pager({
  page,
  pages,
  param = "page",
  label,
  keepQuery = true,
}: {
  page: number;
  pages: number;
  param?: string;
  label?: string;
  keepQuery?: boolean;
}) {
  const t = useT();
  const location = useLocation();
  if (pages <= 1) return null;
  const href = (p: number) => {
    const query = new URLSearchParams(keepQuery ? location.search : "");
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
