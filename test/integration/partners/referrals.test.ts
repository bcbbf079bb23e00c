import { sql } from "kysely";
import { describe, expect, it } from "vitest";
import { Client, textOf } from "../../support/app";
import { createUser, signedIn, uniqueEmail } from "../../support/factories";
import { appDb, testDb } from "../../support/setup";

// P-8: an affiliate's referral link records the organizations signing up through it.
const signUpForm = (name: string, ref?: string) => ({
  name,
  email: uniqueEmail(name.replace(/\s/g, ".")),
  password: "a-long-password",
  ...(ref === undefined ? {} : { ref }),
});

const referralsOf = (affiliateOrgId: string) =>
  testDb().selectFrom("affiliate_referrals").selectAll().where("org_id", "=", affiliateOrgId).execute();

describe("affiliate referrals", () => {
  it("P-8: signing up through an affiliate's link keeps the code in the form and records the referred organization, counted on the affiliate's page", async () => {
    const person = await createUser({ name: "Private Affiliate" });
    const affiliate = await signedIn(person);
    expect((await affiliate.post(`/orgs/${person.orgId}/partner`, { intent: "affiliate" })).status).toBe(302);
    const { referral_code: code } = await testDb().selectFrom("program_memberships").select("referral_code").where("org_id", "=", person.orgId).executeTakeFirstOrThrow();
    expect(textOf((await affiliate.get(`/orgs/${person.orgId}/partner`)).html)).toContain("Organizations referred through your link: 0");

    const visitor = new Client();
    const form = await visitor.get(`/signup?ref=${code}`);
    expect(form.status).toBe(200);
    expect(form.html).toMatch(new RegExp(`<input type="hidden" name="ref" value="${code}"/>`));
    const signedUp = await visitor.post("/signup", signUpForm("Referred Person", code!));
    expect(signedUp.status).toBe(302);
    const referredOrgId = signedUp.location!.split("/orgs/")[1];

    const referrals = await referralsOf(person.orgId);
    expect(referrals).toHaveLength(1);
    expect(referrals[0]).toMatchObject({ org_id: person.orgId, referred_org_id: referredOrgId });
    expect(referrals[0].created_at).toBeInstanceOf(Date);
    expect(textOf((await affiliate.get(`/orgs/${person.orgId}/partner`)).html)).toContain("Organizations referred through your link: 1");
  });

  it("P-8: an unknown or malformed referral code is ignored and the sign-up still works", async () => {
    const before = Number((await testDb().selectFrom("affiliate_referrals").select((eb) => eb.fn.countAll().as("n")).executeTakeFirstOrThrow()).n);
    for (const ref of ["zzzzzzzzzz", "not a code!"]) {
      const visitor = new Client();
      const page = await visitor.post("/signup", signUpForm("Unreferred Person", ref));
      expect(page.status).toBe(302);
      expect((await visitor.follow(page)).status).toBe(200);
    }
    const after = Number((await testDb().selectFrom("affiliate_referrals").select((eb) => eb.fn.countAll().as("n")).executeTakeFirstOrThrow()).n);
    expect(after).toBe(before);
  });

  it("P-8: the database records a referral only for an organization the caller acts for", async () => {
    const person = await createUser({ name: "Second Affiliate" });
    await testDb().insertInto("program_memberships").values({ org_id: person.orgId, program: "affiliate", referral_code: "abcde12345", since: new Date() }).execute();
    const victim = await createUser({ name: "Unrelated Org" });
    // Acting only for the affiliate's own organization, the portal role cannot attach an unrelated one.
    const recorded = await appDb()
      .transaction()
      .execute(async (trx) => {
        await sql`select set_config('app.org_ids', ${person.orgId}, true)`.execute(trx);
        return (await sql<{ r: boolean }>`select portal_record_referral('abcde12345', ${victim.orgId}::uuid, now()) as r`.execute(trx)).rows[0].r;
      });
    expect(recorded).toBe(false);
    expect(await referralsOf(person.orgId)).toHaveLength(0);
  });
});
