import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { config } from "../../config.server";
import { now } from "../../lib/clock";
import type { Currency } from "../billing/money";
import {
  InvalidWebhook,
  type Checkout,
  type CheckoutRequest,
  type GatewayMethod,
  type PaymentGateway,
  type SavedMethodChargeRequest,
  type WebhookEvent,
} from "./gateway";

// A payment provider that behaves like a real one, run by the portal itself for
// development, demos and tests: a hosted page at /sandbox-gateway/checkout/:id where the
// customer enters a test card or approves a wallet payment, then an asynchronous webhook,
// signed with HMAC-SHA256 over `timestamp.body` (header `Sandbox-Signature: t=…,v1=…`).
//
// Test card numbers (any expiry in the future, any CVC):
//   4242 4242 4242 4242  success
//   4000 0000 0000 0002  declined
//   4000 0000 0000 9995  insufficient funds
//   4000 0025 0000 0003  success, a card issued in France (B-14: the issuing country is reported)
// Any other number is declined. Twint, PayPal and PostFinance show approve/decline buttons.
//
// Saved methods (auto-renewal, charged off-session): the outcome follows from the token.
// `sandboxCardToken(orgId, number)` gives the token a test card saves as; charging the
// token of the declined card is declined, that of the insufficient-funds card fails for
// insufficient funds, and every other token (the success card, a Twint profile) succeeds.
// The result arrives by the same signed webhook as a checkout's.
//
// Checkout sessions are stateless: the id carries the checkout, signed, like a provider's
// own storage would. The same idempotency key always gives the same session id.
export const TEST_CARDS = {
  success: "4242424242424242",
  declined: "4000000000000002",
  insufficientFunds: "4000000000009995",
  successIssuedInFrance: "4000002500000003",
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

/** The token a test card is saved as for an organization (what the hosted page saves on success). */
export function sandboxCardToken(orgId: string, cardNumber: string): string {
  const number = cardNumber.replace(/[\s-]/g, "");
  const token = hmac(secret(), `${orgId}:${number}`).slice(0, 24);
  if (number === TEST_CARDS.declined) return `tok_declined_${token}`;
  if (number === TEST_CARDS.insufficientFunds) return `tok_insufficient_${token}`;
  return `tok_${token}`;
}

/** The token a Twint profile is saved as for an organization; charging it succeeds. */
export function sandboxTwintToken(orgId: string): string {
  return `twint_${hmac(secret(), `twint:${orgId}`).slice(0, 24)}`;
}

function paymentReference(idempotencyKey: string): string {
  return `pay_${hmac(`ref:${secret()}`, idempotencyKey).slice(0, 24)}`;
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
    if (number === TEST_CARDS.success || number === TEST_CARDS.successIssuedInFrance) {
      const issued = number === TEST_CARDS.successIssuedInFrance ? { country: "FR" } : {};
      return {
        ...base,
        type: "payment.succeeded",
        data: { ...data, ...issued, paymentMethod: { token: sandboxCardToken(session.metadata.orgId, number), label: `•••• ${number.slice(-4)}` } },
      };
    }
    return { ...base, type: "payment.failed", data: { ...data, failureReason: number === TEST_CARDS.insufficientFunds ? "insufficient_funds" : "card_declined" } };
  }
  if (!decision.approve) return { ...base, type: "payment.failed", data: { ...data, failureReason: "cancelled" } };
  const reusable = session.method === "twint" ? { paymentMethod: { token: sandboxTwintToken(session.metadata.orgId), label: "TWINT" } } : {};
  return { ...base, type: "payment.succeeded", data: { ...data, ...reusable } };
}

/** Sends a webhook to the portal: the body and its signature header, as the provider would. */
export type WebhookTransport = (body: string, headers: Record<string, string>) => unknown;

const g = globalThis as { __sandboxWebhookTransport?: WebhookTransport };

/** Replaces how the sandbox delivers its webhooks (tests capture them and post them to the real route). */
export function setSandboxWebhookTransport(transport: WebhookTransport | undefined): void {
  g.__sandboxWebhookTransport = transport;
}

/** Delivery attempts after the first, like a provider's: 1 s, 2 s, 4 s, … up to about a minute. */
const WEBHOOK_RETRIES = 6;

const httpTransport: WebhookTransport = (body, headers) => {
  // Asynchronous like a provider: after the customer is sent back, not during their request;
  // an answer other than 2xx (e.g. the payment's transaction has not committed yet) is
  // delivered again with a growing delay.
  const attempt = (n: number) => {
    fetch(`${config.publicUrl}/webhooks/payments`, { method: "POST", body, headers: { "Content-Type": "application/json", ...headers } })
      .then((res) => {
        if (!res.ok && n < WEBHOOK_RETRIES) setTimeout(() => attempt(n + 1), 1000 * 2 ** n);
      })
      .catch((err) => {
        if (n < WEBHOOK_RETRIES) setTimeout(() => attempt(n + 1), 1000 * 2 ** n);
        else console.warn("sandbox gateway: webhook delivery failed", err);
      });
  };
  setTimeout(() => attempt(0), 200);
};

/** Signs and sends a webhook event. */
export function deliverSandboxWebhook(event: WebhookEvent): void {
  const body = JSON.stringify(event);
  const transport = g.__sandboxWebhookTransport ?? httpTransport;
  transport(body, { [SIGNATURE_HEADER]: signWebhookBody(body, Math.floor(now().getTime() / 1000)) });
}

export const sandboxGateway: PaymentGateway = {
  async createCheckout(request: CheckoutRequest): Promise<Checkout> {
    const reference = paymentReference(request.idempotencyKey);
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

  async chargeSavedMethod(request: SavedMethodChargeRequest) {
    const reference = paymentReference(request.idempotencyKey);
    const failureReason = request.token.startsWith("tok_declined_")
      ? "card_declined"
      : request.token.startsWith("tok_insufficient_")
        ? "insufficient_funds"
        : undefined;
    const data: WebhookEvent["data"] = { reference, amount: request.amount, currency: request.currency, method: request.method, metadata: request.metadata };
    const base = { id: `evt_${randomBytes(12).toString("hex")}`, created: Math.floor(now().getTime() / 1000) };
    deliverSandboxWebhook(failureReason ? { ...base, type: "payment.failed", data: { ...data, failureReason } } : { ...base, type: "payment.succeeded", data });
    return { reference };
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
