import { sql } from "kysely";
import { z } from "zod";
import { assertCan } from "../../auth/ability";
import { now } from "../../lib/clock";
import { pageCount, pageNumber } from "../../lib/paging";
import { audit } from "../audit/audit.server";
import { Conflict, Invalid, NotFound } from "../errors";
import type { StaffActing } from "../staff/accounts.server";
import { actAs, withActor, type Handle } from "../tx.server";
import { partnerProgramValue } from "./value.server";

// K-2: partner managers review applications in the back office.
const PAGE_SIZE = 25;

export const reviewSchema = z.object({
  applicationId: z.string().uuid("errors.invalid"),
  decision: z.enum(["approve", "reject"], { message: "errors.invalid" }),
  reason: z.string().trim().max(1000, "errors.tooLong").default(""),
  confirm: z.literal("yes", { message: "partners.errors.confirm" }),
});
export type ReviewInput = z.infer<typeof reviewSchema>;

/** Open applications, oldest first. */
export async function applicationQueue(db: Handle, acting: StaffActing, opts: { page?: number } = {}) {
  assertCan(acting.ability, "read", "PartnerApplication");
  const page = pageNumber(opts.page);
  return withActor(db, acting.actor, async (trx) => {
    const base = trx.selectFrom("partner_applications as a").where("a.status", "=", "submitted");
    const { n } = await base.select(sql<number>`count(*)::int`.as("n")).executeTakeFirstOrThrow();
    const rows = await base
      .innerJoin("organizations as o", "o.id", "a.org_id")
      .select(["a.id", "a.submitted_at", "a.website_status", "a.value_amount", "a.value_currency", "o.name as org_name"])
      .orderBy("a.submitted_at")
      .orderBy("a.id")
      .limit(PAGE_SIZE)
      .offset((page - 1) * PAGE_SIZE)
      .execute();
    return { applications: rows, page, pages: pageCount(n, PAGE_SIZE) };
  });
}

/** One application with every condition's evidence and the organization's value today. */
export async function applicationDetail(db: Handle, acting: StaffActing, applicationId: string) {
  assertCan(acting.ability, "read", "PartnerApplication");
  if (!z.string().uuid().safeParse(applicationId).success) throw new NotFound();
  return withActor(db, acting.actor, async (trx) => {
    const app = await trx
      .selectFrom("partner_applications as a")
      .innerJoin("organizations as o", "o.id", "a.org_id")
      .selectAll("a")
      .select(["o.name as org_name"])
      .where("a.id", "=", applicationId)
      .executeTakeFirst();
    if (!app) throw new NotFound();
    // The current value reads this organization's products and its clients'.
    await actAs(trx, acting.actor, [app.org_id]);
    return { ...app, currentValue: await partnerProgramValue(trx, app.org_id) };
  });
}

/** K-2: approval makes the organization a partner; a rejection keeps its reason for the applicant. */
export async function reviewApplication(db: Handle, acting: StaffActing, input: ReviewInput): Promise<void> {
  assertCan(acting.ability, "update", "PartnerApplication");
  if (input.decision === "reject" && !input.reason) throw new Invalid({ reason: "partners.errors.reason" });
  await withActor(db, acting.actor, async (trx) => {
    const app = await trx.selectFrom("partner_applications").select(["id", "org_id", "status"]).where("id", "=", input.applicationId).executeTakeFirst();
    if (!app) throw new NotFound();
    await actAs(trx, acting.actor, [app.org_id]);
    const at = now();
    const decided = await trx
      .updateTable("partner_applications")
      .set({
        status: input.decision === "approve" ? "approved" : "rejected",
        reviewed_by: acting.actor.staffId,
        reviewed_at: at,
        rejection_reason: input.decision === "reject" ? input.reason : null,
      })
      .where("id", "=", app.id)
      .where("status", "=", "submitted")
      .returning("id")
      .executeTakeFirst();
    if (!decided) throw new Conflict("application_decided", "partners.errors.decided");
    if (input.decision === "approve") {
      await trx.insertInto("program_memberships").values({ org_id: app.org_id, program: "partner", since: at }).execute();
    }
    await audit(trx, acting.actor, { orgId: app.org_id, action: `partner.application_${input.decision === "approve" ? "approved" : "rejected"}`, targetType: "partner_application", targetId: app.id });
  });
}
