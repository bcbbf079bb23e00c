import { expect } from "vitest";
import type { Client, Page } from "./app";
import { captureWebhooks, postWebhook, type SentWebhook } from "./payments";

export type HostedInput = { cardNumber: string } | { decision: "approve" | "decline" };

/** From the "to pay" list: tick products, "pay my selection", choose the method; the hosted page's path. */
export async function startSelectionPayment(client: Client, orgId: string, ids: string[], method: string): Promise<Page> {
  // Like a browser: the selection form's hidden intent, then the pay button's own.
  const chosen = await client.post(`/orgs/${orgId}/billing/to-pay`, { scope: "all", intent: ["bulk", "paySelection"], method: "visa", "ids[]": ids });
  expect(chosen.status).toBe(302);
  expect(chosen.location).toContain(`/orgs/${orgId}/billing/checkout?`);
  const choice = await client.get(chosen.location!);
  expect(choice.status).toBe(200);
  return client.post(`/orgs/${orgId}/billing/checkout`, { "ids[]": ids, method });
}

/** On the sandbox's hosted page: pays (or declines) as the customer; returns the webhooks it sent. */
export async function onHostedPage(client: Client, started: Page, input: HostedInput): Promise<{ back: Page; webhooks: SentWebhook[] }> {
  expect(started.status).toBe(302);
  expect(started.location).toMatch(/^\/sandbox-gateway\/checkout\//);
  const page = await client.get(started.location!);
  expect(page.status).toBe(200);
  const webhooks = captureWebhooks();
  const back = await client.post(started.location!, input);
  expect(back.status).toBe(302);
  expect(webhooks).toHaveLength(1);
  return { back, webhooks };
}

export async function deliver(webhooks: SentWebhook[]) {
  for (const hook of webhooks) {
    const res = await postWebhook(hook);
    expect(res.status).toBe(200);
  }
}
