import { inflateSync } from "node:zlib";
import type { WebhookEvent } from "../../app/domain/payments/gateway";
import { SIGNATURE_HEADER, setSandboxWebhookTransport, signWebhookBody } from "../../app/domain/payments/sandbox-gateway.server";
import { now } from "../../app/lib/clock";
import { Client, type Page } from "./app";
import { testDb } from "./setup";

// The payment provider's side of the wire ("the outside world"): webhooks the sandbox
// sends are captured here instead of travelling over HTTP, then posted to the real route.
export interface SentWebhook {
  body: string;
  headers: Record<string, string>;
}

export function captureWebhooks(): SentWebhook[] {
  const sent: SentWebhook[] = [];
  setSandboxWebhookTransport((body, headers) => void sent.push({ body, headers }));
  return sent;
}

/** Posts a webhook to the portal's real route, as the provider does. */
export function postWebhook(hook: SentWebhook): Promise<Page> {
  return new Client().request("/webhooks/payments", { method: "POST", body: hook.body, headers: { "Content-Type": "application/json", ...hook.headers } });
}

/** Signs an event exactly as the sandbox does (`key` lets a test forge one). */
export function signedWebhook(event: WebhookEvent, key?: string, timestamp = Math.floor(now().getTime() / 1000)): SentWebhook {
  const body = JSON.stringify(event);
  return { body, headers: { [SIGNATURE_HEADER]: signWebhookBody(body, timestamp, key) } };
}

/**
 * The text of a PDF made by pdfkit: streams inflated, then the strings of its text
 * operators (pdfkit writes standard-font text as hex WinAnsi codes) joined per operator.
 */
export function pdfText(pdf: Buffer): string {
  const raw = pdf.toString("latin1");
  const parts: string[] = [];
  const streamRe = /stream\r?\n/g;
  let m: RegExpExecArray | null;
  while ((m = streamRe.exec(raw))) {
    const start = m.index + m[0].length;
    const end = raw.indexOf("endstream", start);
    if (end < 0) break;
    const bytes = pdf.subarray(start, end);
    let content: string;
    try {
      content = inflateSync(bytes).toString("latin1");
    } catch {
      content = bytes.toString("latin1");
    }
    for (const op of content.matchAll(/\[([^\]]*)\]\s*TJ|<([0-9a-fA-F]*)>\s*Tj/g)) {
      const hexes = op[1] !== undefined ? [...op[1].matchAll(/<([0-9a-fA-F]*)>/g)].map((h) => h[1]) : [op[2]];
      parts.push(hexes.map((h) => Buffer.from(h, "hex").toString("latin1")).join(""));
    }
    streamRe.lastIndex = end;
  }
  return parts.join(" ");
}

export async function orderOf(orgId: string) {
  return testDb().selectFrom("orders").selectAll().where("org_id", "=", orgId).orderBy("created_at", "desc").execute();
}

export async function paymentsOf(orgId: string) {
  return testDb().selectFrom("payments").selectAll().where("org_id", "=", orgId).orderBy("created_at").orderBy("method").execute();
}

export async function invoicesOf(orgId: string) {
  return testDb().selectFrom("invoices").selectAll().where("org_id", "=", orgId).orderBy("sequence").execute();
}

export async function prepaidBalance(orgId: string): Promise<number | null> {
  const row = await testDb().selectFrom("prepaid_accounts").select("balance").where("org_id", "=", orgId).executeTakeFirst();
  return row ? row.balance : null;
}

export async function givePrepaid(orgId: string, amount: number, currency: "CHF" | "EUR" = "CHF") {
  await testDb().insertInto("prepaid_accounts").values({ org_id: orgId, currency, balance: amount, updated_at: new Date() }).execute();
  await testDb().insertInto("prepaid_entries").values({ org_id: orgId, kind: "topup", amount, created_at: new Date() }).execute();
}

export async function useEuro(orgId: string, country = "DE") {
  await testDb().updateTable("organizations").set({ currency: "EUR", country }).where("id", "=", orgId).execute();
}
