import type { Currency } from "../billing/money";

/** The methods a payment gateway charges (the prepaid account is the portal's own). */
export const GATEWAY_METHODS = ["visa", "mastercard", "cb", "postfinance", "paypal", "twint"] as const;
export type GatewayMethod = (typeof GATEWAY_METHODS)[number];

export interface CheckoutRequest {
  amount: number;
  currency: Currency;
  method: GatewayMethod;
  /** The same key always yields the same checkout: a retried request never charges twice. */
  idempotencyKey: string;
  description: string;
  /** Where the hosted page sends the customer back (the result arrives by webhook). */
  returnUrl: string;
  /** Echoed in every webhook about this checkout. */
  metadata: { orgId: string; paymentId: string };
}

export interface Checkout {
  /** The gateway's id of the payment: the key webhooks carry. */
  reference: string;
  redirectUrl: string;
}

/** Methods whose saved token (card or Twint profile) the portal may charge without the customer (B-2, B-4). */
export type SavedMethod = "visa" | "mastercard" | "cb" | "twint";

/** A merchant-initiated (off-session) charge of a saved card or Twint profile, e.g. an auto-renewal. */
export interface SavedMethodChargeRequest {
  amount: number;
  currency: Currency;
  method: SavedMethod;
  /** The token the gateway gave when the method was saved. */
  token: string;
  /** The same key always yields the same payment: a retried job never charges twice. */
  idempotencyKey: string;
  description: string;
  /** Echoed in the webhook with the result. */
  metadata: { orgId: string; paymentId: string };
}

export type WebhookEventType = "payment.succeeded" | "payment.failed";

export interface WebhookEvent {
  id: string;
  type: WebhookEventType;
  /** Unix seconds, signed with the body. */
  created: number;
  data: {
    reference: string;
    amount: number;
    currency: Currency;
    method: GatewayMethod;
    metadata: { orgId: string; paymentId: string };
    /** A reusable token (card or Twint profile) when the method can be charged again. */
    paymentMethod?: { token: string; label: string };
    failureReason?: "card_declined" | "insufficient_funds" | "cancelled";
    /** The card's issuing country (ISO 3166 alpha-2), when the provider knows it (B-14). */
    country?: string;
  };
}

export class InvalidWebhook extends Error {}

/**
 * A payment provider as the portal sees it: a hosted checkout for an amount, signed
 * asynchronous webhooks with the result, and refunds.
 */
export interface PaymentGateway {
  createCheckout(request: CheckoutRequest): Promise<Checkout>;
  /**
   * Charges a saved method off-session. Returns the payment's reference at once; the result
   * comes later by the same signed webhook as a checkout's, and nothing is paid before it.
   */
  chargeSavedMethod(request: SavedMethodChargeRequest): Promise<{ reference: string }>;
  /** The event in `rawBody` if its signature and timestamp are valid; else InvalidWebhook. */
  verifyWebhook(rawBody: string, headers: Headers, at: Date): WebhookEvent;
  refund(reference: string, amount: number): Promise<{ refundReference: string }>;
}
