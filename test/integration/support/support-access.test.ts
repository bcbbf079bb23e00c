import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { addMs, DAY, HOUR, setClock } from "../../../app/lib/clock";
import { textOf, type Client } from "../../support/app";
import { staffSignedIn } from "../../support/backoffice";
import { createProduct, createStaff, createUser, grantProduct, signedIn } from "../../support/factories";
import { finishedJob, startTestBullWorkers } from "../../support/jobs";
import { orgWithStaff } from "../../support/members";
import { appDb, testDb } from "../../support/setup";
import { auditOf, onlyTheseAgents, postMultipart, requestsOf } from "../../support/support";

// S-1/S-2/K-4: support access grants through the real routes and the closing job, against
// the real database, with the clock moved for the 7-day limit.
const START = new Date("2027-05-03T08:00:00Z");
let workers: Awaited<ReturnType<typeof startTestBullWorkers>>;

beforeAll(async () => {
  workers = await startTestBullWorkers(appDb());
});
afterAll(async () => {
  await workers?.close();
});
afterEach(() => setClock(undefined));

function grantsOf(userId: string) {
  return testDb().selectFrom("support_grants").selectAll().where("user_id", "=", userId).orderBy("granted_at").orderBy("id").execute();
}
function usesOf(userId: string) {
  return testDb().selectFrom("support_grant_uses").selectAll().where("user_id", "=", userId).orderBy("used_at").orderBy("id").execute();
}

/**
 * An organization whose restricted member manages one mail product (two mailboxes) and reads
 * two storage drives and one chat; another mail product is out of their reach. The member has
 * an open support request, assigned to a fresh agent.
 */
async function customerWithRequest(name: string) {
  const org = await orgWithStaff(name);
  const db = testDb();
  const mail = await createProduct(org.orgId, "mail", `${name.toLowerCase()}-mail.ch`);
  const otherMail = await createProduct(org.orgId, "mail", `${name.toLowerCase()}-board.ch`);
  const driveA = await createProduct(org.orgId, "storage", "Drive A");
  const driveB = await createProduct(org.orgId, "storage", "Drive B");
  const chat = await createProduct(org.orgId, "chat", "Team chat");
  for (const [productId, level] of [
    [mail, "manage"],
    [driveA, "read"],
    [driveB, "read"],
    [chat, "read"],
  ] as const) {
    await grantProduct(org.orgId, productId, level, { userId: org.restricted.userId });
  }
  const tag = name.toLowerCase();
  await db
    .insertInto("mailboxes")
    .values([
      { org_id: org.orgId, product_id: mail, address: `info@${tag}-mail.ch`, password_hash: "x" },
      { org_id: org.orgId, product_id: mail, address: `sales@${tag}-mail.ch`, password_hash: "x" },
      { org_id: org.orgId, product_id: otherMail, address: `board@${tag}-board.ch`, password_hash: "x" },
    ])
    .execute();
  await db
    .insertInto("storage_folders")
    .values([
      { org_id: org.orgId, product_id: driveA, path: "/Contracts", size_bytes: 2048 },
      { org_id: org.orgId, product_id: driveB, path: "/Payroll", size_bytes: 4096 },
    ])
    .execute();
  await db.insertInto("chat_discussions").values({ org_id: org.orgId, product_id: chat, title: "Launch plan", message_count: 12 }).execute();
  const agent = await createStaff("support_agent");
  await onlyTheseAgents([agent.staffId]);
  const user = await signedIn(org.restricted);
  expect((await postMultipart(user, "/support", { subject: `${name} needs help`, body: "Please look at my files." })).status).toBe(302);
  const [request] = await requestsOf(org.restricted.userId);
  expect(request.assigned_staff_id).toBe(agent.staffId);
  return { org, user, member: org.restricted, agent, request, products: { mail, otherMail, driveA, driveB, chat } };
}

async function grant(user: Client, form: Record<string, string>) {
  return user.post("/support/access", { intent: "grant", ...form });
}

describe("support access", () => {
  it("S-2: the switches are separate: the folders of one storage drive open neither the other drive, nor the mailboxes, nor the chat", async () => {
    setClock(() => START);
    const c = await customerWithRequest("Trennung");
    const page = await c.user.get("/support/access");
    expect(page.status).toBe(200);
    const text = textOf(page.html);
    expect(text).toContain("The content of the mailboxes you reach");
    expect(text).toContain("Folders of the storage drive Drive A (Trennung AG)");
    expect(text).toContain("Folders of the storage drive Drive B (Trennung AG)");
    expect(text).toContain("Discussions of the chat Team chat (Trennung AG)");

    const granted = await grant(c.user, { scope: "storage", productId: c.products.driveA, days: "3" });
    expect(granted.status).toBe(302);
    const [g] = await grantsOf(c.member.userId);
    expect(g).toMatchObject({ scope: "storage", product_id: c.products.driveA, granted_at: START, expires_at: addMs(START, 3 * DAY), revoked_at: null });
    expect(textOf((await c.user.get("/support/access")).html)).toContain("On until");

    const agent = await staffSignedIn(c.agent);
    const detail = textOf((await agent.get(`/backoffice/support/${c.request.id}`)).html);
    expect(detail).toContain("Storage drive Drive A");
    expect(detail).not.toContain("Drive B");
    expect(detail).not.toContain("Mailboxes ·");
    const opened = await agent.get(`/backoffice/support/${c.request.id}/access/${g.id}`);
    expect(opened.status).toBe(200);
    const content = textOf(opened.html);
    expect(content).toContain("/Contracts");
    expect(content).not.toContain("/Payroll");
    expect(content).not.toContain("Launch plan");
    expect(content).not.toContain("info@");

    // The mailbox switch is its own: once on, the agent sees the mailboxes this user reaches, no others.
    expect((await grant(c.user, { scope: "mailboxes", days: "1" })).status).toBe(302);
    const mailboxGrant = (await grantsOf(c.member.userId)).find((x) => x.scope === "mailboxes")!;
    const boxes = textOf((await agent.get(`/backoffice/support/${c.request.id}/access/${mailboxGrant.id}`)).html);
    expect(boxes).toContain("info@trennung-mail.ch");
    expect(boxes).toContain("sales@trennung-mail.ch");
    expect(boxes).not.toContain("board@trennung-board.ch");
    expect(boxes).not.toContain("/Contracts");

    // A product of another organization, a wrong kind, or a second live switch is refused.
    const outsider = await createUser();
    const foreignDrive = await createProduct(outsider.orgId, "storage", "Foreign");
    expect((await grant(c.user, { scope: "storage", productId: foreignDrive, days: "2" })).status).toBe(400);
    expect((await grant(c.user, { scope: "chat", productId: c.products.driveB, days: "2" })).status).toBe(400);
    expect((await grant(c.user, { scope: "storage", productId: c.products.driveA, days: "2" })).status).toBe(409);
    expect(await grantsOf(c.member.userId)).toHaveLength(2);
  });

  it("S-1: a grant lasts at most 7 days; past its end the check refuses it before the closing job runs, and the job then closes it", async () => {
    setClock(() => START);
    const c = await customerWithRequest("Frist");
    expect((await grant(c.user, { scope: "chat", productId: c.products.chat, days: "8" })).status).toBe(400);
    expect((await grant(c.user, { scope: "chat", productId: c.products.chat, days: "0" })).status).toBe(400);
    expect(await grantsOf(c.member.userId)).toEqual([]);
    expect((await grant(c.user, { scope: "chat", productId: c.products.chat, days: "7" })).status).toBe(302);
    const [g] = await grantsOf(c.member.userId);
    expect(g.expires_at).toEqual(addMs(START, 7 * DAY));
    const agent = await staffSignedIn(c.agent);
    const url = `/backoffice/support/${c.request.id}/access/${g.id}`;

    setClock(() => addMs(START, 7 * DAY - HOUR));
    const late = await agent.get(url);
    expect(late.status).toBe(200);
    expect(textOf(late.html)).toContain("Launch plan");

    // One minute past the end: refused, although the job has not closed the grant yet.
    setClock(() => addMs(START, 7 * DAY + 60_000));
    expect((await grantsOf(c.member.userId))[0].closed_at).toBeNull();
    expect((await agent.get(url)).status).toBe(403);
    expect(textOf((await agent.get(`/backoffice/support/${c.request.id}`)).html)).toContain("The user has not granted any access.");
    expect(await usesOf(c.member.userId)).toHaveLength(1);

    await workers.sink.add("close-support-grants", {}, "close-grants-1");
    const job = await finishedJob(workers.sink.queue, "close-grants-1");
    // (Grants of this file's earlier tests are past their end too.)
    expect((job.returnvalue as { closed: number }).closed).toBeGreaterThanOrEqual(1);
    expect((await grantsOf(c.member.userId))[0].closed_at).toEqual(addMs(START, 7 * DAY + 60_000));
    expect(await auditOf("support.access_expired", g.id)).toHaveLength(1);
    // Running again changes nothing.
    await workers.sink.add("close-support-grants", {}, "close-grants-2");
    expect((await finishedJob(workers.sink.queue, "close-grants-2")).returnvalue).toMatchObject({ closed: 0 });
    expect((await agent.get(url)).status).toBe(403);
    // The switch shows as off and can be switched on again.
    expect(textOf((await c.user.get("/support/access")).html)).not.toContain("On until");
    expect((await grant(c.user, { scope: "chat", productId: c.products.chat, days: "1" })).status).toBe(302);
  });

  it("S-1: revoking takes effect at once", async () => {
    setClock(() => START);
    const c = await customerWithRequest("Widerruf");
    await grant(c.user, { scope: "storage", productId: c.products.driveB, days: "7" });
    const [g] = await grantsOf(c.member.userId);
    const agent = await staffSignedIn(c.agent);
    const url = `/backoffice/support/${c.request.id}/access/${g.id}`;
    expect((await agent.get(url)).status).toBe(200);
    const stranger = await signedIn(await createUser());
    expect((await stranger.post("/support/access", { intent: "revoke", grantId: g.id })).status).toBe(404);
    expect((await agent.get(url)).status).toBe(200);
    const revoked = await c.user.post("/support/access", { intent: "revoke", grantId: g.id });
    expect(revoked.status).toBe(302);
    expect((await grantsOf(c.member.userId))[0].revoked_at).toEqual(START);
    expect((await agent.get(url)).status).toBe(403);
    expect(await auditOf("support.access_revoked", g.id)).toMatchObject([{ actor_user_id: c.member.userId }]);
  });

  it("K-4: only the agent assigned to the user's open request can use a grant: not another agent, not after the request is closed", async () => {
    setClock(() => START);
    const c = await customerWithRequest("Zuweisung");
    await grant(c.user, { scope: "chat", productId: c.products.chat, days: "5" });
    const [g] = await grantsOf(c.member.userId);
    const url = `/backoffice/support/${c.request.id}/access/${g.id}`;

    // Another support agent, even with the grant's id: nothing (the request is not theirs).
    const otherAgent = await staffSignedIn(await createStaff("support_agent"));
    expect((await otherAgent.get(url)).status).toBe(404);
    // The other agent's own request of another user does not open this user's grant.
    const elsewhere = await createUser();
    const otherRequest = await testDb()
      .insertInto("support_requests")
      .values({ user_id: elsewhere.userId, subject: "Other", assigned_staff_id: (await testDb().selectFrom("staff_accounts").select("id").orderBy("created_at", "desc").executeTakeFirstOrThrow()).id, created_at: START })
      .returning("id")
      .executeTakeFirstOrThrow();
    expect((await otherAgent.get(`/backoffice/support/${otherRequest.id}/access/${g.id}`)).status).toBe(404);
    // A staff administrator oversees requests but cannot use grants.
    const admin = await staffSignedIn(await createStaff("administrator"));
    expect((await admin.get(`/backoffice/support/${c.request.id}`)).status).toBe(200);
    expect((await admin.get(url)).status).toBe(403);

    const agent = await staffSignedIn(c.agent);
    expect((await agent.get(url)).status).toBe(200);
    // Closing the request (the user closes it) ends the agent's use at once.
    const closed = await postMultipart(c.user, `/support/${c.request.id}`, { intent: "close", confirm: "yes" });
    expect(closed.status).toBe(302);
    expect((await requestsOf(c.member.userId))[0].status).toBe("closed");
    expect((await agent.get(url)).status).toBe(403);
    expect(await usesOf(c.member.userId)).toHaveLength(1);
  });

  it("K-4: every use is logged (who, when, what) and shown to the user", async () => {
    setClock(() => START);
    const c = await customerWithRequest("Protokoll");
    await grant(c.user, { scope: "storage", productId: c.products.driveA, days: "2" });
    await grant(c.user, { scope: "mailboxes", days: "2" });
    const all = await grantsOf(c.member.userId);
    const grants = [all.find((x) => x.scope === "storage")!, all.find((x) => x.scope === "mailboxes")!];
    const agent = await staffSignedIn(c.agent);
    setClock(() => addMs(START, HOUR));
    await agent.get(`/backoffice/support/${c.request.id}/access/${grants[0].id}`);
    setClock(() => addMs(START, 2 * HOUR));
    await agent.get(`/backoffice/support/${c.request.id}/access/${grants[1].id}`);
    setClock(() => addMs(START, 3 * HOUR));
    await agent.get(`/backoffice/support/${c.request.id}/access/${grants[0].id}`);

    const uses = await usesOf(c.member.userId);
    expect(uses.map((u) => [u.grant_id, u.staff_id, u.request_id, u.used_at])).toEqual([
      [grants[0].id, c.agent.staffId, c.request.id, addMs(START, HOUR)],
      [grants[1].id, c.agent.staffId, c.request.id, addMs(START, 2 * HOUR)],
      [grants[0].id, c.agent.staffId, c.request.id, addMs(START, 3 * HOUR)],
    ]);
    expect(await auditOf("support.access_used")).toEqual(expect.arrayContaining([expect.objectContaining({ actor_staff_id: c.agent.staffId, target_id: grants[1].id })]));
    const page = await c.user.get("/support/access");
    const rows = [...page.html.matchAll(/<tr>([\s\S]*?)<\/tr>/g)].map((m) => textOf(m[1])).filter((r) => r.includes("Staff support_agent"));
    expect(rows).toHaveLength(3);
    expect(rows.filter((r) => r.includes("Storage drive Drive A"))).toHaveLength(2);
    expect(rows.filter((r) => r.includes("Mailboxes"))).toHaveLength(1);
    // Another user sees none of it.
    const stranger = await signedIn(await createUser());
    expect(textOf((await stranger.get("/support/access")).html)).toContain("Support has not used any access yet.");
  });
});
