import { MaxPartSizeExceededError, unstable_createMemoryUploadHandler, unstable_parseMultipartFormData } from "@remix-run/node";
import { Invalid } from "../domain/errors";

/** An uploaded file as the domain sees it: its bytes and the name the browser gave. */
export interface Upload {
  name: string;
  data: Uint8Array;
}

/**
 * Reads a multipart form, refusing any part larger than `maxPartBytes` while it streams in
 * (the rest is never buffered). Text fields stay strings; files become Uploads.
 */
export async function readMultipartForm(request: Request, maxPartBytes: number, tooLargeMessage: string): Promise<{ fields: FormData; files: Map<string, Upload[]> }> {
  if (!(request.headers.get("Content-Type") ?? "").startsWith("multipart/form-data")) throw new Invalid({ _form: "errors.invalid" });
  let form: FormData;
  try {
    form = await unstable_parseMultipartFormData(request, unstable_createMemoryUploadHandler({ maxPartSize: maxPartBytes }));
  } catch (err) {
    if (err instanceof MaxPartSizeExceededError) throw new Invalid({ [err.field]: tooLargeMessage });
    throw err;
  }
  const fields = new FormData();
  const files = new Map<string, Upload[]>();
  for (const [key, value] of form.entries()) {
    if (typeof value === "string") {
      fields.append(key, value);
      continue;
    }
    if (value.size === 0) continue; // an empty file input
    const list = files.get(key) ?? [];
    list.push({ name: value.name, data: new Uint8Array(await value.arrayBuffer()) });
    files.set(key, list);
  }
  return { fields, files };
}
