import type { LoaderFunctionArgs } from "@remix-run/node";
import { requireStaff } from "../auth/request.server";
import { getDb } from "../db.server";
import { agentAttachment } from "../domain/support/requests.server";
import { attachmentResponse } from "../lib/downloads.server";
import { guard } from "../lib/http.server";

// K-4: a screenshot of a request in the agent's queue.
export async function loader({ request, context, params }: LoaderFunctionArgs) {
  const acting = await requireStaff(request, context);
  const file = await guard(() => agentAttachment(getDb(), acting, params.requestId ?? "", params.attachmentId ?? ""));
  return attachmentResponse(file.data, file.contentType, file.fileName);
}
