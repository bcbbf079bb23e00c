import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { setClock } from "../../../app/lib/clock";
import { textOf } from "../../support/app";
import { staffSignedIn } from "../../support/backoffice";
import { createStaff, createUser, signedIn } from "../../support/factories";
import { testDb } from "../../support/setup";
import { auditOf, jpeg, onlyTheseAgents, png, postMultipart, requestsOf } from "../../support/support";

// K-4: support requests with screenshots, assigned to one support agent, through the real
// routes (user pages and back office) against the real database; files on disk.
afterEach(() => setClock(undefined));

function attachmentsOf(requestId: string) {
  return testDb().selectFrom("support_attachments").selectAll().where("request_id", "=", requestId).orderBy("created_at").execute();
}

describe("support requests", () => {
  it("K-4: a user opens a request with text and screenshots; it goes to the agent with the fewest open requests, who sees it in the queue, answers and closes it", async () => {
    const busy = await createStaff("support_agent");
    const free = await createStaff("support_agent");
    await onlyTheseAgents([busy.staffId, free.staffId]);
    const earlier = await createUser({ name: "Earlier Customer" });
    await testDb().insertInto("support_requests").values({ user_id: earlier.userId, subject: "Old", assigned_staff_id: busy.staffId, created_at: new Date() }).execute();

    const user = await createUser({ name: "Hanna Hilfe" });
    const client = await signedIn(user);
    const page = await client.get("/support");
    expect(page.status).toBe(200);
    expect(textOf(page.html)).toContain("You have not opened any support request yet.");
    const opened = await postMultipart(client, "/support", { subject: "Mail is not arriving", body: "Since Monday no mail arrives." }, {
      screenshots: [
        { name: "inbox.png", data: png("inbox"), type: "image/png" },
        { name: "../../etc/error.jpg", data: jpeg("error"), type: "image/jpeg" },
      ],
    });
    expect(opened.status).toBe(302);
    const [request] = await requestsOf(user.userId);
    expect(request).toMatchObject({ subject: "Mail is not arriving", status: "open", assigned_staff_id: free.staffId });
    expect(opened.location).toBe(`/support/${request.id}?done=opened`);

    // The screenshots: checked type and size in the database, the bytes outside it.
    const files = await attachmentsOf(request.id);
    expect(files.map((f) => [f.file_name, f.content_type])).toEqual([
      ["inbox.png", "image/png"],
      ["error.jpg", "image/jpeg"],
    ]);
    expect(readFileSync(join(process.env.SUPPORT_FILES_DIR!, request.id, files[0].id))).toEqual(png("inbox"));
    const mine = await client.follow(opened);
    expect(textOf(mine.html)).toContain("Your request was sent.");
    expect(textOf(mine.html)).toContain("Since Monday no mail arrives.");
    const download = await client.download(`/support/${request.id}/files/${files[0].id}`);
    expect(download.status).toBe(200);
    expect(download.headers.get("Content-Type")).toBe("image/png");
    expect(download.body).toEqual(png("inbox"));
    expect(await auditOf("support.request_opened", request.id)).toMatchObject([{ actor_user_id: user.userId }]);

    // The assigned agent's queue and answer.
    const agent = await staffSignedIn(free);
    const queue = await agent.get("/backoffice/support");
    expect(queue.status).toBe(200);
    expect(textOf(queue.html)).toContain("Mail is not arriving");
    expect(textOf(queue.html)).toContain("Hanna Hilfe");
    const detail = await agent.get(`/backoffice/support/${request.id}`);
    expect(detail.status).toBe(200);
    expect(textOf(detail.html)).toContain("Since Monday no mail arrives.");
    expect((await agent.download(`/backoffice/support/${request.id}/files/${files[1].id}`)).body).toEqual(jpeg("error"));
    const answered = await agent.post(`/backoffice/support/${request.id}`, { intent: "answer", body: "Your MX record points elsewhere." });
    expect(answered.status).toBe(302);
    expect(textOf((await client.get(`/support/${request.id}`)).html)).toContain("Your MX record points elsewhere.");

    // Closing needs the confirmation; then the request is closed for both sides.
    expect((await agent.post(`/backoffice/support/${request.id}`, { intent: "close" })).status).toBe(400);
    expect((await requestsOf(user.userId))[0].status).toBe("open");
    expect((await agent.post(`/backoffice/support/${request.id}`, { intent: "close", confirm: "yes" })).status).toBe(302);
    expect((await requestsOf(user.userId))[0]).toMatchObject({ status: "closed" });
    const reply = await postMultipart(client, `/support/${request.id}`, { body: "One more thing" });
    expect(reply.status).toBe(409);
    expect(textOf((await agent.get("/backoffice/support")).html)).not.toContain("Mail is not arriving");
    expect(textOf((await agent.get("/backoffice/support?scope=all")).html)).toContain("Mail is not arriving");
  });

  it("K-4: the next requests go to the agent with the fewest open ones; ties go to the longest-serving agent", async () => {
    const first = await createStaff("support_agent");
    const second = await createStaff("support_agent");
    await onlyTheseAgents([first.staffId, second.staffId]);
    const user = await createUser();
    const client = await signedIn(user);
    for (const subject of ["One", "Two", "Three"]) {
      expect((await postMultipart(client, "/support", { subject, body: "Help" })).status).toBe(302);
    }
    const requests = await requestsOf(user.userId);
    expect(requests.map((r) => [r.subject, r.assigned_staff_id])).toEqual([
      ["One", first.staffId],
      ["Two", second.staffId],
      ["Three", first.staffId],
    ]);
  });

  it("K-4: screenshots are checked by their first bytes and their size: a renamed text file, a 6 MB image or six screenshots store nothing", async () => {
    const user = await createUser();
    const client = await signedIn(user);
    const fake = await postMultipart(client, "/support", { subject: "Fake", body: "x" }, { screenshots: [{ name: "shot.png", data: Buffer.from("#!/bin/sh\necho hi"), type: "image/png" }] });
    expect(fake.status).toBe(400);
    expect(textOf(fake.html)).toContain("Screenshots must be PNG or JPEG images.");
    const big = await postMultipart(client, "/support", { subject: "Big", body: "x" }, { screenshots: [{ name: "big.png", data: Buffer.concat([png(), Buffer.alloc(6 * 1024 * 1024)]) }] });
    expect(big.status).toBe(400);
    expect(textOf(big.html)).toContain("A screenshot may be at most 5 MB.");
    const many = await postMultipart(client, "/support", { subject: "Many", body: "x" }, { screenshots: Array.from({ length: 6 }, (_, i) => ({ name: `s${i}.png`, data: png() })) });
    expect(many.status).toBe(400);
    const empty = await postMultipart(client, "/support", { subject: "", body: "" });
    expect(empty.status).toBe(400);
    expect(await requestsOf(user.userId)).toEqual([]);
  });

  it("K-4: another agent, another user and a customer session see neither the request nor its screenshots", async () => {
    const assigned = await createStaff("support_agent");
    const other = await createStaff("support_agent");
    await onlyTheseAgents([assigned.staffId]);
    const user = await createUser();
    const client = await signedIn(user);
    await postMultipart(client, "/support", { subject: "Private matter", body: "secret" }, { screenshots: [{ name: "a.png", data: png() }] });
    const [request] = await requestsOf(user.userId);
    const [file] = await attachmentsOf(request.id);
    await testDb().updateTable("staff_accounts").set({ disabled_at: null }).where("id", "=", other.staffId).execute();

    const otherAgent = await staffSignedIn(other);
    expect(textOf((await otherAgent.get("/backoffice/support?scope=all")).html)).not.toContain("Private matter");
    expect((await otherAgent.get(`/backoffice/support/${request.id}`)).status).toBe(404);
    expect((await otherAgent.download(`/backoffice/support/${request.id}/files/${file.id}`)).status).toBe(404);
    expect((await otherAgent.post(`/backoffice/support/${request.id}`, { intent: "answer", body: "hi" })).status).toBe(404);

    const stranger = await signedIn(await createUser());
    expect((await stranger.get(`/support/${request.id}`)).status).toBe(404);
    expect((await stranger.download(`/support/${request.id}/files/${file.id}`)).status).toBe(404);
    expect((await postMultipart(stranger, `/support/${request.id}`, { body: "hijack" })).status).toBe(404);
    // A billing agent has no support queue at all.
    const billing = await staffSignedIn(await createStaff("billing_agent"));
    expect((await billing.get("/backoffice/support")).status).toBe(403);
    expect(existsSync(join(process.env.SUPPORT_FILES_DIR!, request.id))).toBe(true);
    expect(readdirSync(join(process.env.SUPPORT_FILES_DIR!, request.id))).toEqual([file.id]);
  });
});
