import { sql } from "kysely";
import { describe, expect, it } from "vitest";
import { loadUserActor } from "../../../app/auth/actor.server";
import { hashToken } from "../../../app/auth/tokens.server";
import { withActor } from "../../../app/domain/tx.server";
import { setClock } from "../../../app/lib/clock";
import { runJob } from "../../../workers/handlers";
import { Client, textOf } from "../../support/app";
import { createMember, createUser, signedIn, uniqueEmail } from "../../support/factories";
import { appDb, testDb } from "../../support/setup";
import { outboxTo } from "../../support/smtp";
import { confirmationToken, deadlineIn, partnerOrg, proposalForm, publishedVisitorTender, tenderForm } from "../../support/tenders";

// T-1, T-2 and P-6 through the real routes, the real jobs and the real database.

const tenderOf = (email: string) => testDb().selectFrom("tenders").selectAll().where("contact_email", "=", email).executeTakeFirst();
const proposalsOf = (tenderId: string) => testDb().selectFrom("tender_proposals").selectAll().where("tender_id", "=", tenderId).orderBy("created_at").execute();

describe("tenders", () => {
  it("T-1: a visitor posts a tender without an account; it is published only once the e-mail is confirmed through the mailed link (stored hashed)", async () => {
    const partner = await partnerOrg();
    const partnerClient = await signedIn(partner);
    const visitor = new Client();
    const email = uniqueEmail("visitor");
    const title = `Shop migration ${Date.now()}`;
    const posted = await visitor.post("/tenders/new", { ...tenderForm({ title }), contactEmail: email, website: "" });
    expect(posted.status).toBe(302);
    expect(textOf((await visitor.follow(posted)).html)).toContain("we sent you an e-mail with a link");

    const stored = await tenderOf(email);
    expect(stored).toMatchObject({ status: "unconfirmed", org_id: null, title, categories: ["website", "hosting"], budget_min: 300000, budget_max: 600000, currency: "CHF", region: "CH-ZH", language: "de", published_at: null });
    const token = await confirmationToken(email);
    expect(stored!.access_token_hash).toBe(hashToken(token));
    expect(JSON.stringify(stored)).not.toContain(token);
    // Not on the board before confirmation, not even by its id.
    expect(textOf((await partnerClient.get(`/orgs/${partner.orgId}/tender-board`)).html)).not.toContain(title);
    expect((await partnerClient.get(`/orgs/${partner.orgId}/tender-board/${stored!.id}`)).status).toBe(404);

    // The link shows the tender and asks to confirm (a GET publishes nothing: mail scanners open links).
    const page = await visitor.get(`/tenders/t/${token}`);
    expect(page.status).toBe(200);
    expect(textOf(page.html)).toContain("Confirm and publish");
    expect((await tenderOf(email))!.status).toBe("unconfirmed");
    const confirmed = await new Client().post(`/tenders/t/${token}`, { intent: "confirm" });
    expect(confirmed.status).toBe(302);
    expect(await tenderOf(email)).toMatchObject({ status: "open" });
    expect((await tenderOf(email))!.published_at).toBeInstanceOf(Date);
    expect(textOf((await partnerClient.get(`/orgs/${partner.orgId}/tender-board`)).html)).toContain(title);

    // A wrong link finds nothing.
    expect((await new Client().get(`/tenders/t/${token}x`)).status).toBe(404);
    expect((await new Client().post(`/tenders/t/${token}x`, { intent: "confirm" })).status).toBe(404);
  });

  it("T-1: abuse guards: the honeypot stores nothing, over-long or invalid fields answer 400 and store nothing, and posts are limited per e-mail and per IP (429)", async () => {
    const bot = uniqueEmail("bot");
    const trapped = await new Client().post("/tenders/new", { ...tenderForm(), contactEmail: bot, website: "https://spam.example" });
    expect(trapped.status).toBe(302); // answered like a success …
    expect(await tenderOf(bot)).toBeUndefined(); // … and nothing stored, no mail
    expect(await outboxTo(bot)).toHaveLength(0);

    const long = uniqueEmail("long");
    for (const [field, value] of [
      ["title", "x".repeat(121)],
      ["description", "y".repeat(5001)],
      ["budgetMax", "1000"],
      ["deadline", deadlineIn(0)],
      ["deadline", deadlineIn(200)],
      ["region", "CH-XX"],
      ["categories[]", ["website", "<script>"]],
    ] as const) {
      const res = await new Client().post("/tenders/new", { ...tenderForm({ [field]: value as string | string[] }), contactEmail: long, website: "" });
      expect({ field, status: res.status }).toEqual({ field, status: 400 });
    }
    expect(await tenderOf(long)).toBeUndefined();
    const tooLongMail = await new Client().post("/tenders/new", { ...tenderForm(), contactEmail: `${"a".repeat(250)}@example.ch`, website: "" });
    expect(tooLongMail.status).toBe(400);

    // Per e-mail: 3 a day, whatever the IP.
    const email = uniqueEmail("limited");
    for (let i = 0; i < 3; i++) expect((await new Client().post("/tenders/new", { ...tenderForm(), contactEmail: email, website: "" })).status).toBe(302);
    const fourth = await new Client().post("/tenders/new", { ...tenderForm(), contactEmail: email, website: "" });
    expect(fourth.status).toBe(429);
    expect(fourth.response.headers.get("Retry-After")).toMatch(/^\d+$/);
    expect(await testDb().selectFrom("tenders").select("id").where("contact_email", "=", email).execute()).toHaveLength(3);

    // Per IP: 5 an hour, whatever the e-mail.
    const ip = new Client();
    for (let i = 0; i < 5; i++) expect((await ip.post("/tenders/new", { ...tenderForm(), contactEmail: uniqueEmail("ip"), website: "" })).status).toBe(302);
    const sixth = uniqueEmail("ip6");
    expect((await ip.post("/tenders/new", { ...tenderForm(), contactEmail: sixth, website: "" })).status).toBe(429);
    expect(await tenderOf(sixth)).toBeUndefined();
  });

  it("T-1: injected HTML in a tender and in a proposal is shown as text, never run, on the partner's and the submitter's pages", async () => {
    const evil = `<script>alert("x")</script><img src=x onerror=alert(1)>`;
    const { tender, token } = await publishedVisitorTender({ title: `Evil ${evil}`.slice(0, 120), description: `Please help ${evil} <b>bold</b>` });
    const partner = await partnerOrg();
    const client = await signedIn(partner);
    const page = await client.get(`/orgs/${partner.orgId}/tender-board/${tender.id}`);
    expect(page.status).toBe(200);
    expect(page.html).not.toContain('<script>alert("x")</script>');
    expect(page.html).not.toContain("<img src=x");
    expect(page.html).not.toContain("<b>bold</b>");
    expect(page.html).toContain("&lt;script&gt;");
    expect(textOf(page.html)).toContain(`Please help ${evil} <b>bold</b>`);
    expect((await client.post(`/orgs/${partner.orgId}/tender-board/${tender.id}`, proposalForm({ body: `Our offer ${evil}` }))).status).toBe(302);
    const own = await new Client().get(`/tenders/t/${token}`);
    expect(own.html).not.toContain("<img src=x");
    expect(own.html).not.toContain('<script>alert("x")</script>');
    expect(textOf(own.html)).toContain(`Our offer ${evil}`);
  });

  it("T-2: a customer, a visitor, a rejected applicant and an affiliate cannot see any tender: the board and every tender page are 404 (a visitor is sent to sign in)", async () => {
    const { tender } = await publishedVisitorTender();
    const customer = await createUser({ name: "Plain Customer" });
    const rejected = await createUser({ name: "Rejected Applicant" });
    await testDb()
      .insertInto("partner_applications")
      .values({ org_id: rejected.orgId, status: "rejected", registry_kind: "ch_uid", registry_country: "CH", registry_number: "CHE-116.281.710", website_url: "https://example.ch/", commit_support: true, commit_invoices: true, commit_tenders: true, terms_version: 1, terms_accepted_at: new Date(), value_amount: 200000, value_threshold: 200000, value_currency: "CHF", submitted_at: new Date(), reviewed_at: new Date(), rejection_reason: "No website" })
      .execute();
    const affiliate = await createUser({ name: "Affiliate Person" });
    await testDb().insertInto("program_memberships").values({ org_id: affiliate.orgId, program: "affiliate", referral_code: Math.random().toString(36).slice(2, 12).padEnd(10, "a"), since: new Date() }).execute();
    for (const [who, user] of [["customer", customer], ["rejected applicant", rejected], ["affiliate", affiliate]] as const) {
      const client = await signedIn(user);
      for (const path of ["tender-board", `tender-board/${tender.id}`, "tender-board/alerts", "directory-listing"]) {
        const res = await client.get(`/orgs/${user.orgId}/${path}`);
        expect({ who, path, status: res.status }).toEqual({ who, path, status: 404 });
        expect(res.html).not.toContain(tender.title);
      }
      const answer = await client.post(`/orgs/${user.orgId}/tender-board/${tender.id}`, proposalForm());
      expect({ who, status: answer.status }).toEqual({ who, status: 404 });
    }
    expect(await proposalsOf(tender.id)).toHaveLength(0);
    // A visitor: no page shows the tender; the private link is the submitter's alone.
    const visitor = new Client();
    const board = await visitor.get(`/orgs/${customer.orgId}/tender-board/${tender.id}`);
    expect(board.status).toBe(302);
    expect(board.location).toMatch(/^\/login/);
    expect((await visitor.get(`/tenders/t/${tender.id}`)).status).toBe(404);
    // A partner's user reaches the board only in the partner organization's URL.
    const partner = await partnerOrg();
    const partnerClient = await signedIn(partner);
    expect((await partnerClient.get(`/orgs/${customer.orgId}/tender-board/${tender.id}`)).status).toBe(404);
    expect((await partnerClient.get(`/orgs/${partner.orgId}/tender-board/${tender.id}`)).status).toBe(200);
    // A partner under review is still an approved partner; a restricted member reads but does not answer.
    const review = await partnerOrg({ status: "review" });
    expect((await (await signedIn(review)).get(`/orgs/${review.orgId}/tender-board/${tender.id}`)).status).toBe(200);
    const restricted = await createMember(partner.orgId, "restricted");
    const restrictedClient = await signedIn(restricted);
    const seen = await restrictedClient.get(`/orgs/${partner.orgId}/tender-board/${tender.id}`);
    expect(seen.status).toBe(200);
    expect(textOf(seen.html)).not.toContain("Send the proposal");
    expect((await restrictedClient.post(`/orgs/${partner.orgId}/tender-board/${tender.id}`, proposalForm())).status).toBe(403);
  });

  it("T-2: the database shows tenders to a partner only through its board setting; customers' transactions see none of another organization's", async () => {
    const { tender } = await publishedVisitorTender();
    const partner = await partnerOrg();
    const customer = await createUser();
    const count = (actor: Awaited<ReturnType<typeof loadUserActor>>, board?: string) =>
      withActor(appDb(), actor, async (trx) => {
        if (board) await sql`select set_config('app.tender_board', ${board}, true)`.execute(trx);
        return (await sql<{ n: number }>`select count(*)::int as n from tenders where id = ${tender.id}`.execute(trx)).rows[0].n;
      });
    const partnerActor = await loadUserActor(appDb(), { id: partner.userId, email: partner.email });
    const customerActor = await loadUserActor(appDb(), { id: customer.userId, email: customer.email });
    expect(await count(partnerActor)).toBe(0);
    expect(await count(partnerActor, partner.orgId)).toBe(1);
    expect(await count(customerActor)).toBe(0);
    // A customer naming itself (or the partner) as board gains nothing.
    expect(await count(customerActor, customer.orgId)).toBe(0);
    expect(await count(customerActor, partner.orgId)).toBe(0);
  });

  it("T-2/P-6: a partner answers with text, price range and timeline; a partner that accepted P-6 is reminded that the contract uses the provider's products; one answer per partner", async () => {
    const { tender, email } = await publishedVisitorTender();
    const partner = await partnerOrg({ name: "Alpha Web AG" });
    const client = await signedIn(partner);
    const page = await client.get(`/orgs/${partner.orgId}/tender-board/${tender.id}`);
    expect(textOf(page.html)).toContain("Reminder (P-6): you committed to use only the provider's products");
    expect(textOf(page.html)).not.toContain(email); // the contact stays private until selection
    const bad = await client.post(`/orgs/${partner.orgId}/tender-board/${tender.id}`, proposalForm({ priceMin: "9000", priceMax: "100" }));
    expect(bad.status).toBe(400);
    const sent = await client.post(`/orgs/${partner.orgId}/tender-board/${tender.id}`, proposalForm());
    expect(sent.status).toBe(302);
    const [proposal] = await proposalsOf(tender.id);
    expect(proposal).toMatchObject({ org_id: partner.orgId, partner_name: "Alpha Web AG", contact_email: partner.email, price_min: 400000, price_max: 550000, currency: "CHF", timeline: "Online within six weeks", provider_products_only: true, status: "submitted" });
    const after = textOf((await client.get(`/orgs/${partner.orgId}/tender-board/${tender.id}`)).html);
    expect(after).toContain("Your proposal");
    expect(after).toContain("Reminder (P-6)");
    expect((await client.post(`/orgs/${partner.orgId}/tender-board/${tender.id}`, proposalForm())).status).toBe(409);
    expect(await proposalsOf(tender.id)).toHaveLength(1);
    // The submitter is told by mail.
    expect((await outboxTo(email)).some((m) => m.kind === "tender_proposal" && m.body_text.includes("Alpha Web AG"))).toBe(true);

    // A partner without the P-6 commitment on file sees no reminder.
    const other = await partnerOrg({ withoutApplication: true });
    const otherPage = textOf((await (await signedIn(other)).get(`/orgs/${other.orgId}/tender-board/${tender.id}`)).html);
    expect(otherPage).not.toContain("Reminder (P-6)");
  });

  it("T-2: answers after the deadline are refused at once, before the closing job runs; the job then closes the tender (twice changes nothing), the submitter can still select an answer given in time, and unconfirmed tenders are dropped", async () => {
    const { tender, token } = await publishedVisitorTender({ deadline: deadlineIn(2), title: `Short deadline ${Date.now()}` });
    const unconfirmedEmail = uniqueEmail("unconfirmed");
    expect((await new Client().post("/tenders/new", { ...tenderForm({ deadline: deadlineIn(30) }), contactEmail: unconfirmedEmail, website: "" })).status).toBe(302);
    const early = await partnerOrg();
    expect((await (await signedIn(early)).post(`/orgs/${early.orgId}/tender-board/${tender.id}`, proposalForm())).status).toBe(302);
    const partner = await partnerOrg();
    const client = await signedIn(partner);
    const late = new Date(tender.deadline.getTime() + 1000);
    setClock(() => late);
    const refused = await client.post(`/orgs/${partner.orgId}/tender-board/${tender.id}`, proposalForm());
    expect(refused.status).toBe(409);
    expect(textOf(refused.html)).toContain("This tender is closed.");
    expect(textOf((await client.get(`/orgs/${partner.orgId}/tender-board`)).html)).not.toContain(tender.title);
    expect(await runJob(appDb(), "close-tenders", {})).toMatchObject({ closed: 1 });
    expect(await testDb().selectFrom("tenders").select(["status", "closed_reason"]).where("id", "=", tender.id).executeTakeFirst()).toEqual({ status: "closed", closed_reason: "deadline" });
    expect(await runJob(appDb(), "close-tenders", {})).toEqual({ closed: 0, purged: 0 });
    // The answer period is over, the choice is not: the submitter still selects the answer it got in time.
    const [inTime] = await proposalsOf(tender.id);
    expect((await new Client().post(`/tenders/t/${token}`, { intent: "select", proposalId: inTime.id, confirm: "yes" })).status).toBe(302);
    expect(await testDb().selectFrom("tenders").select(["status", "closed_reason"]).where("id", "=", tender.id).executeTakeFirst()).toEqual({ status: "closed", closed_reason: "awarded" });
    // A week later the never-confirmed tender is gone.
    setClock(() => new Date(Date.now() + 8 * 86_400_000));
    expect((await runJob(appDb(), "close-tenders", {})) as { purged: number }).toMatchObject({ purged: expect.any(Number) });
    expect(await tenderOf(unconfirmedEmail)).toBeUndefined();
  });

  it("T-2: the submitter compares the proposals side by side through the private link and selects one; the tender closes, the selected partner gets the contact, the others are told", async () => {
    const { tender, token, email } = await publishedVisitorTender();
    const partners = [await partnerOrg({ name: "Alpha Web AG" }), await partnerOrg({ name: "Beta Digital GmbH" }), await partnerOrg({ name: "Gamma IT SA" })];
    for (const [i, p] of partners.entries()) {
      expect((await (await signedIn(p)).post(`/orgs/${p.orgId}/tender-board/${tender.id}`, proposalForm({ priceMin: String(4000 + i * 100), priceMax: String(5000 + i * 100) }))).status).toBe(302);
    }
    const visitor = new Client();
    const view = await visitor.get(`/tenders/t/${token}`);
    const text = textOf(view.html);
    for (const name of ["Alpha Web AG", "Beta Digital GmbH", "Gamma IT SA"]) expect(text).toContain(name);
    expect(view.html).toContain('data-testid="proposals"');
    const proposals = await proposalsOf(tender.id);
    const beta = proposals.find((p) => p.partner_name === "Beta Digital GmbH")!;
    // Selecting asks for confirmation first.
    const confirmStep = await visitor.get(`/tenders/t/${token}?select=${beta.id}`);
    expect(textOf(confirmStep.html)).toContain("Select the proposal of Beta Digital GmbH?");
    expect((await visitor.post(`/tenders/t/${token}`, { intent: "select", proposalId: beta.id })).status).toBe(400);
    const selected = await visitor.post(`/tenders/t/${token}`, { intent: "select", proposalId: beta.id, confirm: "yes" });
    expect(selected.status).toBe(302);
    const decided = await proposalsOf(tender.id);
    expect(decided.map((p) => [p.partner_name, p.status])).toEqual([
      ["Alpha Web AG", "declined"],
      ["Beta Digital GmbH", "selected"],
      ["Gamma IT SA", "declined"],
    ]);
    expect(await testDb().selectFrom("tenders").select(["status", "closed_reason"]).where("id", "=", tender.id).executeTakeFirst()).toEqual({ status: "closed", closed_reason: "awarded" });
    const betaMail = (await outboxTo(partners[1].email)).find((m) => m.kind === "tender_selected");
    expect(betaMail?.body_text).toContain(email);
    for (const p of [partners[0], partners[2]]) {
      const mail = (await outboxTo(p.email)).find((m) => m.kind === "tender_declined");
      expect(mail?.subject).toBe(`Tender closed: ${tender.title}`);
      expect(mail?.body_text).not.toContain(email);
    }
    // Closed: no second selection, no new answer, off the board.
    const again = await visitor.post(`/tenders/t/${token}`, { intent: "select", proposalId: decided[0].id, confirm: "yes" });
    expect(again.status).toBe(409);
    const late = await partnerOrg();
    expect((await (await signedIn(late)).post(`/orgs/${late.orgId}/tender-board/${tender.id}`, proposalForm())).status).toBe(404);
    // Another tender's link cannot decide on this one's proposals.
    const other = await publishedVisitorTender();
    expect((await visitor.post(`/tenders/t/${other.token}`, { intent: "select", proposalId: decided[0].id, confirm: "yes" })).status).toBe(404);
  });

  it("T-2: the submitter withdraws the tender at any time; partners that answered are told and no one can answer any more", async () => {
    const { tender, token } = await publishedVisitorTender();
    const partner = await partnerOrg();
    const client = await signedIn(partner);
    expect((await client.post(`/orgs/${partner.orgId}/tender-board/${tender.id}`, proposalForm())).status).toBe(302);
    const visitor = new Client();
    expect(textOf((await visitor.get(`/tenders/t/${token}?withdraw=1`)).html)).toContain("Withdraw this tender?");
    expect((await visitor.post(`/tenders/t/${token}`, { intent: "withdraw", confirm: "yes" })).status).toBe(302);
    expect(await testDb().selectFrom("tenders").select(["status", "closed_reason"]).where("id", "=", tender.id).executeTakeFirst()).toEqual({ status: "closed", closed_reason: "withdrawn" });
    expect((await outboxTo(partner.email)).some((m) => m.kind === "tender_withdrawn")).toBe(true);
    const other = await partnerOrg();
    expect((await (await signedIn(other)).post(`/orgs/${other.orgId}/tender-board/${tender.id}`, proposalForm())).status).toBe(404);
    // The partner that answered still sees the outcome of its proposal.
    expect(textOf((await client.get(`/orgs/${partner.orgId}/tender-board`)).html)).toContain("withdrawn");
    expect((await visitor.post(`/tenders/t/${token}`, { intent: "withdraw", confirm: "yes" })).status).toBe(409);
  });

  it("T-1: a signed-in customer posts a tender from the portal, sees its tenders there and selects a proposal there; restricted members and other organizations cannot", async () => {
    const customer = await createUser({ name: "Portal Customer" });
    const client = await signedIn(customer);
    const title = `Mail migration ${Date.now()}`;
    const posted = await client.post(`/orgs/${customer.orgId}/tenders/new`, tenderForm({ title, "categories[]": ["email", "migration"] }));
    expect(posted.status).toBe(302);
    const tender = await testDb().selectFrom("tenders").selectAll().where("title", "=", title).executeTakeFirstOrThrow();
    expect(tender).toMatchObject({ org_id: customer.orgId, posted_by: customer.userId, contact_email: customer.email, status: "open", access_token_hash: null });
    expect(textOf((await client.get(`/orgs/${customer.orgId}/tenders`)).html)).toContain(title);

    const partner = await partnerOrg({ name: "Delta Hosting AG" });
    expect((await (await signedIn(partner)).post(`/orgs/${partner.orgId}/tender-board/${tender.id}`, proposalForm())).status).toBe(302);
    const mail = (await outboxTo(customer.email)).find((m) => m.kind === "tender_proposal");
    expect(mail?.body_text).toContain(`/orgs/${customer.orgId}/tenders/${tender.id}`);
    const detail = await client.get(`/orgs/${customer.orgId}/tenders/${tender.id}`);
    expect(textOf(detail.html)).toContain("Delta Hosting AG");
    const [proposal] = await proposalsOf(tender.id);

    const restricted = await createMember(customer.orgId, "restricted");
    const restrictedClient = await signedIn(restricted);
    expect((await restrictedClient.get(`/orgs/${customer.orgId}/tenders/${tender.id}`)).status).toBe(403);
    expect((await restrictedClient.post(`/orgs/${customer.orgId}/tenders/${tender.id}`, { intent: "select", proposalId: proposal.id, confirm: "yes" })).status).toBe(403);
    const stranger = await createUser();
    const strangerClient = await signedIn(stranger);
    expect((await strangerClient.get(`/orgs/${stranger.orgId}/tenders/${tender.id}`)).status).toBe(404);
    expect((await strangerClient.post(`/orgs/${stranger.orgId}/tenders/${tender.id}`, { intent: "select", proposalId: proposal.id, confirm: "yes" })).status).toBe(404);
    expect((await proposalsOf(tender.id))[0].status).toBe("submitted");

    expect((await client.post(`/orgs/${customer.orgId}/tenders/${tender.id}`, { intent: "select", proposalId: proposal.id, confirm: "yes" })).status).toBe(302);
    expect((await proposalsOf(tender.id))[0].status).toBe("selected");
    expect(textOf((await client.get(`/orgs/${customer.orgId}/tenders`)).html)).toContain("closed (a proposal was selected)");
  });

  it("T-2: opted-in partners whose categories and regions match get one digest mail a day with the new tenders; others get none", async () => {
    const start = new Date();
    const zurichWeb = await partnerOrg({ name: "Zurich Web" });
    const genevaHosting = await partnerOrg({ name: "Geneva Hosting" });
    const wholeSwitzerland = await partnerOrg({ name: "Swiss Everything" });
    const notOptedIn = await partnerOrg({ name: "Quiet Partner" });
    const save = async (p: typeof zurichWeb, form: Record<string, string | string[]>) => {
      const res = await (await signedIn(p)).post(`/orgs/${p.orgId}/tender-board/alerts`, { email: p.email, ...form });
      expect(res.status).toBe(302);
    };
    await save(zurichWeb, { enabled: "yes", "categories[]": ["website"], "regions[]": ["CH-ZH"] });
    await save(genevaHosting, { enabled: "yes", "categories[]": ["hosting"], "regions[]": ["CH-GE"] });
    await save(wholeSwitzerland, { enabled: "yes", "regions[]": ["CH"] });
    await save(notOptedIn, { "categories[]": ["website"] });

    setClock(() => new Date(start.getTime() + 60_000));
    const a = await publishedVisitorTender({ title: "Website in Zurich", "categories[]": ["website"], region: "CH-ZH" });
    const b = await publishedVisitorTender({ title: "Shop in Bern", "categories[]": ["ecommerce"], region: "CH-BE" });
    const c = await publishedVisitorTender({ title: "Hosting in Lyon", "categories[]": ["hosting"], region: "FR" });

    setClock(() => new Date(start.getTime() + 2 * 60_000));
    const first = await runJob(appDb(), "tender-digest", {});
    expect(first).toMatchObject({ mailed: 2 });
    const digestsOf = async (p: typeof zurichWeb) => (await outboxTo(p.email)).filter((m) => m.kind === "tender_digest");
    const [zurichMail] = await digestsOf(zurichWeb);
    expect(zurichMail.subject).toBe("1 new tender(s) for you");
    expect(zurichMail.body_text).toContain(a.tender.title);
    expect(zurichMail.body_text).toContain(`/orgs/${zurichWeb.orgId}/tender-board/${a.tender.id}`);
    const [swissMail] = await digestsOf(wholeSwitzerland);
    expect(swissMail.body_text).toContain(a.tender.title);
    expect(swissMail.body_text).toContain(b.tender.title);
    expect(swissMail.body_text).not.toContain(c.tender.title);
    expect(await digestsOf(genevaHosting)).toHaveLength(0);
    expect(await digestsOf(notOptedIn)).toHaveLength(0);

    // The same day again, even with a new tender: nothing more (one mail per partner and day).
    setClock(() => new Date(start.getTime() + 3 * 60_000));
    const d = await publishedVisitorTender({ title: "Second website in Zurich", "categories[]": ["website"], region: "CH-ZH" });
    expect(await runJob(appDb(), "tender-digest", {})).toMatchObject({ mailed: 0 });
    expect(await digestsOf(zurichWeb)).toHaveLength(1);
    // The next day the new one comes, and only it.
    setClock(() => new Date(start.getTime() + 86_400_000 + 60_000));
    expect(await runJob(appDb(), "tender-digest", {})).toMatchObject({ mailed: 2 });
    const zurichMails = await digestsOf(zurichWeb);
    expect(zurichMails).toHaveLength(2);
    expect(zurichMails[0].body_text).toContain(d.tender.title);
    expect(zurichMails[0].body_text).not.toContain(a.tender.title);
    // A partner that is no longer a partner gets nothing.
    await testDb().deleteFrom("program_memberships").where("org_id", "=", zurichWeb.orgId).execute();
    setClock(() => new Date(start.getTime() + 2 * 86_400_000 + 60_000));
    await publishedVisitorTender({ title: "Third website in Zurich", "categories[]": ["website"], region: "CH-ZH" });
    setClock(() => new Date(start.getTime() + 2 * 86_400_000 + 120_000));
    await runJob(appDb(), "tender-digest", {});
    expect(await digestsOf(zurichWeb)).toHaveLength(2);
  });
});
