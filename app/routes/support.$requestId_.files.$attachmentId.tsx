import type { LoaderFunctionArgs } from "@remix-run/node";
import { requireUser } from "../auth/request.server";
import { getDb } from "../db.server";
import { myAttachment } from "../domain/support/requests.server";
import { guard } from "../lib/http.server";
import { attachmentResponse } from "../lib/downloads.server";

// K-4: a screenshot of the user's own request.
export async function loader({ request, context, params }: LoaderFunctionArgs) {
  const ctx = await requireUser(request, context);
  const file = await guard(() => myAttachment(getDb(), ctx, params.requestId ?? "", params.attachmentId ?? ""));
  return attachmentResponse(file.data, file.contentType, file.fileName);
}
