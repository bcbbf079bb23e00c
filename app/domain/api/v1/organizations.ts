import { z } from "zod";
import { organizationsOf } from "../../orgs/queries.server";
import { organizationSettings, settingsSchema, updateOrganizationSettings } from "../../orgs/settings.server";
import { defineEndpoint, orgIdParams, pageQuery, paginated, type ApiCaller } from "../endpoint";

// O-3: the organizations a token reaches, and the organization's own data.
const organizationSummary = z.object({
  id: z.string(),
  name: z.string(),
  role: z.enum(["legal_rep", "admin", "restricted"]),
});

const organization = z.object({
  id: z.string(),
  name: z.string(),
  legal_form: z.string().nullable(),
  street: z.string().nullable(),
  postal_code: z.string().nullable(),
  city: z.string().nullable(),
  country: z.string().describe("ISO 3166-1 alpha-2"),
  registry_id: z.string().nullable(),
  currency: z.enum(["CHF", "EUR"]),
  legal_representative_name: z.string(),
  can_edit: z.boolean().describe("Whether the token's user may change this data (the legal representative)"),
});

// The page's own field rules, every field optional (PATCH changes what it names); null
// clears an optional field.
const s = settingsSchema.shape;
const clearable = <T extends z.ZodType>(field: T) => field.nullable().optional();
const organizationPatch = z
  .object({
    name: s.name.optional(),
    legal_form: clearable(s.legalForm),
    street: clearable(s.street),
    postal_code: clearable(s.postalCode),
    city: clearable(s.city),
    country: s.country.optional(),
    registry_id: clearable(s.registryId),
    currency: s.currency.optional(),
  })
  .strict();

async function readOrganization(caller: ApiCaller, orgId: string) {
  const o = await organizationSettings(caller.db, caller, orgId);
  return {
    id: orgId,
    name: o.name,
    legal_form: o.legal_form,
    street: o.street,
    postal_code: o.postal_code,
    city: o.city,
    country: o.country,
    registry_id: o.registry_id,
    currency: o.currency,
    legal_representative_name: o.legalRepName,
    can_edit: o.canEdit,
  };
}

export const organizationEndpoints = [
  defineEndpoint({
    method: "GET",
    path: "/organizations",
    operationId: "listOrganizations",
    summary: "The organizations the token reaches, with the user's role in each",
    tag: "Organizations",
    query: pageQuery,
    success: { status: 200, description: "The organizations", data: z.array(organizationSummary), list: true },
    errors: [],
    async handler(caller, { query }) {
      const all = organizationsOf(caller.actor);
      const start = (query.page - 1) * query.per_page;
      return { data: all.slice(start, start + query.per_page), pagination: paginated(query.page, query.per_page, all.length) };
    },
  }),
  defineEndpoint({
    method: "GET",
    path: "/organizations/{id}",
    operationId: "getOrganization",
    summary: "The organization's own data",
    tag: "Organizations",
    params: orgIdParams,
    orgParam: "id",
    success: { status: 200, description: "The organization", data: organization },
    errors: [404],
    async handler(caller, { params }) {
      return { data: await readOrganization(caller, params.id) };
    },
  }),
  defineEndpoint({
    method: "PATCH",
    path: "/organizations/{id}",
    operationId: "updateOrganization",
    summary: "Changes the organization's own data (legal representative only, O-3)",
    tag: "Organizations",
    params: orgIdParams,
    orgParam: "id",
    body: organizationPatch,
    success: { status: 200, description: "The organization after the change", data: organization },
    errors: [403, 404, 422],
    async handler(caller, { params, body }) {
      const current = await organizationSettings(caller.db, caller, params.id);
      // The same domain call as the settings page, with the fields the request leaves out kept.
      await updateOrganizationSettings(caller.db, caller, params.id, {
        name: body.name ?? current.name,
        legalForm: body.legal_form !== undefined ? body.legal_form : current.legal_form,
        street: body.street !== undefined ? body.street : current.street,
        postalCode: body.postal_code !== undefined ? body.postal_code : current.postal_code,
        city: body.city !== undefined ? body.city : current.city,
        country: body.country ?? current.country,
        registryId: body.registry_id !== undefined ? body.registry_id : current.registry_id,
        currency: body.currency ?? current.currency,
      });
      return { data: await readOrganization(caller, params.id) };
    },
  }),
];
