import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { config } from "../../config.server";
import { now } from "../../lib/clock";
import type { Currency } from "../billing/money";
import { InvalidWebhook, type Checkout, type CheckoutRequest, type GatewayMethod, type PaymentGateway, type WebhookEvent } from "./gateway";

// A payment provider that behaves like a real one, run by the portal itself for
// development, demos and tests: a hosted page at /sandbox-gateway/checkout/:id where the
// customer enters a test card or approves a wallet payment, then an asynchronous webhook,
// signed with HMAC-SHA256 over `timestamp.body` (header `Sandbox-Signature: t=…,v1=…`).
//
// Test card numbers (any expiry in the future, any CVC):
//   4242 4242 4242 4242  success
//   4000 0000 0000 0002  declined
//   4000 0000 0000 9995  insufficient funds
// Any other number is declined. Twint, PayPal and PostFinance show approve/decline buttons.
//
// Checkout sessions are stateless: the id carries the checkout, signed, like a provider's
// own storage would. The same idempotency key always gives the same session id.
export const TEST_CARDS = {
  success: "4242424242424242",
  declined: "4000000000000002",
  insufficientFunds: "4000000000009995",
} as const;

export const SIGNATURE_HEADER = "Sandbox-Signature";
/** Webhooks older or newer than this (seconds) are refused: a captured one cannot be replayed later. */
export const SIGNATURE_TOLERANCE_SECONDS = 300;

export interface SandboxSession {
  reference: string;
  amount: number;
  currency: Currency;
  method: GatewayMethod;
  description: string;
  returnUrl: string;
  metadata: { orgId: string; paymentId: string };
}

function secret(): string {
  return config.paymentWebhookSecret;
}

function hmac(key: string, text: string): string {
  return createHmac("sha256", key).update(text).digest("hex");
}

export function signWebhookBody(body: string, timestamp: number, key = secret()): string {
  return `t=${timestamp},v1=${hmac(key, `${timestamp}.${body}`)}`;
}

function sessionToken(session: SandboxSession): string {
  const payload = Buffer.from(JSON.stringify(session)).toString("base64url");
  return `${payload}.${hmac(`checkout:${secret()}`, payload)}`;
}

/** The checkout behind a hosted page id, or null when it was not issued by this sandbox. */
export function readSandboxSession(id: string): SandboxSession | null {
  const [payload, signature] = id.split(".");
  if (!payload || !signature || !safeEqual(signature, hmac(`checkout:${secret()}`, payload))) return null;
  try {
    return JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as SandboxSession;
  } catch {
    return null;
  }
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export type SandboxDecision = { kind: "card"; number: string } | { kind: "wallet"; approve: boolean };

/** What the provider decides for a customer's input on the hosted page: the webhook event it sends. */
export function sandboxOutcome(session: SandboxSession, decision: SandboxDecision): WebhookEvent {
  const base = {
    id: `evt_${randomBytes(12).toString("hex")}`,
    created: Math.floor(now().getTime() / 1000),
  };
  const data: WebhookEvent["data"] = {
    reference: session.reference,
    amount: session.amount,
    currency: session.currency,
    method: session.method,
    metadata: session.metadata,
  };
  if (decision.kind === "card") {
    const number = decision.number.replace(/[\s-]/g, "");
    if (number === TEST_CARDS.success) {
      return {
        ...base,
        type: "payment.succeeded",
        data: { ...data, paymentMethod: { token: `tok_${hmac(secret(), `${session.metadata.orgId}:${number}`).slice(0, 24)}`, label: `•••• ${number.slice(-4)}` } },
      };
    }
    return { ...base, type: "payment.failed", data: { ...data, failureReason: number === TEST_CARDS.insufficientFunds ? "insufficient_funds" : "card_declined" } };
  }
  if (!decision.approve) return { ...base, type: "payment.failed", data: { ...data, failureReason: "cancelled" } };
  const reusable = session.method === "twint" ? { paymentMethod: { token: `twint_${hmac(secret(), `twint:${session.metadata.orgId}`).slice(0, 24)}`, label: "TWINT" } } : {};
  return { ...base, type: "payment.succeeded", data: { ...data, ...reusable } };
}

/** Sends a webhook to the portal: the body and its signature header, as the provider would. */
export type WebhookTransport = (body: string, headers: Record<string, string>) => unknown;

const g = globalThis as { __sandboxWebhookTransport?: WebhookTransport };

/** Replaces how the sandbox delivers its webhooks (tests capture them and post them to the real route). */
export function setSandboxWebhookTransport(transport: WebhookTransport | undefined): void {
  g.__sandboxWebhookTransport = transport;
}

const httpTransport: WebhookTransport = (body, headers) => {
  // Asynchronous like a provider: after the customer is sent back, not during their request.
  setTimeout(() => {
    fetch(`${config.publicUrl}/webhooks/payments`, { method: "POST", body, headers: { "Content-Type": "application/json", ...headers } }).catch((err) =>
      console.warn("sandbox gateway: webhook delivery failed", err),
    );
  }, 200);
};

/** Signs and sends a webhook event. */
export function deliverSandboxWebhook(event: WebhookEvent): void {
  const body = JSON.stringify(event);
  const transport = g.__sandboxWebhookTransport ?? httpTransport;
  transport(body, { [SIGNATURE_HEADER]: signWebhookBody(body, Math.floor(now().getTime() / 1000)) });
}

export const sandboxGateway: PaymentGateway = {
  async createCheckout(request: CheckoutRequest): Promise<Checkout> {
    const reference = `pay_${hmac(`ref:${secret()}`, request.idempotencyKey).slice(0, 24)}`;
    const session: SandboxSession = {
      reference,
      amount: request.amount,
      currency: request.currency,
      method: request.method,
      description: request.description,
      returnUrl: request.returnUrl,
      metadata: request.metadata,
    };
    return { reference, redirectUrl: `/sandbox-gateway/checkout/${sessionToken(session)}` };
  },

  verifyWebhook(rawBody: string, headers: Headers, at: Date): WebhookEvent {
    const header = headers.get(SIGNATURE_HEADER) ?? "";
    const parts = Object.fromEntries(header.split(",").map((p) => p.split("=", 2) as [string, string]));
    const timestamp = Number(parts.t);
    if (!Number.isInteger(timestamp) || !parts.v1) throw new InvalidWebhook("missing signature");
    if (!safeEqual(parts.v1, hmac(secret(), `${timestamp}.${rawBody}`))) throw new InvalidWebhook("bad signature");
    if (Math.abs(at.getTime() / 1000 - timestamp) > SIGNATURE_TOLERANCE_SECONDS) throw new InvalidWebhook("timestamp outside tolerance");
    let event: WebhookEvent;
    try {
      event = JSON.parse(rawBody) as WebhookEvent;
    } catch {
      throw new InvalidWebhook("not JSON");
    }
    if (typeof event?.id !== "string" || !event.data?.reference || !event.data.metadata?.orgId) throw new InvalidWebhook("malformed event");
    return event;
  },

  async refund(reference: string) {
    return { refundReference: `re_${hmac(`refund:${secret()}`, reference).slice(0, 24)}` };
  },
};

/** The gateway the portal uses. */
export function paymentGateway(): PaymentGateway {
  return sandboxGateway;
}
