import { CompiledQuery, sql, type Kysely } from "kysely";
import { APP_ROLE, createDb } from "../db/client";
import type { DB } from "../db/schema";
import { transaction } from "../app/domain/tx.server";
import { directoryPage, directoryWhere, searchDirectory, type DirectoryQuery } from "../app/domain/directory/listings.server";
import { benchDatabaseUrl, freshDatabase } from "./setup-db";

// T-3: the public directory's search over 20,000 listed partners.
const LISTINGS = 20_000;
const RUNS = 60;

// Varied text, like real listings: a service, a trade, a town and a technology per listing, so a
// typical query matches a few hundred listings rather than a tenth of them.
const services: Record<"de" | "fr" | "en" | "it", string[]> = {
  de: ["Wir entwickeln Webseiten", "Onlineshops", "Hosting und E-Mail", "Migration von Mailboxen", "Wartung und Support", "Webdesign", "Suchmaschinenoptimierung", "Buchungssysteme", "Intranet-Lösungen", "Newsletter-Versand", "Datensicherung", "Domainverwaltung"],
  fr: ["Nous créons des sites web", "boutiques en ligne", "hébergement et messagerie", "migration de boîtes aux lettres", "maintenance et assistance", "conception graphique", "référencement naturel", "systèmes de réservation", "sauvegarde des données", "gestion des noms de domaine"],
  en: ["We build websites", "online shops", "hosting and e-mail", "migrating mailboxes to the cloud", "maintenance and support", "graphic design", "search engine optimisation", "booking systems", "data backups", "domain management"],
  it: ["Sviluppiamo siti web", "negozi online", "hosting e posta elettronica", "migrazione delle caselle", "manutenzione e supporto", "grafica", "sistemi di prenotazione"],
};
const trades: Record<"de" | "fr" | "en" | "it", string[]> = {
  de: ["für Bäckereien", "für Arztpraxen", "für Hotels", "für Restaurants", "für Treuhänder", "für Anwaltskanzleien", "für Schreinereien", "für Garagen", "für Coiffeure", "für Vereine", "für Gemeinden", "für Architekten", "für Zahnärzte", "für Bauern", "für Weingüter", "für Fitnessstudios", "für Schulen", "für Startups", "für Immobilienfirmen", "für Apotheken"],
  fr: ["pour les boulangeries", "pour les cabinets médicaux", "pour les hôtels", "pour les restaurants", "pour les fiduciaires", "pour les avocats", "pour les menuiseries", "pour les garages", "pour les vignerons", "pour les associations", "pour les communes", "pour les architectes", "pour les dentistes", "pour les écoles", "pour les pharmacies"],
  en: ["for bakeries", "for medical practices", "for hotels", "for restaurants", "for accountants", "for law firms", "for carpenters", "for garages", "for clubs", "for architects", "for dentists", "for schools", "for start-ups", "for estate agents", "for pharmacies"],
  it: ["per panetterie", "per studi medici", "per alberghi", "per ristoranti", "per fiduciarie", "per avvocati", "per scuole", "per farmacie"],
};
const towns = ["Zürich", "Winterthur", "Bern", "Thun", "Biel", "Basel", "Luzern", "Zug", "St. Gallen", "Chur", "Lausanne", "Genève", "Fribourg", "Neuchâtel", "Sion", "Lugano", "Bellinzona", "Aarau", "Baden", "Olten", "Solothurn", "Schaffhausen", "Frauenfeld", "Wil", "Rapperswil", "Uster", "Dübendorf", "Köniz", "Montreux", "Nyon", "Yverdon", "Vevey", "Martigny", "Locarno", "Davos", "Glarus", "Schwyz", "Altdorf", "Sarnen", "Stans"];
const techs = ["WordPress", "Shopify", "TYPO3", "Drupal", "Magento", "WooCommerce", "React", "Vue", "Laravel", "Django", "Node.js", "Next.js", "Joomla", "PrestaShop", "Matomo", "Nextcloud", "Exchange", "Kubernetes", "Docker", "PostgreSQL"];
const CANTONS = ["CH-ZH", "CH-BE", "CH-VD", "CH-GE", "CH-TI", "CH-LU", "CH-SG", "CH-BS", "CH-AG", "CH-VS"];
const SPECIALTIES = ["website", "email", "hosting", "domains", "migration", "development", "ecommerce", "maintenance"];

/** 20,000 partner organizations, each with an active membership and a listing (deterministic). */
async function seed(db: Kysely<DB>) {
  const langs = ["de", "de", "de", "fr", "fr", "en", "it"] as const;
  await db.transaction().execute(async (trx) => {
    await sql.raw(`insert into users (email, name, password_hash) select 'partner' || n || '@bench.example', 'Partner ' || n, 'not-a-login' from generate_series(1, ${LISTINGS}) n`).execute(trx);
    await sql.raw(`insert into organizations (name, legal_rep_user_id) select 'Partner Org ' || substr(name, 9), id from users`).execute(trx);
    await sql.raw(`insert into memberships (org_id, user_id, role) select id, legal_rep_user_id, 'admin' from organizations`).execute(trx);
    await sql.raw(`insert into program_memberships (org_id, program, status, since) select id, 'partner', 'active', now() from organizations`).execute(trx);
    const orgs = await trx.selectFrom("organizations").select("id").orderBy("id").execute();
    const rows = orgs.map((o, i) => {
      const lang = langs[i % langs.length];
      const pick = <T>(xs: readonly T[], k: number) => xs[((Math.imul(i + 1, 2654435761) ^ Math.imul(k, 40503)) >>> 0) % xs.length];
      const description = `${pick(services[lang], 1)} ${pick(trades[lang], 3)} in ${pick(towns, 5)}, ${pick(services[lang], 7).toLowerCase()}, ${pick(techs, 11)}.`;
      const names = ["Web", "Digital", "Pixel", "Cloud", "Media", "Code", "Net", "Studio"];
      return {
        org_id: o.id,
        slug: `partner-${i}`,
        name: `${names[i % names.length]} ${names[(i * 5 + 3) % names.length]} ${i}`,
        description,
        description_language: lang,
        languages: lang === "de" ? ["de", "en"] : [lang],
        regions: i % 9 === 0 ? ["CH"] : [CANTONS[i % CANTONS.length], CANTONS[(i * 7 + 1) % CANTONS.length]],
        specialties: [SPECIALTIES[i % SPECIALTIES.length], SPECIALTIES[(i * 3 + 1) % SPECIALTIES.length]],
        updated_at: new Date(),
      };
    });
    for (let i = 0; i < rows.length; i += 1000) await trx.insertInto("directory_listings").values(rows.slice(i, i + 1000)).execute();
  });
  await sql`analyze`.execute(db);
}

const QUERIES: Array<{ label: string; q: DirectoryQuery; like?: string }> = [
  { label: '"Bäckerei"', q: { text: "Bäckerei" }, like: "bäckerei" },
  { label: '"WordPress Bern"', q: { text: "WordPress Bern" }, like: "wordpress" },
  { label: '"hébergement" in Vaud', q: { text: "hébergement", region: "CH-VD" }, like: "hébergement" },
  { label: '"migrating mailboxes" in English', q: { text: "migrating mailboxes", language: "en" }, like: "migrat" },
  { label: "Zurich + hosting (filters only)", q: { region: "CH-ZH", specialty: "hosting" } },
];

const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))];

async function timeRuns(fn: () => Promise<unknown>): Promise<{ p50: number; p99: number }> {
  for (let i = 0; i < 5; i++) await fn();
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const start = performance.now();
    await fn();
    times.push(performance.now() - start);
  }
  return { p50: pct(times, 0.5), p99: pct(times, 0.99) };
}

/** The baseline: the same page (count + first 20) with ILIKE on the unindexed text, as the portal's role. */
function ilikePage(db: Kysely<DB>, q: DirectoryQuery, like: string | undefined) {
  return transaction(db, async (trx) => {
    const where = directoryWhere({ ...q, text: undefined });
    const text = like ? sql`and (l.name ilike ${`%${like}%`} or l.description ilike ${`%${like}%`})` : sql``;
    await sql`select count(*) from directory_public l where ${where} ${text}`.execute(trx);
    return sql`select l.slug, l.name from directory_public l where ${where} ${text} order by lower(l.name), l.org_id limit 20`.execute(trx);
  });
}

export async function benchDirectorySearch(): Promise<void> {
  const name = "portal_bench_directory";
  const seedStart = performance.now();
  const owner = await freshDatabase(name);
  await seed(owner);
  await owner.destroy();
  const seedMs = performance.now() - seedStart;
  const db = await createDb({ databaseUrl: benchDatabaseUrl(name), poolSize: 2, role: APP_ROLE });
  try {
    console.log(`\nDirectory search (T-3), ${LISTINGS.toLocaleString("en")} listed partners, as the portal's role; ${RUNS} runs per query (count + first page)`);
    console.log(`seeded in ${(seedMs / 1000).toFixed(1)} s`);
    console.log(`${"query".padEnd(34)} ${"hits".padStart(6)}   full-text p50 / p99      baseline ILIKE p50 / p99`);
    for (const { label, q, like } of QUERIES) {
      const { total } = await searchDirectory(db, q);
      const fts = await timeRuns(() => searchDirectory(db, q));
      const base = await timeRuns(() => ilikePage(db, q, like));
      console.log(`${label.padEnd(34)} ${String(total).padStart(6)}   ${fts.p50.toFixed(2).padStart(7)} / ${fts.p99.toFixed(2).padStart(7)} ms   ${base.p50.toFixed(2).padStart(7)} / ${base.p99.toFixed(2).padStart(7)} ms`);
      const compiled = directoryPage(db, q, 1).compile();
      const plan = await db.executeQuery<{ "QUERY PLAN": string }>(CompiledQuery.raw(`explain ${compiled.sql}`, [...compiled.parameters]));
      const lines = plan.rows.map((r) => r["QUERY PLAN"].trim());
      const line = lines.find((l) => /Index Scan (on|using) directory_listings_\w+/.test(l)) ?? lines.find((l) => /Scan (on|using) directory_listings/.test(l));
      console.log(`  plan: ${line ?? "(no scan line)"}`);
    }
  } finally {
    await db.destroy();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await benchDirectorySearch();
  process.exit(0);
}
