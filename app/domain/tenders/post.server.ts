import { assertCan } from "../../auth/ability";
import type { Actor } from "../../auth/actor";
import { hashToken, newToken } from "../../auth/tokens.server";
import { config } from "../../config.server";
import { translator, type UiLocale } from "../../i18n/index";
import { addMs, DAY, now } from "../../lib/clock";
import { consume, type LimitSpec } from "../../lib/rate-limit.server";
import { audit } from "../audit/audit.server";
import { billingDay, BILLING_TIME_ZONE } from "../billing/renewal-rules";
import { Conflict, Invalid, NotFound } from "../errors";
import { queueMail } from "../mail/outbox.server";
import type { Acting } from "../orgs/member-fields";
import { transaction, withActor, type Handle } from "../tx.server";
import type { TenderInput } from "./schemas";

// T-1: anyone posts a tender for free. A visitor's tender is published once its e-mail is
// confirmed through the private link mailed to it; a signed-in customer posts for its
// organization from the portal. Abuse guards: rate limits per IP and per e-mail, a honeypot,
// maximum lengths (schemas.ts and the database), and text is only ever rendered as text.

export const TENDER_PER_IP: LimitSpec = { name: "tender-ip", points: 5, durationSec: 60 * 60 };
export const TENDER_PER_EMAIL: LimitSpec = { name: "tender-email", points: 3, durationSec: 24 * 60 * 60 };
export const TENDER_PER_ORG: LimitSpec = { name: "tender-org", points: 20, durationSec: 24 * 60 * 60 };
/** The latest deadline a tender can have, in days from today. */
export const MAX_DEADLINE_DAYS = 180;

/** The private link of a visitor's tender. */
export function tenderLink(token: string): string {
  return `${config.publicUrl}/tenders/t/${token}`;
}

/** The settings under which a transaction acts through a tender's private link. */
export function tokenSettings(token: string) {
  return { "app.tender_token_hash": hashToken(token) } as const;
}

/**
 * A deadline day (YYYY-MM-DD) becomes the end of that day in Zurich. It must be a real day,
 * from tomorrow to MAX_DEADLINE_DAYS ahead.
 */
export function deadlineOf(day: string, at: Date = now()): Date {
  const [y, m, d] = day.split("-").map(Number);
  const probe = new Date(Date.UTC(y, m - 1, d));
  if (probe.getUTCFullYear() !== y || probe.getUTCMonth() !== m - 1 || probe.getUTCDate() !== d) throw new Invalid({ deadline: "tenders.errors.deadline" });
  const today = billingDay(at);
  const latest = billingDay(addMs(at, MAX_DEADLINE_DAYS * DAY));
  if (day <= today || day > latest) throw new Invalid({ deadline: "tenders.errors.deadlineRange" });
  return zurichMidnight(y, m, d + 1);
}

/** 00:00 in Zurich on the given calendar day (the day may overflow into the next month). */
function zurichMidnight(y: number, m: number, d: number): Date {
  const guess = Date.UTC(y, m - 1, d);
  const parts = new Intl.DateTimeFormat("en-US", { timeZone: BILLING_TIME_ZONE, hourCycle: "h23", year: "numeric", month: "numeric", day: "numeric", hour: "numeric", minute: "numeric" }).formatToParts(new Date(guess));
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value);
  const offset = Date.UTC(get("year"), get("month") - 1, get("day"), get("hour"), get("minute")) - guess;
  return new Date(guess - offset);
}

function tenderValues(input: TenderInput, at: Date) {
  return {
    title: input.title,
    description: input.description,
    categories: [...new Set(input.categories)],
    budget_min: input.budgetMin,
    budget_max: input.budgetMax,
    currency: input.currency,
    region: input.region,
    language: input.language,
    deadline: deadlineOf(input.deadline, at),
    created_at: at,
  };
}

/**
 * T-1: a visitor posts a tender. The honeypot answers like a success and stores nothing. The
 * tender waits, unpublished, for its e-mail to be confirmed through the private link, which
 * is mailed and stored only as its hash.
 */
export async function postPublicTender(
  db: Handle,
  input: TenderInput & { contactEmail: string; website: string },
  ctx: { ip: string; locale: UiLocale },
): Promise<{ stored: boolean }> {
  if (input.website.trim() !== "") return { stored: false };
  await consume(TENDER_PER_IP, ctx.ip);
  await consume(TENDER_PER_EMAIL, input.contactEmail);
  const at = now();
  const values = tenderValues(input, at);
  const { token, tokenHash } = newToken();
  await transaction(
    db,
    async (trx) => {
      const row = await trx
        .insertInto("tenders")
        .values({ ...values, contact_email: input.contactEmail, access_token_hash: tokenHash })
        .returning("id")
        .executeTakeFirstOrThrow();
      const t = translator(ctx.locale);
      await queueMail(trx, {
        to: input.contactEmail,
        subject: t("tenders.mail.confirmSubject", { title: input.title }),
        text: t("tenders.mail.confirmText", { title: input.title, link: tenderLink(token) }),
        kind: "tender_confirm",
      });
      const actor: Actor = { kind: "anonymous", ip: ctx.ip };
      await audit(trx, actor, { action: "tender.posted", targetType: "tender", targetId: row.id });
    },
    tokenSettings(token),
  );
  return { stored: true };
}

/** T-1: the private link confirms the e-mail; the tender is published (if its deadline is still ahead). */
export async function confirmTender(db: Handle, token: string, ip: string): Promise<void> {
  await transaction(
    db,
    async (trx) => {
      const at = now();
      const tender = await trx.selectFrom("tenders").select(["id", "status", "deadline"]).where("access_token_hash", "=", hashToken(token)).executeTakeFirst();
      if (!tender) throw new NotFound();
      if (tender.status !== "unconfirmed") return;
      if (tender.deadline <= at) throw new Conflict("tender_deadline_passed", "tenders.errors.deadlinePassed");
      await trx.updateTable("tenders").set({ status: "open", published_at: at }).where("id", "=", tender.id).where("status", "=", "unconfirmed").execute();
      await audit(trx, { kind: "anonymous", ip }, { action: "tender.confirmed", targetType: "tender", targetId: tender.id });
    },
    tokenSettings(token),
  );
}

/** T-1: a customer posts a tender for its organization; the account is known, so it is published at once. */
export async function postOrgTender(db: Handle, acting: Acting, orgId: string, input: TenderInput): Promise<{ id: string }> {
  assertCan(acting.ability, "create", "Tender", { orgId });
  if (acting.actor.kind !== "user") throw new NotFound();
  const actor = acting.actor;
  await consume(TENDER_PER_ORG, orgId);
  const at = now();
  const values = tenderValues(input, at);
  return withActor(db, actor, async (trx) => {
    const row = await trx
      .insertInto("tenders")
      .values({ ...values, org_id: orgId, posted_by: actor.userId, contact_email: actor.email, status: "open", published_at: at })
      .returning("id")
      .executeTakeFirstOrThrow();
    await audit(trx, actor, { orgId, action: "tender.posted", targetType: "tender", targetId: row.id });
    return row;
  });
}
