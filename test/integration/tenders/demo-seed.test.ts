import { describe, expect, it } from "vitest";
import { DEMO_PASSWORD } from "../../../db/seed";
import { seedDemoData as seedDemo } from "../../../app/domain/demo/seed.server";
import { Client, textOf } from "../../support/app";
import { signedIn } from "../../support/factories";
import { testDb } from "../../support/setup";

describe("the demo seed's directory and tenders", () => {
  it("T-3/T-2: the demo partner is listed with its badge, and sees the customer's open tender on its board", async () => {
    expect(await seedDemo(testDb())).toBe(true);
    const page = await new Client().get("/partners/helvetia-webpartner-ag");
    expect(page.status).toBe(200);
    expect(textOf(page.html)).toContain("Helvetia Webpartner AG Verified partner");
    expect(textOf((await new Client().get("/partners?q=Webseite&region=CH-BE")).html)).toContain("Helvetia Webpartner AG");
    const partner = await testDb().selectFrom("organizations").select("id").where("name", "=", "Helvetia Webpartner AG").executeTakeFirstOrThrow();
    const thomas = await signedIn({ email: "thomas.graf@helvetia-partner.ch", password: DEMO_PASSWORD });
    const board = await thomas.get(`/orgs/${partner.id}/tender-board`);
    expect(board.status).toBe(200);
    expect(textOf(board.html)).toContain("Refonte du site lemandigital.ch avec réservation en ligne");
    const leman = await testDb().selectFrom("organizations").select("id").where("name", "=", "Léman Digital SA").executeTakeFirstOrThrow();
    const claire = await signedIn({ email: "claire.dubois@lemandigital.ch", password: DEMO_PASSWORD });
    expect(textOf((await claire.get(`/orgs/${leman.id}/tenders`)).html)).toContain("Refonte du site lemandigital.ch");
  });
});
