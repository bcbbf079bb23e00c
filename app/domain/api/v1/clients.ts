import { z } from "zod";
import { delegationIn, membershipOf } from "../../../auth/actor";
import { config } from "../../../config.server";
import { delegationRequestSchema, partnerClients, requestDelegation } from "../../clients/delegations.server";
import { clientExportStatus } from "../../clients/exports.server";
import { visibleProducts } from "../../products/queries.server";
import { withActor } from "../../tx.server";
import { defineEndpoint, pageQuery, paginated, timestamp, uuid } from "../endpoint";
import { ApiError } from "../reply.server";
import { partnerOrgOf, partnerOrgQuery } from "./partner-org";
import { product, productOut } from "./products";

// C-1/C-3/C-4/C-6: a partner's clients, their products as the delegation allows, asking an
// organization for access and following an export, through the same domain functions and
// ability as the /orgs/:id/clients and /orgs/:id/partner pages.

const clientLink = z.object({
  id: z.string().describe("The partner–client link"),
  client_org_id: z.string(),
  client_name: z.string(),
  state: z.enum(["requested", "active"]).describe("Requests are listed to the partner's legal representative and administrators"),
  access: z.enum(["full", "limited"]),
  billing: z.boolean(),
  ends_at: timestamp.nullable(),
  requested_at: timestamp.nullable(),
  can_act: z.boolean().describe("Whether the token's user may act in this client organization now"),
});

const accessRequest = z
  .object({
    client_org_id: delegationRequestSchema.shape.clientOrgId.describe("The organization asked for access"),
    access: delegationRequestSchema.shape.access,
    billing: z.boolean().default(false).describe("With full access: also billing and the prepaid account"),
  })
  .strict();

const requested = z.object({ id: z.string().describe("The partner–client link"), state: z.literal("requested") });

const clientExport = z.object({
  id: z.string(),
  format: z.enum(["xlsx", "csv"]),
  status: z.enum(["queued", "running", "done", "failed", "expired"]),
  progress: z.number().int().describe("Percent done"),
  rows_written: z.number().int(),
  rows_total: z.number().int().nullable(),
  file_size: z.number().int().nullable().describe("Bytes, once done"),
  client_org_id: z.string().nullable().describe("The client it is limited to; null for all clients"),
  client_name: z.string().nullable(),
  period_from: z.string().nullable().describe("YYYY-MM-DD"),
  period_to: z.string().nullable().describe("YYYY-MM-DD"),
  created_at: timestamp,
  finished_at: timestamp.nullable(),
  expires_at: timestamp.nullable(),
  download_url: z.string().nullable().describe("While done: the file in the portal (signed-in session of an authorized user)"),
});

const notFound = () => new ApiError(404, "not_found", "The resource does not exist or is not visible to this token.");

export const clientEndpoints = [
  defineEndpoint({
    method: "GET",
    path: "/partner/clients",
    operationId: "listPartnerClients",
    summary: "The partner's clients: every link for its legal representative and administrators, else the clients the user may act for (C-4)",
    tag: "Partner",
    query: pageQuery.extend(partnerOrgQuery.shape),
    success: { status: 200, description: "The clients", data: z.array(clientLink), list: true },
    errors: [404],
    async handler(caller, { query }) {
      const orgId = partnerOrgOf(caller, query.organization_id);
      const list = await partnerClients(caller.db, caller, orgId, { page: query.page, perPage: query.per_page });
      return {
        data: list.links.map((l) => ({
          id: l.id,
          client_org_id: l.clientOrgId,
          client_name: l.clientName,
          state: l.state as "requested" | "active",
          access: l.access,
          billing: l.billing,
          ends_at: l.endsAt?.toISOString() ?? null,
          requested_at: l.requestedAt?.toISOString() ?? null,
          can_act: l.canEnter,
        })),
        pagination: paginated(list.page, query.per_page, list.total),
      };
    },
  }),
  defineEndpoint({
    method: "POST",
    path: "/partner/clients",
    operationId: "requestClientAccess",
    summary: "Asks an existing organization for full, full with billing, or limited access (C-1)",
    tag: "Partner",
    query: partnerOrgQuery,
    body: accessRequest,
    success: { status: 201, description: "The request, waiting for the organization's legal representative", data: requested },
    errors: [403, 404, 409, 422],
    async handler(caller, { query, body }) {
      const orgId = partnerOrgOf(caller, query.organization_id);
      const { id } = await requestDelegation(caller.db, caller, orgId, {
        clientOrgId: body.client_org_id,
        access: body.access,
        billing: body.billing ? "yes" : undefined,
      });
      return { data: { id, state: "requested" as const } };
    },
  }),
  defineEndpoint({
    method: "GET",
    path: "/partner/clients/{id}/products",
    operationId: "listClientProducts",
    summary: "A client's products as the delegation allows: all with full access, the picked ones with limited access (C-3)",
    tag: "Partner",
    params: z.object({ id: uuid }),
    query: pageQuery.extend(partnerOrgQuery.shape),
    success: { status: 200, description: "The client's products", data: z.array(product), list: true },
    errors: [404],
    async handler(caller, { params, query }) {
      // Only through a delegation of the named partner organization; a client the user is
      // also a member of is reached through /organizations/{id}/products instead.
      const delegation = delegationIn(caller.actor, params.id);
      if (!delegation || membershipOf(caller.actor, params.id)) throw notFound();
      if (query.organization_id !== undefined && partnerOrgOf(caller, query.organization_id) !== delegation.partnerOrgId) throw notFound();
      const list = await withActor(caller.db, caller.actor, (trx) =>
        visibleProducts(trx, caller, params.id, { page: query.page, perPage: query.per_page }),
      );
      return { data: list.products.map(productOut), pagination: paginated(list.page, query.per_page, list.total) };
    },
  }),
  defineEndpoint({
    method: "GET",
    path: "/partner/exports/{id}",
    operationId: "getClientExport",
    summary: "A client billing export's status and progress, with the file's address once done (C-6)",
    tag: "Partner",
    params: z.object({ id: uuid }),
    query: partnerOrgQuery,
    success: { status: 200, description: "The export", data: clientExport },
    errors: [404],
    async handler(caller, { params, query }) {
      const orgId = partnerOrgOf(caller, query.organization_id);
      const e = await clientExportStatus(caller.db, caller, orgId, params.id);
      return {
        data: {
          id: e.id,
          format: e.format,
          status: e.status,
          progress: e.progress,
          rows_written: e.rows_written,
          rows_total: e.rows_total,
          file_size: e.file_size === null ? null : Number(e.file_size),
          client_org_id: e.client_org_id,
          client_name: e.client_name,
          period_from: e.period_from,
          period_to: e.period_to,
          created_at: e.created_at.toISOString(),
          finished_at: e.finished_at?.toISOString() ?? null,
          expires_at: e.expires_at?.toISOString() ?? null,
          download_url: e.status === "done" ? `${config.publicUrl}/orgs/${orgId}/partner/exports/${e.id}.${e.format}` : null,
        },
      };
    },
  }),
];
