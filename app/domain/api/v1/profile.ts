import { z } from "zod";
import { defineEndpoint } from "../endpoint";

// who the token acts for.
const profile = z.object({
  id: z.string(),
  name: z.string(),
  email: z.string(),
  locale: z.enum(["de", "fr", "en", "it"]),
  token: z.object({
    id: z.string(),
    access: z.enum(["read", "write"]),
    organization_id: z.string().nullable().describe("The one organization the token reaches, or null for all of the user's"),
  }),
});

export const profileEndpoints = [
  defineEndpoint({
    method: "GET",
    path: "/profile",
    operationId: "getProfile",
    summary: "The token's user and the token's access and scope",
    tag: "Profile",
    success: { status: 200, description: "The profile", data: profile },
    errors: [],
    async handler(caller) {
      return {
        data: {
          id: caller.user.id,
          name: caller.user.name,
          email: caller.user.email,
          locale: caller.user.locale,
          token: { id: caller.token.id, access: caller.token.access, organization_id: caller.token.scopeOrgId },
        },
      };
    },
  }),
];
