import { z } from "zod";
import { getDb } from "../../../db.server";
import { pickLocale } from "../../../i18n/index";
import { CURRENCIES } from "../../billing/money";
import { TENDER_CATEGORIES } from "../../tenders/catalog";
import { tenderBoard } from "../../tenders/board.server";
import { postPublicTender } from "../../tenders/post.server";
import { publicTenderSchema, tenderSchema } from "../../tenders/schemas";
import { defineEndpoint, moneyAmount, pageQuery, paginated, timestamp } from "../endpoint";
import { partnerOrgOf, partnerOrgQuery } from "./partner-org";

// T-1: anyone posts a tender (no token), through the public form's domain function: the same
// field rules, rate limits per address and e-mail, and the e-mail confirmation before it is
// published. T-2: the tender board of the token user's partner organization (404 for any
// other organization, like the page).

const f = tenderSchema.shape;
/** The form's amounts are text ("1500.50"); the API takes minor units, within the same bounds. */
const budget = moneyAmount.min(0, "errors.invalid").max(99_999_999_999, "errors.tooLong");

const tenderBody = z
  .object({
    title: f.title,
    description: f.description,
    categories: f.categories,
    budget_min: budget,
    budget_max: budget,
    currency: f.currency,
    region: f.region.describe("A Swiss canton (`CH-ZH`) or a nearby country (`DE`)"),
    language: f.language,
    deadline: f.deadline.describe("Last day to answer, YYYY-MM-DD (tomorrow to 180 days ahead)"),
    contact_email: publicTenderSchema.shape.contactEmail.describe("Receives the link that confirms and publishes the tender"),
  })
  .strict()
  .refine((v) => v.budget_max >= v.budget_min, { path: ["budget_max"], message: "tenders.errors.budgetRange" });

const posted = z.object({
  status: z.literal("awaiting_confirmation").describe("Published once the e-mailed link is opened"),
});

const boardTender = z.object({
  id: z.string(),
  title: z.string(),
  categories: z.array(z.enum(TENDER_CATEGORIES)),
  budget_min: moneyAmount,
  budget_max: moneyAmount,
  currency: z.enum(CURRENCIES),
  region: z.string(),
  language: z.string(),
  deadline: timestamp,
  published_at: timestamp.nullable(),
  answered: z.boolean().describe("Whether this partner organization has answered it"),
});

export const tenderEndpoints = [
  defineEndpoint({
    method: "POST",
    path: "/tenders",
    operationId: "postTender",
    summary: "Posts a tender without an account; it is published once its contact e-mail is confirmed (T-1)",
    tag: "Tenders",
    public: true,
    body: tenderBody,
    success: { status: 201, description: "The tender is stored and the confirmation link mailed", data: posted },
    errors: [422],
    async handler(caller, { body, client }) {
      await postPublicTender(
        getDb(),
        {
          title: body.title,
          description: body.description,
          categories: body.categories,
          budgetMin: body.budget_min,
          budgetMax: body.budget_max,
          currency: body.currency,
          region: body.region,
          language: body.language,
          deadline: body.deadline,
          contactEmail: body.contact_email,
          website: "",
        },
        { ip: client.ip, locale: pickLocale(caller?.user.locale, client.acceptLanguage) },
      );
      return { data: { status: "awaiting_confirmation" as const } };
    },
  }),
  defineEndpoint({
    method: "GET",
    path: "/partner/tenders",
    operationId: "listTenderBoard",
    summary: "The open tenders on the partner organization's board (T-2; 404 for an organization that is not a partner)",
    tag: "Partner",
    query: pageQuery.extend(partnerOrgQuery.shape),
    success: { status: 200, description: "The open tenders, newest first", data: z.array(boardTender), list: true },
    errors: [404],
    async handler(caller, { query }) {
      const orgId = partnerOrgOf(caller, query.organization_id);
      const board = await tenderBoard(caller.db, caller, orgId, { page: query.page, perPage: query.per_page });
      return {
        data: board.tenders.map((t) => ({
          id: t.id,
          title: t.title,
          categories: t.categories,
          budget_min: t.budget_min,
          budget_max: t.budget_max,
          currency: t.currency,
          region: t.region,
          language: t.language,
          deadline: t.deadline.toISOString(),
          published_at: t.published_at?.toISOString() ?? null,
          answered: Boolean(t.answered),
        })),
        pagination: paginated(board.page, query.per_page, board.total),
      };
    },
  }),
];
