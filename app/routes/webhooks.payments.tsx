import type { ActionFunctionArgs } from "@remix-run/node";
import { getDb } from "../db.server";
import { InvalidWebhook } from "../domain/payments/gateway";
import { paymentGateway } from "../domain/payments/sandbox-gateway.server";
import { handlePaymentWebhook, UnknownPayment } from "../domain/payments/webhooks.server";

// The payment gateway's signed webhooks (B-8, B-9): 400 for anything not signed by it.
export async function action({ request }: ActionFunctionArgs) {
  if (request.method !== "POST") return new Response("Method Not Allowed", { status: 405 });
  const body = await request.text();
  try {
    const outcome = await handlePaymentWebhook(getDb(), paymentGateway(), body, request.headers);
    return Response.json({ received: true, outcome });
  } catch (err) {
    if (err instanceof InvalidWebhook) return Response.json({ received: false, error: err.message }, { status: 400 });
    // Not known yet: a non-2xx answer makes the gateway deliver the event again later.
    if (err instanceof UnknownPayment) return Response.json({ received: false, error: "unknown_payment" }, { status: 409 });
    throw err;
  }
}

export function loader() {
  return new Response("Method Not Allowed", { status: 405 });
}
