import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { redirect } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData } from "@remix-run/react";
import { requireOrg } from "../auth/request.server";
import { getDb } from "../db.server";
import { listOrders, payOrder } from "../domain/billing/checkout.server";
import { formatMoney } from "../domain/billing/money";
import { PAY_METHODS } from "../domain/billing/payment-rules";
import { payOrderSchema } from "../domain/billing/schemas";
import { withActor } from "../domain/tx.server";
import { formAction, guard, parseForm, type FormFailure } from "../lib/http.server";
import { useFormat, useLocale, useT } from "../i18n/react";
import { blockedOrdersOf, resendBlockNotice } from "../domain/security/order-screening.server";
import { BlockedOrdersBanner } from "../components/blocked-orders";

// B-7: the orders list; a pending order is paid from here.
export async function loader({ request, context, params }: LoaderFunctionArgs) {
  const ctx = await requireOrg(request, context, params.orgId);
  const url = new URL(request.url);
  const scope = url.searchParams.get("scope") === "all" ? "all" : "pending";
  const page = Number(url.searchParams.get("page") ?? 1);
  const list = await guard(() => withActor(getDb(), ctx.actor, (trx) => listOrders(trx, ctx, ctx.orgId, { scope, page })));
  // B-14: orders held for a security check, with "send the e-mail again".
  const blocked = await blockedOrdersOf(getDb(), ctx, ctx.orgId);
  return { ...list, blocked, resent: url.searchParams.has("resent"), scope, orgId: ctx.orgId, returned: url.searchParams.has("returned"), paidNow: url.searchParams.has("paid"), proformaFor: url.searchParams.get("proforma"), ordered: url.searchParams.has("ordered") };
}

export async function action({ request, context, params }: ActionFunctionArgs) {
  const ctx = await requireOrg(request, context, params.orgId);
  const form = await request.formData();
  return formAction(async () => {
    if (form.get("intent") === "resendBlockNotice") {
      await resendBlockNotice(getDb(), ctx, ctx.orgId, String(form.get("blockId") ?? ""));
      return redirect(`/orgs/${ctx.orgId}/billing/orders?resent=1`);
    }
    if (form.get("intent") !== "pay") return new Response("Bad Request", { status: 400 });
    const input = parseForm(payOrderSchema, form);
    const started = await payOrder(getDb(), ctx, ctx.orgId, input.orderId, input.method);
    return redirect(started.redirectUrl ?? `/orgs/${ctx.orgId}/billing/orders?scope=all&paid=${started.orderId}`);
  });
}

export default function Orders() {
  const data = useLoaderData<typeof loader>();
  const failure = useActionData<typeof action>() as FormFailure | undefined;
  const t = useT();
  const locale = useLocale();
  const format = useFormat();
  const m = (amount: number) => formatMoney(amount, data.currency, `${locale}-CH`);
  const messages = failure ? [...new Set([failure.formError, ...Object.values(failure.fieldErrors)].filter((x): x is string => !!x))] : [];
  return (
    <>
      <h1>{t("billing.orders.title")}</h1>
      <p className="hint">{t("billing.orders.intro")}</p>
      <BlockedOrdersBanner blocked={data.blocked} />
      {data.resent ? (
        <div className="alert alert-ok" role="status">
          {t("blocked.resent")}
        </div>
      ) : null}
      {data.ordered ? (
        <div className="alert alert-ok" role="status" data-testid="order-created">
          {t("billing.orders.ordered")}
        </div>
      ) : null}
      {data.returned ? (
        <div className="alert alert-ok" role="status">
          {t("billing.orders.returned")}
        </div>
      ) : null}
      {data.paidNow ? (
        <div className="alert alert-ok" role="status">
          {t("billing.orders.paidNow")}
        </div>
      ) : null}
      {data.proformaFor ? (
        <div className="alert alert-ok" role="status" data-testid="proforma-issued">
          <p>{t("transfers.orders.proformaIssued")}</p>
          <a href={`/orgs/${data.orgId}/billing/proformas/${data.proformaFor}.pdf`}>{t("transfers.orders.downloadProforma")}</a>
        </div>
      ) : null}
      {messages.length > 0 ? (
        <div className="alert alert-error" role="alert" data-testid="orders-error">
          {messages.map((msg) => (
            <p key={msg}>{t(msg, failure?.formErrorVars)}</p>
          ))}
        </div>
      ) : null}
      <nav className="toolbar">
        <Link to="?scope=pending">{t("billing.orders.scope.pending")}</Link> <Link to="?scope=all">{t("billing.orders.scope.all")}</Link>
      </nav>
      {data.orders.length === 0 ? (
        <p className="empty">{t("billing.orders.empty")}</p>
      ) : (
        <table data-testid="orders">
          <thead>
            <tr>
              <th scope="col">{t("billing.orders.date")}</th>
              <th scope="col">{t("billing.orders.what")}</th>
              <th scope="col">{t("billing.orders.total")}</th>
              <th scope="col">{t("billing.orders.due")}</th>
              <th scope="col">{t("billing.orders.status")}</th>
            </tr>
          </thead>
          <tbody>
            {data.orders.map((o) => (
              <tr key={o.id} data-testid={`order-${o.id}`}>
                <td>{format.date(o.created_at)}</td>
                <th scope="row">{o.description}</th>
                <td>{m(o.total_amount)}</td>
                <td>{m(o.due)}</td>
                <td>
                  <p>{t(`billing.orders.status.${o.status}`)}</p>
                  {o.invoice_id ? (
                    <a href={`/orgs/${data.orgId}/billing/invoices/${o.invoice_id}.pdf`}>{t("billing.orders.invoice", { number: o.invoice_number ?? "" })}</a>
                  ) : null}
                  {o.proforma_number ? (
                    <p>
                      <a href={`/orgs/${data.orgId}/billing/proformas/${o.id}.pdf`}>{t("transfers.orders.proforma", { number: o.proforma_number })}</a>{" "}
                      {o.status === "pending" ? t("transfers.orders.reference", { reference: o.proforma_reference ?? "" }) : null}
                    </p>
                  ) : null}
                  {o.status === "pending" && o.due > 0 ? (
                    <Form method="post" className="inline-form">
                      <input type="hidden" name="intent" value="pay" />
                      <input type="hidden" name="orderId" value={o.id} />
                      <select name="method" aria-label={t("billing.orders.methodFor")}>
                        {PAY_METHODS.filter((method) => (method !== "postfinance" || data.currency === "CHF") && (method !== "prepaid" || o.kind !== "topup")).map((method) => (
                          <option key={method} value={method}>
                            {t(`billing.method.${method}`)}
                          </option>
                        ))}
                      </select>{" "}
                      <button type="submit">{t("billing.orders.pay")}</button>
                    </Form>
                  ) : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {data.pages > 1 ? (
        <nav className="pagination" aria-label={t("common.page", { page: data.page, pages: data.pages })}>
          {data.page > 1 ? <Link to={`?scope=${data.scope}&page=${data.page - 1}`}>{t("common.previous")}</Link> : null}
          <span>{t("common.page", { page: data.page, pages: data.pages })}</span>
          {data.page < data.pages ? <Link to={`?scope=${data.scope}&page=${data.page + 1}`}>{t("common.next")}</Link> : null}
        </nav>
      ) : null}
    </>
  );
}
