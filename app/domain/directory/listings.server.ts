import { randomBytes } from "node:crypto";
import { sql, type Expression, type SqlBool } from "kysely";
import { z } from "zod";
import { assertCan, allows } from "../../auth/ability";
import { now } from "../../lib/clock";
import { pageCount, pageNumber } from "../../lib/paging";
import { audit } from "../audit/audit.server";
import { Invalid, isUniqueViolation, NotFound } from "../errors";
import type { Acting } from "../orgs/member-fields";
import { normalizeWebsite } from "../partners/website.server";
import { transaction, withActor, type Handle, type Tx } from "../tx.server";
import { isPartner } from "../tenders/board.server";
import { CONTENT_LANGUAGES, isRegion, TENDER_CATEGORIES } from "../tenders/catalog";

// T-3: a partner lists itself for free in the public directory. The listing shows (with the
// "verified partner" badge) only while the organization is a partner: the database keeps the
// listing's partner status from the partner program, and hides the listing when it ends.

export const listingSchema = z.object({
  name: z.string({ message: "errors.required" }).trim().min(2, "errors.required").max(120, "errors.tooLong"),
  description: z.string({ message: "errors.required" }).trim().min(20, "tenders.errors.tooShort").max(2000, "errors.tooLong"),
  descriptionLanguage: z.enum(CONTENT_LANGUAGES, { message: "errors.invalid" }),
  website: z.string().trim().max(300, "errors.tooLong").default(""),
  logoUrl: z
    .string()
    .trim()
    .max(500, "errors.tooLong")
    .default("")
    .refine((v) => v === "" || /^https:\/\/[^\s"'<>]+$/.test(v), "directory.errors.logo"),
  languages: z.array(z.enum(CONTENT_LANGUAGES, { message: "errors.invalid" }), { message: "directory.errors.languages" }).min(1, "directory.errors.languages").max(4),
  regions: z.array(z.string().refine(isRegion, "errors.invalid"), { message: "directory.errors.regions" }).min(1, "directory.errors.regions").max(60),
  specialties: z.array(z.enum(TENDER_CATEGORIES, { message: "errors.invalid" }), { message: "directory.errors.specialties" }).min(1, "directory.errors.specialties").max(12),
  listed: z.string().max(3).optional(),
});
export type ListingInput = z.infer<typeof listingSchema>;

/** A URL path segment from a name: lower case ASCII words joined by hyphens. */
export function slugify(name: string): string {
  const slug = name
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/ß/g, "ss")
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 60)
    .replace(/-+$/g, "");
  return slug || "partner";
}

/** The partner's own listing (to edit), or NotFound when the organization is not a partner. */
export async function ownListing(db: Handle, acting: Acting, orgId: string) {
  assertCan(acting.ability, "read", "DirectoryListing", { orgId });
  return withActor(db, acting.actor, async (trx) => {
    if (!(await isPartner(trx, orgId))) throw new NotFound();
    const listing = await trx
      .selectFrom("directory_listings")
      .select(["slug", "name", "description", "description_language", "website", "logo_url", "languages", "regions", "specialties", "listed", "visible", "partner_status"])
      .where("org_id", "=", orgId)
      .executeTakeFirst();
    const org = await trx.selectFrom("organizations").select("name").where("id", "=", orgId).executeTakeFirstOrThrow();
    const app = await trx.selectFrom("partner_applications").select("website_url").where("org_id", "=", orgId).where("status", "=", "approved").orderBy("reviewed_at", "desc").limit(1).executeTakeFirst();
    return { listing: listing ?? null, defaults: { name: org.name, website: app?.website_url ?? "" }, canManage: allows(acting.ability, "manage", "DirectoryListing", { orgId }) };
  });
}

/** T-3: creates or updates the partner's listing (opting in or out with `listed`). */
export async function saveListing(db: Handle, acting: Acting, orgId: string, input: ListingInput): Promise<{ slug: string }> {
  assertCan(acting.ability, "manage", "DirectoryListing", { orgId });
  let website: string | null = null;
  if (input.website) {
    website = normalizeWebsite(input.website);
    if (!website) throw new Invalid({ website: "partners.errors.website" });
  }
  return withActor(db, acting.actor, async (trx) => {
    if (!(await isPartner(trx, orgId))) throw new NotFound();
    const values: ListingValues = {
      name: input.name,
      description: input.description,
      description_language: input.descriptionLanguage,
      website,
      logo_url: input.logoUrl || null,
      languages: [...new Set(input.languages)],
      regions: [...new Set(input.regions)],
      specialties: [...new Set(input.specialties)],
      listed: input.listed === "yes",
      updated_at: now(),
    };
    const existing = await trx.selectFrom("directory_listings").select("slug").where("org_id", "=", orgId).executeTakeFirst();
    let slug: string;
    if (existing) {
      await trx.updateTable("directory_listings").set(values).where("org_id", "=", orgId).execute();
      slug = existing.slug;
    } else {
      slug = await insertWithFreeSlug(trx, orgId, values);
    }
    await audit(trx, acting.actor, { orgId, action: values.listed ? "directory.listed" : "directory.unlisted", targetType: "organization", targetId: orgId });
    return { slug };
  });
}

/** The name's slug, or with a short suffix when another partner has it (a savepoint per try). */
async function insertWithFreeSlug(trx: Tx, orgId: string, values: ListingValues): Promise<string> {
  const base = slugify(values.name);
  for (let attempt = 0; attempt < 5; attempt++) {
    const slug = attempt === 0 ? base : `${base}-${randomBytes(3).toString("hex")}`;
    await sql`savepoint listing_slug`.execute(trx);
    try {
      await trx.insertInto("directory_listings").values({ org_id: orgId, slug, ...values }).execute();
      await sql`release savepoint listing_slug`.execute(trx);
      return slug;
    } catch (err) {
      await sql`rollback to savepoint listing_slug`.execute(trx);
      if (!isUniqueViolation(err, "directory_listings_slug_key")) throw err;
    }
  }
  throw new Error("no free slug for the listing");
}
interface ListingValues {
  name: string;
  description: string;
  description_language: (typeof CONTENT_LANGUAGES)[number];
  website: string | null;
  logo_url: string | null;
  languages: string[];
  regions: string[];
  specialties: string[];
  listed: boolean;
  updated_at: Date;
}

export const DIRECTORY_PAGE_SIZE = 20;

export interface DirectoryQuery {
  text?: string;
  region?: string;
  language?: string;
  specialty?: string;
  page?: number;
}

/**
 * The search expression: the query in every language's configuration at once, so a listing
 * written in German matches German stems and one in French French stems, and the whole is
 * one constant tsquery the GIN index answers.
 */
export function directoryTsQuery(text: string) {
  return sql`(websearch_to_tsquery('german', ${text}) || websearch_to_tsquery('french', ${text}) || websearch_to_tsquery('italian', ${text}) || websearch_to_tsquery('english', ${text}) || websearch_to_tsquery('simple', ${text}))`;
}

/** The directory's filters as one condition on the public view `l` (which holds visible listings only). */
export function directoryWhere(q: DirectoryQuery): Expression<SqlBool> {
  const parts = [sql`true`];
  if (q.text) parts.push(sql`l.search @@ ${directoryTsQuery(q.text)}`);
  if (q.region) {
    parts.push(
      q.region === "CH"
        ? sql`exists (select 1 from unnest(l.regions) r where r = 'CH' or r like 'CH-%')`
        : sql`l.regions && ${sql.val(q.region.startsWith("CH-") ? [q.region, "CH"] : [q.region])}::text[]`,
    );
  }
  if (q.language) parts.push(sql`l.languages @> array[${q.language}]::text[]`);
  if (q.specialty) parts.push(sql`l.specialties @> array[${q.specialty}]::text[]`);
  return sql<SqlBool>`${sql.join(parts, sql` and `)}`;
}

/** Only the filters the directory knows are kept; anything else is ignored (no 500 on junk). */
export function cleanDirectoryQuery(params: URLSearchParams): DirectoryQuery {
  const text = (params.get("q") ?? "").trim().slice(0, 200);
  const region = params.get("region") ?? "";
  const language = params.get("language") ?? "";
  const specialty = params.get("specialty") ?? "";
  return {
    text: text || undefined,
    region: isRegion(region) ? region : undefined,
    language: (CONTENT_LANGUAGES as readonly string[]).includes(language) ? language : undefined,
    specialty: (TENDER_CATEGORIES as readonly string[]).includes(specialty) ? specialty : undefined,
    page: Number(params.get("page") ?? "1"),
  };
}

/** One page of the directory: by relevance when there is a text, then by name. */
export function directoryPage(trx: Handle, q: DirectoryQuery, page: number) {
  let query = trx
    .selectFrom("directory_public as l")
    .where(directoryWhere(q))
    .select(["l.slug", "l.name", "l.description", "l.logo_url", "l.languages", "l.regions", "l.specialties", "l.partner_status"]);
  if (q.text) query = query.orderBy(sql`ts_rank(l.search, ${directoryTsQuery(q.text)}) desc`);
  return query
    .orderBy(sql`lower(l.name)`)
    .orderBy("l.org_id")
    .limit(DIRECTORY_PAGE_SIZE)
    .offset((page - 1) * DIRECTORY_PAGE_SIZE);
}

/** T-3: the public directory: full-text search and filters, by relevance (then name), one page at a time. */
export async function searchDirectory(db: Handle, q: DirectoryQuery) {
  const page = pageNumber(q.page);
  return transaction(db, async (trx) => {
    const { n } = await trx.selectFrom("directory_public as l").where(directoryWhere(q)).select(sql<number>`count(*)::int`.as("n")).executeTakeFirstOrThrow();
    const partners = await directoryPage(trx, q, page).execute();
    return { partners, total: n, page, pages: pageCount(n, DIRECTORY_PAGE_SIZE) };
  });
}

/** T-3: one partner's public page, or NotFound when it is not listed (any more). */
export async function directoryEntry(db: Handle, slug: string) {
  if (!/^[a-z0-9-]{1,80}$/.test(slug)) throw new NotFound();
  return transaction(db, async (trx) => {
    const entry = await trx
      .selectFrom("directory_public as l")
      .select(["l.slug", "l.name", "l.description", "l.description_language", "l.website", "l.logo_url", "l.languages", "l.regions", "l.specialties", "l.partner_status"])
      .where("l.slug", "=", slug)
      .executeTakeFirst();
    if (!entry) throw new NotFound();
    return entry;
  });
}
