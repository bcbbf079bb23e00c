import { z } from "zod";
import type { Locale } from "../../../db/schema";
import type { AppAbility } from "../../auth/ability";
import type { Actor } from "../../auth/actor";
import type { Handle } from "../tx.server";
import { isUuid } from "./member-fields";

/** A signed-in user acting in an organization: who they are (audit) and what they may do. */
export interface UserActing {
  actor: Extract<Actor, { kind: "user" }>;
  ability: AppAbility;
}

/** Past this many candidates a select is unusable: the form asks for an e-mail address instead. */
export const MEMBER_CHOICE_LIMIT = 100;

export interface MemberChoice {
  userId: string;
  name: string;
  email: string;
}

export interface MemberChoices {
  options: MemberChoice[];
  byEmail: boolean;
}

export const NO_MEMBER_CHOICES: MemberChoices = { options: [], byEmail: false };

/**
 * The members a form offers (a team's non-members, or everyone but the representative),
 * sorted by name; `byEmail` when there are too many to list.
 */
export async function memberChoices(
  db: Handle,
  orgId: string,
  opts: { excludeUserId?: string; notInTeamId?: string } = {},
): Promise<MemberChoices> {
  const rows = await db
    .selectFrom("memberships as m")
    .innerJoin("users as u", "u.id", "m.user_id")
    .select(["u.id as userId", "u.name", "u.email"])
    .where("m.org_id", "=", orgId)
    .$if(!!opts.excludeUserId, (qb) => qb.where("m.user_id", "<>", opts.excludeUserId!))
    .$if(!!opts.notInTeamId, (qb) =>
      qb.where(({ not, exists, selectFrom }) =>
        not(
          exists(
            selectFrom("team_members as tm")
              .select("tm.user_id")
              .whereRef("tm.user_id", "=", "m.user_id")
              .where("tm.org_id", "=", orgId)
              .where("tm.team_id", "=", opts.notInTeamId!),
          ),
        ),
      ),
    )
    .orderBy("u.name")
    .orderBy("u.email")
    .limit(MEMBER_CHOICE_LIMIT + 1)
    .execute();
  const byEmail = rows.length > MEMBER_CHOICE_LIMIT;
  return { options: byEmail ? [] : rows, byEmail };
}

const blankAsMissing = (v: unknown) => (typeof v === "string" && v.trim() === "" ? undefined : v);

/** A member picked in a form: `userId` from the select, or `email` when the form asks for one. */
export const memberChoiceFields = {
  userId: z.preprocess(blankAsMissing, z.string().optional()),
  email: z.preprocess(blankAsMissing, z.string().trim().toLowerCase().max(254, "errors.tooLong").optional()),
};

/** The chosen member of this organization, or undefined (an unknown id or address, or a non-member). */
export async function findMember(
  db: Handle,
  orgId: string,
  choice: { userId?: string; email?: string },
): Promise<(MemberChoice & { role: "admin" | "restricted"; locale: Locale }) | undefined> {
  if (choice.userId === undefined && choice.email === undefined) return undefined;
  if (choice.userId !== undefined && !isUuid(choice.userId)) return undefined;
  return db
    .selectFrom("memberships as m")
    .innerJoin("users as u", "u.id", "m.user_id")
    .select(["u.id as userId", "u.name", "u.email", "u.locale", "m.role"])
    .where("m.org_id", "=", orgId)
    .$if(choice.userId !== undefined, (qb) => qb.where("u.id", "=", choice.userId!))
    .$if(choice.userId === undefined, (qb) => qb.where("u.email", "=", choice.email!))
    .executeTakeFirst();
}
