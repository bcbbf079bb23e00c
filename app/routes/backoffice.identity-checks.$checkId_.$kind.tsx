import type { LoaderFunctionArgs } from "@remix-run/node";
import { requireStaff } from "../auth/request.server";
import { getDb } from "../db.server";
import { identityDocument } from "../domain/security/identity-checks.server";
import { EXTENSION } from "../lib/file-types";
import { attachmentResponse } from "../lib/downloads.server";
import { guard } from "../lib/http.server";

// K-3: a submitted check's document or photo, decrypted for the staff member (audited).
export async function loader({ request, context, params }: LoaderFunctionArgs) {
  const acting = await requireStaff(request, context);
  const kind = params.kind;
  if (kind !== "document" && kind !== "photo") throw new Response("Not Found", { status: 404 });
  const file = await guard(() => identityDocument(getDb(), acting, params.checkId ?? "", kind));
  return attachmentResponse(file.data, file.contentType, `${kind}.${EXTENSION[file.contentType]}`);
}
