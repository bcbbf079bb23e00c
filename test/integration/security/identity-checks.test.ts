import { existsSync, readFileSync } from "node:fs";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { identityFilePath } from "../../../app/domain/security/identity-files.server";
import { addMs, HOUR, setClock } from "../../../app/lib/clock";
import { Client, textOf } from "../../support/app";
import { staffSignedIn } from "../../support/backoffice";
import { createStaff, createUser, signedIn } from "../../support/factories";
import { finishedJob, startTestBullWorkers } from "../../support/jobs";
import { appDb, testDb } from "../../support/setup";
import { outboxTo } from "../../support/smtp";
import { auditOf, identityChecksOf, identityPathIn, jpeg, onlyTheseAgents, pdf, png, postMultipart, requestsOf, setSubmittedAt } from "../../support/support";

// S-5/K-3: identity checks through the real routes (support asks, the user uploads through
// the one-time link, staff decide from the queue) and the 72-hour purge job, with the clock
// moved; the files on disk are checked to be encrypted.
const START = new Date("2027-06-01T07:00:00Z");
let workers: Awaited<ReturnType<typeof startTestBullWorkers>>;

beforeAll(async () => {
  workers = await startTestBullWorkers(appDb());
});
afterAll(async () => {
  await workers?.close();
});
afterEach(() => setClock(undefined));

/** A user with an open support request, whose agent asks for an identity check for `reason`. */
async function checkRequested(reason = "forgotten_password") {
  const agentAccount = await createStaff("support_agent");
  await onlyTheseAgents([agentAccount.staffId]);
  const user = await createUser({ name: "Ida Ident" });
  const client = await signedIn(user);
  await postMultipart(client, "/support", { subject: "Locked out", body: "I forgot my password and my 2FA phone." });
  const [request] = await requestsOf(user.userId);
  const agent = await staffSignedIn(agentAccount);
  const asked = await agent.post(`/backoffice/support/${request.id}`, { intent: "identity", reason });
  expect(asked.status).toBe(302);
  const [mail] = await outboxTo(user.email);
  expect(mail.subject).toBe("Please confirm your identity");
  return { user, agent, agentAccount, link: identityPathIn(mail.body_text), mailText: mail.body_text };
}

async function upload(link: string, document = pdf("passport"), photo = jpeg("selfie")) {
  return postMultipart(new Client(), link, {}, { document: [{ name: "passport.pdf", data: document }], photo: [{ name: "me.jpg", data: photo }] });
}

describe("identity checks", () => {
  it("S-5: every reason exists; support asks for one and the user uploads a document and a photo through the one-time link; the files are encrypted on disk", async () => {
    setClock(() => START);
    const { user, mailText, link } = await checkRequested("disable_2fa");
    expect(mailText).toContain("switching off two-factor authentication");
    const [check] = await identityChecksOf(user.userId);
    expect(check).toMatchObject({ reason: "disable_2fa", status: "requested" });

    const page = await new Client().get(link);
    expect(page.status).toBe(200);
    expect(textOf(page.html)).toContain("Reason: switching off two-factor authentication");
    const sent = await upload(link, pdf("PASSPORT-NUMBER-X1234567"), jpeg("SELFIE-MARKER"));
    expect(sent.status).toBe(200);
    expect(textOf(sent.html)).toContain("Your documents were sent");
    expect((await identityChecksOf(user.userId))[0]).toMatchObject({ status: "submitted", submitted_at: START, upload_used_at: START, document_type: "application/pdf", photo_type: "image/jpeg" });

    // On disk: neither the content nor a file signature in plain text.
    const stored = readFileSync(identityFilePath(check.id, "document"));
    expect(stored.includes(Buffer.from("PASSPORT-NUMBER-X1234567"))).toBe(false);
    expect(stored.includes(Buffer.from("%PDF"))).toBe(false);
    const storedPhoto = readFileSync(identityFilePath(check.id, "photo"));
    expect(storedPhoto.includes(Buffer.from("SELFIE-MARKER"))).toBe(false);
    expect(storedPhoto.subarray(0, 3).equals(Buffer.from([0xff, 0xd8, 0xff]))).toBe(false);

    // The link worked once.
    expect(textOf((await new Client().get(link)).html)).toContain("This link cannot be used");
    expect((await upload(link)).status).toBe(409);

    // Staff read the decrypted document (each view is audited).
    const handler = await staffSignedIn(await createStaff("administrator"));
    const doc = await handler.download(`/backoffice/identity-checks/${check.id}/document`);
    expect(doc.status).toBe(200);
    expect(doc.headers.get("Content-Type")).toBe("application/pdf");
    expect(doc.body).toEqual(pdf("PASSPORT-NUMBER-X1234567"));
    expect(await auditOf("identity_check.document_viewed", check.id)).toHaveLength(1);
    // Every reason of S-5 is a value the checks accept.
    const reasons = ["forgotten_password", "forgotten_email", "disable_2fa", "unlock_account", "first_payout", "suspicious_order"] as const;
    // (Another account: this one's check for switching 2FA off is open, and only one may be.)
    const other = await createUser();
    for (const reason of reasons) {
      await testDb().insertInto("identity_checks").values({ user_id: other.userId, reason, upload_token_hash: `h-${reason}-${check.id}`, upload_expires_at: START, requested_at: START }).execute();
    }
  });

  it("S-5: the document and the photo are checked by type (first bytes) and size; nothing is stored for a refused upload", async () => {
    setClock(() => START);
    const { user, link } = await checkRequested();
    const [check] = await identityChecksOf(user.userId);
    const photoAsPdf = await upload(link, pdf(), pdf());
    expect(photoAsPdf.status).toBe(400);
    expect(textOf(photoAsPdf.html)).toContain("The photo must be a PNG or JPEG image.");
    const renamed = await upload(link, Buffer.from("MZ\x90\x00 not a passport"), png());
    expect(renamed.status).toBe(400);
    expect(textOf(renamed.html)).toContain("The document must be a PNG, JPEG or PDF file.");
    const huge = await upload(link, Buffer.concat([pdf(), Buffer.alloc(11 * 1024 * 1024)]), png());
    expect(huge.status).toBe(400);
    expect(textOf(huge.html)).toContain("The file may be at most 10 MB.");
    const missing = await postMultipart(new Client(), link, {}, { document: [{ name: "a.pdf", data: pdf() }] });
    expect(missing.status).toBe(400);
    expect((await identityChecksOf(user.userId))[0]).toMatchObject({ status: "requested", upload_used_at: null });
    expect(existsSync(identityFilePath(check.id, "document"))).toBe(false);
    // An unknown link uploads nothing either.
    expect((await upload("/identity/not-a-real-token")).status).toBe(409);
    // The link still works after refused tries.
    expect((await upload(link, png("id"), png("me"))).status).toBe(200);
  });

  it("K-3: staff handle submitted checks oldest first; the decision deletes the documents; a billing agent has no access", async () => {
    setClock(() => START);
    const a = await checkRequested();
    const b = await checkRequested();
    const c = await checkRequested();
    await upload(a.link);
    await upload(b.link);
    await upload(c.link);
    const [checkA] = await identityChecksOf(a.user.userId);
    const [checkB] = await identityChecksOf(b.user.userId);
    const [checkC] = await identityChecksOf(c.user.userId);
    // Sent at different times: C first, then A, then B.
    await setSubmittedAt(checkC.id, addMs(START, -3 * HOUR));
    await setSubmittedAt(checkA.id, addMs(START, -2 * HOUR));
    await setSubmittedAt(checkB.id, addMs(START, -1 * HOUR));

    const staff = await staffSignedIn(await createStaff("support_agent"));
    const queue = await staff.get("/backoffice/identity-checks");
    expect(queue.status).toBe(200);
    const order = [...queue.html.matchAll(/data-testid="check-([0-9a-f-]+)"/g)].map((m) => m[1]).filter((id) => [checkA.id, checkB.id, checkC.id].includes(id));
    expect(order).toEqual([checkC.id, checkA.id, checkB.id]);

    // Rejecting needs a reason and the confirmation.
    expect((await staff.post(`/backoffice/identity-checks/${checkC.id}`, { decision: "reject", confirm: "yes" })).status).toBe(400);
    expect((await staff.post(`/backoffice/identity-checks/${checkC.id}`, { decision: "approve" })).status).toBe(400);
    expect(existsSync(identityFilePath(checkC.id, "document"))).toBe(true);
    const rejected = await staff.post(`/backoffice/identity-checks/${checkC.id}`, { decision: "reject", rejectionReason: "The photo is blurred.", confirm: "yes" });
    expect(rejected.status).toBe(302);
    expect((await identityChecksOf(c.user.userId))[0]).toMatchObject({ status: "rejected", rejection_reason: "The photo is blurred.", handled_at: START });
    expect(existsSync(identityFilePath(checkC.id, "document"))).toBe(false);
    expect(existsSync(identityFilePath(checkC.id, "photo"))).toBe(false);
    expect((await outboxTo(c.user.email))[0]).toMatchObject({ subject: "Your identity check was not approved" });

    const approved = await staff.post(`/backoffice/identity-checks/${checkA.id}`, { decision: "approve", confirm: "yes" });
    expect(approved.status).toBe(302);
    expect((await identityChecksOf(a.user.userId))[0]).toMatchObject({ status: "approved", documents_deleted_at: START });
    expect(existsSync(identityFilePath(checkA.id, "photo"))).toBe(false);
    expect(await auditOf("identity_check.documents_deleted", checkA.id)).toMatchObject([{ data: { cause: "handled" } }]);
    // Handled checks leave the queue and cannot be decided again; their documents are gone.
    const after = await staff.get("/backoffice/identity-checks");
    expect(after.html).not.toContain(checkA.id);
    expect(after.html).toContain(checkB.id);
    expect((await staff.post(`/backoffice/identity-checks/${checkA.id}`, { decision: "reject", rejectionReason: "x", confirm: "yes" })).status).toBe(409);
    expect((await staff.download(`/backoffice/identity-checks/${checkA.id}/document`)).status).toBe(404);

    const billing = await staffSignedIn(await createStaff("billing_agent"));
    expect((await billing.get("/backoffice/identity-checks")).status).toBe(403);
    expect((await billing.download(`/backoffice/identity-checks/${checkB.id}/photo`)).status).toBe(403);
    expect((await billing.post(`/backoffice/identity-checks/${checkB.id}`, { decision: "approve", confirm: "yes" })).status).toBe(403);
    expect((await identityChecksOf(b.user.userId))[0].status).toBe("submitted");
  });

  it("S-5: the job deletes the documents of checks not handled within 72 hours of submission and logs it; younger ones stay", async () => {
    setClock(() => START);
    const old = await checkRequested();
    await upload(old.link);
    setClock(() => addMs(START, 2 * HOUR));
    const young = await checkRequested();
    await upload(young.link);
    const [oldCheck] = await identityChecksOf(old.user.userId);
    const [youngCheck] = await identityChecksOf(young.user.userId);

    // 71 hours after the first submission: nothing is due.
    setClock(() => addMs(START, 71 * HOUR));
    await workers.sink.add("purge-identity-documents", {}, "purge-id-1");
    await finishedJob(workers.sink.queue, "purge-id-1");
    expect(existsSync(identityFilePath(oldCheck.id, "document"))).toBe(true);

    // 73 hours: the first check's documents go, the second's (71 hours old) stay.
    setClock(() => addMs(START, 73 * HOUR));
    await workers.sink.add("purge-identity-documents", {}, "purge-id-2");
    const job = await finishedJob(workers.sink.queue, "purge-id-2");
    // (Unhandled checks of this file's earlier tests are as old, and go too.)
    expect((job.returnvalue as { deleted: number }).deleted).toBeGreaterThanOrEqual(1);
    expect(existsSync(identityFilePath(oldCheck.id, "document"))).toBe(false);
    expect(existsSync(identityFilePath(oldCheck.id, "photo"))).toBe(false);
    expect(existsSync(identityFilePath(youngCheck.id, "document"))).toBe(true);
    expect((await identityChecksOf(old.user.userId))[0]).toMatchObject({ status: "expired", documents_deleted_at: addMs(START, 73 * HOUR) });
    expect((await identityChecksOf(young.user.userId))[0]).toMatchObject({ status: "submitted", documents_deleted_at: null });
    const [logged] = await auditOf("identity_check.documents_deleted", oldCheck.id);
    expect(logged).toMatchObject({ target_type: "identity_check", data: { cause: "unhandled_72h", reason: "forgotten_password" } });
    // The expired check left the queue; running again deletes nothing more.
    const staff = await staffSignedIn(await createStaff("administrator"));
    expect((await staff.get("/backoffice/identity-checks")).html).not.toContain(oldCheck.id);
    await workers.sink.add("purge-identity-documents", {}, "purge-id-3");
    expect((await finishedJob(workers.sink.queue, "purge-id-3")).returnvalue).toMatchObject({ deleted: 0 });
  });
});
