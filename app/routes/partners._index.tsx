import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Form, Link, useLoaderData } from "@remix-run/react";
import { config } from "../config.server";
import { getDb } from "../db.server";
import { cleanDirectoryQuery, searchDirectory } from "../domain/directory/listings.server";
import { regionName } from "../domain/tenders/catalog";
import { guard } from "../lib/http.server";
import { pickLocale, translator } from "../i18n/index";
import { userContextOf } from "../auth/request.server";
import { useLocale, useT } from "../i18n/react";
import { Pager } from "../components/pager";
import { useCategoryOptions, useLanguageOptions, useRegionOptions } from "../components/tenders";

// T-3: the public partner directory: full-text search, filters, by relevance, paginated.
export async function loader({ request }: LoaderFunctionArgs) {
  const url = new URL(request.url);
  const query = cleanDirectoryQuery(url.searchParams);
  const result = await guard(() => searchDirectory(getDb(), query));
  const ctx = await userContextOf(request);
  const t = translator(ctx?.locale ?? pickLocale(null, request.headers.get("Accept-Language")));
  return {
    ...result,
    query: { q: query.text ?? "", region: query.region ?? "", language: query.language ?? "", specialty: query.specialty ?? "" },
    meta: { title: t("directory.meta.title"), description: t("directory.meta.description"), canonical: `${config.publicUrl}/partners` },
  };
}

export const meta: MetaFunction<typeof loader> = ({ data }) =>
  data
    ? [{ title: data.meta.title }, { name: "description", content: data.meta.description }, { tagName: "link", rel: "canonical", href: data.meta.canonical }]
    : [{ title: "Partner directory" }];

export default function Directory() {
  const d = useLoaderData<typeof loader>();
  const t = useT();
  const locale = useLocale();
  const regions = useRegionOptions();
  const languages = useLanguageOptions();
  const specialties = useCategoryOptions();
  return (
    <main id="main" className="page">
      <h1>{t("directory.title")}</h1>
      <p className="hint">{t("directory.intro")}</p>
      <Form method="get" className="toolbar" role="search" aria-label={t("directory.search")}>
        <label htmlFor="q">{t("directory.search")}</label>
        <input id="q" name="q" type="search" defaultValue={d.query.q} maxLength={200} />
        <label htmlFor="region">{t("tenders.field.region")}</label>
        <select id="region" name="region" defaultValue={d.query.region}>
          <option value="">{t("directory.any")}</option>
          {regions.map((o) => (
            <option key={o.value} value={o.value}>
              {o.label}
            </option>
          ))}
        </select>
        <label htmlFor="language">{t("tenders.field.language")}</label>
        <select id="language" name="language" defaultValue={d.query.language}>
          <option value="">{t("directory.any")}</option>
          {languages.map((o) => (
            <option key={o.value} value={o.value}>
              {o.label}
            </option>
          ))}
        </select>
        <label htmlFor="specialty">{t("directory.field.specialty")}</label>
        <select id="specialty" name="specialty" defaultValue={d.query.specialty}>
          <option value="">{t("directory.any")}</option>
          {specialties.map((o) => (
            <option key={o.value} value={o.value}>
              {o.label}
            </option>
          ))}
        </select>
        <button type="submit">{t("directory.searchButton")}</button>
      </Form>
      <p data-testid="directory-total">{t("directory.total", { count: d.total })}</p>
      {d.partners.length === 0 ? (
        <p className="empty">{t("directory.empty")}</p>
      ) : (
        <ul className="directory-list" data-testid="directory">
          {d.partners.map((p) => (
            <li key={p.slug} className="card">
              <h2>
                <Link to={`/partners/${p.slug}`}>{p.name}</Link> {p.partner_status ? <span className="badge badge-verified">{t("directory.verified")}</span> : null}
              </h2>
              <p className="prose-text">{p.description.length > 240 ? `${p.description.slice(0, 240)}…` : p.description}</p>
              <p className="hint">
                {p.specialties.map((s) => t(`tenders.category.${s}`)).join(", ")} · {p.regions.map((r) => regionName(r, locale)).join(", ")}
              </p>
            </li>
          ))}
        </ul>
      )}
      <Pager page={d.page} pages={d.pages} label={t("directory.pages")} />
      <p>
        <Link to="/tenders/new">{t("tenders.public.title")}</Link>
      </p>
    </main>
  );
}
