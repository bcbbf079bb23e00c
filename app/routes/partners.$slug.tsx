import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { config } from "../config.server";
import { getDb } from "../db.server";
import { directoryEntry } from "../domain/directory/listings.server";
import { regionName } from "../domain/tenders/catalog";
import { guard } from "../lib/http.server";
import { pickLocale, translator } from "../i18n/index";
import { userContextOf } from "../auth/request.server";
import { useLocale, useT } from "../i18n/react";

// T-3: one partner's public page, readable by search engines: its own title, meta description
// and canonical URL. A partner that is no longer listed (or no longer a partner): 404.
export async function loader({ request, params }: LoaderFunctionArgs) {
  const entry = await guard(() => directoryEntry(getDb(), params.slug ?? ""));
  const ctx = await userContextOf(request);
  const t = translator(ctx?.locale ?? pickLocale(null, request.headers.get("Accept-Language")));
  const summary = entry.description.replace(/\s+/g, " ").trim();
  return {
    entry,
    meta: {
      title: t("directory.meta.partnerTitle", { name: entry.name }),
      description: summary.length > 155 ? `${summary.slice(0, 154)}…` : summary,
      canonical: `${config.publicUrl}/partners/${entry.slug}`,
    },
  };
}

export const meta: MetaFunction<typeof loader> = ({ data }) =>
  data
    ? [{ title: data.meta.title }, { name: "description", content: data.meta.description }, { tagName: "link", rel: "canonical", href: data.meta.canonical }]
    : [{ title: "Not found" }];

export default function DirectoryEntry() {
  const { entry } = useLoaderData<typeof loader>();
  const t = useT();
  const locale = useLocale();
  return (
    <main id="main" className="page narrow">
      <p>
        <Link to="/partners">{t("directory.back")}</Link>
      </p>
      {entry.logo_url ? <img src={entry.logo_url} alt={t("directory.logoAlt", { name: entry.name })} className="directory-logo" referrerPolicy="no-referrer" /> : null}
      <h1>
        {entry.name} {entry.partner_status ? <span className="badge badge-verified" data-testid="verified">{t("directory.verified")}</span> : null}
      </h1>
      <p className="prose-text" lang={entry.description_language}>
        {entry.description}
      </p>
      <dl>
        {entry.website ? (
          <>
            <dt>{t("directory.field.website")}</dt>
            <dd>
              <a href={entry.website} rel="nofollow noopener" target="_blank">
                {entry.website}
              </a>
            </dd>
          </>
        ) : null}
        <dt>{t("directory.field.specialties")}</dt>
        <dd>{entry.specialties.map((s) => t(`tenders.category.${s}`)).join(", ")}</dd>
        <dt>{t("directory.field.languages")}</dt>
        <dd>{entry.languages.map((l) => t(`tenders.language.${l}`)).join(", ")}</dd>
        <dt>{t("directory.field.regions")}</dt>
        <dd>{entry.regions.map((r) => regionName(r, locale)).join(", ")}</dd>
      </dl>
      <p>
        <Link to="/tenders/new">{t("tenders.public.title")}</Link>
      </p>
    </main>
  );
}
