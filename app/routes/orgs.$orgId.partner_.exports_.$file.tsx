import { createReadStream } from "node:fs";
import { Readable } from "node:stream";
import type { LoaderFunctionArgs } from "@remix-run/node";
import { requireOrg } from "../auth/request.server";
import { getDb } from "../db.server";
import { clientExportFile } from "../domain/clients/exports.server";
import { guard } from "../lib/http.server";

// C-6: /orgs/:orgId/partner/exports/:exportId.(xlsx|csv), a resource route streaming the file
// from disk (never held in memory) to the partner's authorized users.
export async function loader({ request, context, params }: LoaderFunctionArgs) {
  const ctx = await requireOrg(request, context, params.orgId);
  const match = /^([0-9a-f-]{36})\.(xlsx|csv)$/.exec(params.file ?? "");
  if (!match) throw new Response("Not Found", { status: 404 });
  const file = await guard(() => clientExportFile(getDb(), ctx, ctx.orgId, match[1], match[2]));
  const body = Readable.toWeb(createReadStream(file.path)) as ReadableStream<Uint8Array>;
  return new Response(body, {
    headers: {
      "Content-Type": file.contentType,
      "Content-Length": String(file.size),
      "Content-Disposition": `attachment; filename="${file.fileName}"`,
      "Cache-Control": "private, no-store",
    },
  });
}
