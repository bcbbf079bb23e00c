import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { redirect } from "@remix-run/node";
import { Form, useLoaderData } from "@remix-run/react";
import { formatMoney } from "../domain/billing/money";
import { deliverSandboxWebhook, readSandboxSession, sandboxOutcome } from "../domain/payments/sandbox-gateway.server";
import { useLocale, useT } from "../i18n/react";

// The sandbox gateway's hosted payment page: it stands for the provider's own site.
const CARD_METHODS = new Set(["visa", "mastercard", "cb", "postfinance"]);

export async function loader({ params }: LoaderFunctionArgs) {
  const session = readSandboxSession(params.id ?? "");
  if (!session) throw new Response("Not Found", { status: 404 });
  return { amount: session.amount, currency: session.currency, method: session.method, description: session.description, card: CARD_METHODS.has(session.method) };
}

export async function action({ request, params }: ActionFunctionArgs) {
  const session = readSandboxSession(params.id ?? "");
  if (!session) throw new Response("Not Found", { status: 404 });
  const form = await request.formData();
  const event = CARD_METHODS.has(session.method)
    ? sandboxOutcome(session, { kind: "card", number: String(form.get("cardNumber") ?? "") })
    : sandboxOutcome(session, { kind: "wallet", approve: form.get("decision") === "approve" });
  deliverSandboxWebhook(event);
  return redirect(session.returnUrl);
}

export default function SandboxCheckout() {
  const data = useLoaderData<typeof loader>();
  const t = useT();
  const locale = useLocale();
  return (
    <main id="main" className="page">
      <h1>{t("sandbox.title")}</h1>
      <p className="hint">{t("sandbox.intro")}</p>
      <p>{data.description}</p>
      <p data-testid="sandbox-amount">{t("sandbox.amount", { amount: formatMoney(data.amount, data.currency, `${locale}-CH`) })}</p>
      <p>{t(`billing.method.${data.method}`)}</p>
      {data.card ? (
        <Form method="post">
          <p className="hint">{t("sandbox.cards")}</p>
          <label htmlFor="cardNumber">{t("sandbox.card")}</label>
          <input id="cardNumber" name="cardNumber" inputMode="numeric" autoComplete="cc-number" required />
          <button type="submit">{t("sandbox.pay")}</button>
        </Form>
      ) : (
        <Form method="post" className="toolbar">
          <button type="submit" name="decision" value="approve">
            {t("sandbox.approve")}
          </button>
          <button type="submit" name="decision" value="decline" className="secondary">
            {t("sandbox.decline")}
          </button>
        </Form>
      )}
    </main>
  );
}
