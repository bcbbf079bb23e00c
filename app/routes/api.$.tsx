import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { handleApiRequest } from "../domain/api/router.server";
import { clientIp } from "../lib/http.server";

// A-1…A-4: every /api/* request (GET/HEAD through the loader, POST/PATCH/PUT/DELETE through
// the action) goes to the API router; this module only hands it over.
export function loader({ request, context, params }: LoaderFunctionArgs) {
  return handleApiRequest(request, params["*"] ?? "", clientIp(request, context));
}

export function action({ request, context, params }: ActionFunctionArgs) {
  return handleApiRequest(request, params["*"] ?? "", clientIp(request, context));
}
