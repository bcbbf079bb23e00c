import { randomBytes } from "node:crypto";
import { sql } from "kysely";
import { describe, expect, it } from "vitest";
import { loadUserActor } from "../../../app/auth/actor.server";
import { withActor } from "../../../app/domain/tx.server";
import { Client, textOf } from "../../support/app";
import { createMember, createUser, signedIn } from "../../support/factories";
import { appDb, testDb } from "../../support/setup";
import { partnerOrg } from "../../support/tenders";

// T-3: the partner directory through the real routes and the real database.

type Partner = Awaited<ReturnType<typeof partnerOrg>>;

function listingForm(over: Record<string, string | string[]> = {}): Record<string, string | string[]> {
  return {
    listed: "yes",
    name: "Listing Name",
    description: "We build websites and online shops for small companies.",
    descriptionLanguage: "en",
    website: "https://example.ch",
    logoUrl: "",
    "languages[]": ["de", "en"],
    "regions[]": ["CH-ZH"],
    "specialties[]": ["website"],
    ...over,
  };
}

async function list(p: Partner, over: Record<string, string | string[]> = {}) {
  const res = await (await signedIn(p)).post(`/orgs/${p.orgId}/directory-listing`, listingForm(over));
  expect(res.status).toBe(302);
  return testDb().selectFrom("directory_listings").selectAll().where("org_id", "=", p.orgId).executeTakeFirstOrThrow();
}

/** The names the public directory shows for a query string, in order. */
async function found(query: string): Promise<string[]> {
  const page = await new Client().get(`/partners?${query}`);
  expect(page.status).toBe(200);
  return [...page.html.matchAll(/<h2><a [^>]*href="\/partners\/[a-z0-9-]+"[^>]*>([^<]+)<\/a>/g)].map((m) => m[1]);
}

describe("partner directory", () => {
  it("T-3: a partner lists itself for free and the public directory finds it by full-text search in the listing's language (German, French, English stems), most relevant first, with the verified badge", async () => {
    const tag = `t${randomBytes(4).toString("hex")}`;
    const baeckerei = await partnerOrg();
    await list(baeckerei, { name: `Brot Digital ${tag}`, description: `Wir entwickeln Webseiten und Onlineshops für Bäckereien in Zürich. ${tag}`, descriptionLanguage: "de" });
    const lausanne = await partnerOrg();
    await list(lausanne, { name: `Léman Web ${tag}`, description: `Hébergement et création de sites pour les vignerons vaudois. ${tag}`, descriptionLanguage: "fr", "regions[]": ["CH-VD"] });
    const english = await partnerOrg();
    await list(english, { name: `Cloud Movers ${tag}`, description: `We are migrating mailboxes and websites to the cloud. ${tag}`, descriptionLanguage: "en" });

    expect(await found(`q=${encodeURIComponent(`Bäckerei ${tag}`)}`)).toEqual([`Brot Digital ${tag}`]); // "Bäckereien" by its German stem
    expect(await found(`q=${encodeURIComponent(`webseite ${tag}`)}`)).toEqual([`Brot Digital ${tag}`]);
    expect(await found(`q=${encodeURIComponent(`hébergements site ${tag}`)}`)).toEqual([`Léman Web ${tag}`]); // French stems
    expect(await found(`q=${encodeURIComponent(`migration ${tag}`)}`)).toEqual([`Cloud Movers ${tag}`]); // "migrating" by its English stem
    expect(await found(`q=${encodeURIComponent(`nothingmatches ${tag}`)}`)).toEqual([]);

    // A name match weighs more than a description match.
    const inName = await partnerOrg();
    await list(inName, { name: `Shopify Experts ${tag}`, description: `Agency for online commerce and payments. ${tag}` });
    const inText = await partnerOrg();
    await list(inText, { name: `Generalists ${tag}`, description: `We also do shopify now and then, among many other things. ${tag}` });
    expect(await found(`q=${encodeURIComponent(`shopify ${tag}`)}`)).toEqual([`Shopify Experts ${tag}`, `Generalists ${tag}`]);

    const page = await new Client().get(`/partners?q=${tag}`);
    expect(textOf(page.html)).toContain(`Brot Digital ${tag} Verified partner`);
  });

  it("T-3: filters by region (a canton also finds partners serving all of Switzerland), language and specialty, and pages through the results", async () => {
    const tag = `f${randomBytes(4).toString("hex")}`;
    const zh = await partnerOrg();
    await list(zh, { name: `ZH Shop ${tag}`, description: `Shops in Zurich ${tag}`, "regions[]": ["CH-ZH"], "languages[]": ["de"], "specialties[]": ["ecommerce"] });
    const ch = await partnerOrg();
    await list(ch, { name: `CH Mail ${tag}`, description: `Mail everywhere in Switzerland ${tag}`, "regions[]": ["CH"], "languages[]": ["fr", "de"], "specialties[]": ["email"] });
    const de = await partnerOrg();
    await list(de, { name: `DE Hosting ${tag}`, description: `Hosting from Germany ${tag}`, "regions[]": ["DE"], "languages[]": ["en"], "specialties[]": ["hosting"] });

    expect((await found(`q=${tag}&region=CH-ZH`)).sort()).toEqual([`CH Mail ${tag}`, `ZH Shop ${tag}`]);
    expect(await found(`q=${tag}&region=CH-GE`)).toEqual([`CH Mail ${tag}`]);
    expect((await found(`q=${tag}&region=CH`)).sort()).toEqual([`CH Mail ${tag}`, `ZH Shop ${tag}`]);
    expect(await found(`q=${tag}&region=DE`)).toEqual([`DE Hosting ${tag}`]);
    expect(await found(`q=${tag}&language=fr`)).toEqual([`CH Mail ${tag}`]);
    expect(await found(`q=${tag}&specialty=hosting`)).toEqual([`DE Hosting ${tag}`]);
    expect(await found(`q=${tag}&specialty=hosting&region=CH-ZH`)).toEqual([]);
    // Unknown filter values are ignored rather than failing.
    expect((await found(`q=${tag}&region=XX-1&language=zz&specialty=<b>`)).length).toBe(3);

    const many = `m${randomBytes(4).toString("hex")}`;
    for (let i = 0; i < 23; i++) {
      const p = await partnerOrg();
      await list(p, { name: `Paged ${String(i).padStart(2, "0")} ${many}`, description: `One of many partners ${many}` });
    }
    const first = await found(`q=${many}`);
    const second = await found(`q=${many}&page=2`);
    expect(first).toHaveLength(20);
    expect(second).toHaveLength(3);
    expect(new Set([...first, ...second]).size).toBe(23);
    expect(textOf((await new Client().get(`/partners?q=${many}`)).html)).toContain("23 partner(s)");
  });

  it("T-3: each partner has a page search engines can read: its title, meta description and canonical URL; the logo is an https address", async () => {
    const p = await partnerOrg();
    const listing = await list(p, { name: "Helvetic Pixel GmbH", description: "Webdesign, Hosting und E-Mail für KMU in der ganzen Deutschschweiz. Persönliche Betreuung, faire Preise.", descriptionLanguage: "de", logoUrl: "https://example.ch/logo.png" });
    expect(listing.slug).toBe("helvetic-pixel-gmbh");
    const page = await new Client().get(`/partners/${listing.slug}`);
    expect(page.status).toBe(200);
    expect(page.html).toContain("<title>Helvetic Pixel GmbH · Verified partner · Partner Portal</title>");
    expect(page.html).toContain('<meta name="description" content="Webdesign, Hosting und E-Mail für KMU in der ganzen Deutschschweiz. Persönliche Betreuung, faire Preise."/>');
    expect(page.html).toMatch(/<link rel="canonical" href="http:\/\/[^"]+\/partners\/helvetic-pixel-gmbh"\/>/);
    expect(page.html).toContain('src="https://example.ch/logo.png"');
    expect(textOf(page.html)).toContain("Verified partner");
    // A second partner with the same name gets its own address.
    const twin = await partnerOrg();
    expect((await list(twin, { name: "Helvetic Pixel GmbH" })).slug).toMatch(/^helvetic-pixel-gmbh-[0-9a-f]{6}$/);
    expect((await new Client().get("/partners/no-such-partner")).status).toBe(404);
    // Not an https logo: refused.
    const bad = await (await signedIn(p)).post(`/orgs/${p.orgId}/directory-listing`, listingForm({ logoUrl: "javascript:alert(1)" }));
    expect(bad.status).toBe(400);
  });

  it("T-3: the listing (and its badge) ends when the partner status ends, and when the partner opts out; the status cannot be set from the form or by SQL as the portal", async () => {
    const p = await partnerOrg();
    const tag = `e${randomBytes(4).toString("hex")}`;
    const listing = await list(p, { name: `Ending Partner ${tag}`, description: `A partner whose status ends ${tag}` });
    expect(listing).toMatchObject({ partner_status: "active", visible: true });
    expect(await found(`q=${tag}`)).toEqual([`Ending Partner ${tag}`]);

    await testDb().deleteFrom("program_memberships").where("org_id", "=", p.orgId).execute();
    expect((await new Client().get(`/partners/${listing.slug}`)).status).toBe(404);
    expect(await found(`q=${tag}`)).toEqual([]);
    // No longer a partner: the listing page of the organization does not exist either.
    expect((await (await signedIn(p)).get(`/orgs/${p.orgId}/directory-listing`)).status).toBe(404);
    // Even the portal's own role, acting for the organization, cannot make it visible again.
    const actor = await loadUserActor(appDb(), { id: p.userId, email: p.email });
    await withActor(appDb(), actor, (trx) => sql`update directory_listings set partner_status = 'active', listed = true where org_id = ${p.orgId}`.execute(trx));
    expect(await testDb().selectFrom("directory_listings").select(["partner_status", "visible"]).where("org_id", "=", p.orgId).executeTakeFirst()).toEqual({ partner_status: null, visible: false });

    // Approved again: shown again, under review too.
    await testDb().insertInto("program_memberships").values({ org_id: p.orgId, program: "partner", status: "review", since: new Date() }).execute();
    expect(await found(`q=${tag}`)).toEqual([`Ending Partner ${tag}`]);
    // Opting out hides it.
    await list(p, { name: `Ending Partner ${tag}`, description: `A partner whose status ends ${tag}`, listed: "" });
    expect(await found(`q=${tag}`)).toEqual([]);
    expect((await new Client().get(`/partners/${listing.slug}`)).status).toBe(404);
  });

  it("T-3: only partners list themselves; restricted members of a partner see the listing page but cannot change it", async () => {
    const customer = await createUser();
    const client = await signedIn(customer);
    expect((await client.get(`/orgs/${customer.orgId}/directory-listing`)).status).toBe(404);
    expect((await client.post(`/orgs/${customer.orgId}/directory-listing`, listingForm())).status).toBe(404);
    expect(await testDb().selectFrom("directory_listings").select("org_id").where("org_id", "=", customer.orgId).execute()).toHaveLength(0);
    const p = await partnerOrg();
    const restricted = await signedIn(await createMember(p.orgId, "restricted"));
    const page = await restricted.get(`/orgs/${p.orgId}/directory-listing`);
    expect(page.status).toBe(200);
    expect(textOf(page.html)).not.toContain("Save");
    expect((await restricted.post(`/orgs/${p.orgId}/directory-listing`, listingForm())).status).toBe(403);
  });
});
