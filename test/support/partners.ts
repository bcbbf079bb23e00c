import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { randomBytes } from "node:crypto";
import { setJobSink } from "../../app/jobs.server";
import { testDb } from "./setup";

const kinds: Record<string, "hosting" | "mail"> = { "hosting-business": "hosting", "mail-standard": "mail" };

/** `count` catalog products of type `code` for the organization. */
export async function addProducts(orgId: string, code: "hosting-business" | "mail-standard", count: number) {
  for (let i = 0; i < count; i++) {
    await testDb().insertInto("products").values({ org_id: orgId, type: kinds[code], product_type_code: code, name: `p-${randomBytes(4).toString("hex")}.ch` }).execute();
  }
}

/** A local website on 127.0.0.1 answering with `status` (or never, for "hang"). */
export async function localSite(behaviour: number | "hang"): Promise<{ url: string; close: () => Promise<void> }> {
  const server: Server = createServer((_req, res) => {
    if (behaviour === "hang") return;
    res.statusCode = behaviour;
    res.end("site");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Captures the jobs the app enqueues (run them with runJob). */
export function captureJobs(): Array<{ name: string; payload: unknown }> {
  const jobs: Array<{ name: string; payload: unknown }> = [];
  setJobSink({
    add: async (name, payload) => void jobs.push({ name, payload }),
    addBulk: async (name, list) => void list.forEach((j) => jobs.push({ name, payload: j.payload })),
  });
  return jobs;
}
