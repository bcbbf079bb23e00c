import { z } from "zod";
import type { ApiCaller } from "../endpoint";
import { ApiError } from "../reply.server";

// The partner organization a `/partner/…` request acts as: `organization_id`, else the
// token's organization, else the user's only organization. It must be one the token reaches
// (its scope, the user's memberships); whether it is a partner is the domain's question.

export const partnerOrgQuery = z.object({
  organization_id: z.string().uuid().optional().describe("The partner organization; defaults to the token's organization or the user's only one"),
});

export function partnerOrgOf(caller: ApiCaller, requested: string | undefined): string {
  const memberships = caller.actor.memberships;
  const orgId = requested ?? caller.token.scopeOrgId ?? (memberships.length === 1 ? memberships[0].orgId : null);
  if (!orgId) {
    throw new ApiError(400, "organization_required", "The user belongs to several organizations: name the partner organization with `organization_id`.", [
      { field: "organization_id", code: "errors.required", message: "Name the partner organization." },
    ]);
  }
  if (!memberships.some((m) => m.orgId === orgId)) {
    throw new ApiError(404, "not_found", "The resource does not exist or is not visible to this token.");
  }
  return orgId;
}
