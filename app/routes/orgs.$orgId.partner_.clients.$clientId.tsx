import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { redirect } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData } from "@remix-run/react";
import { requireOrg } from "../auth/request.server";
import { Pager } from "../components/pager";
import { getDb } from "../db.server";
import { formatMoney } from "../domain/billing/money";
import { PAY_METHODS } from "../domain/billing/payment-rules";
import { paySelectionSchema } from "../domain/billing/schemas";
import { clientProductsToPay, payClientProducts } from "../domain/partners/partner-billing.server";
import { clientReinvoicing } from "../domain/partners/reinvoices.server";
import { formAction, guard, parseForm, type FormFailure } from "../lib/http.server";
import { useFormat, useLocale, useT } from "../i18n/react";

// P-9/C-5: the products of a client the partner pays for, at the partner's prices (volume
// price, then the partner's discount), paid from the partner's own billing.
export async function loader({ request, context, params }: LoaderFunctionArgs) {
  const ctx = await requireOrg(request, context, params.orgId);
  const url = new URL(request.url);
  const page = Number(url.searchParams.get("page") ?? "1");
  const data = await guard(() => clientProductsToPay(getDb(), ctx, ctx.orgId, params.clientId ?? "", { page }));
  // C-5: the partner's own invoices to this client, and the invoices it paid to start one from.
  const reinvoicing = await guard(() =>
    clientReinvoicing(getDb(), ctx, ctx.orgId, params.clientId ?? "", { reinvoicePage: Number(url.searchParams.get("rpage") ?? "1"), invoicePage: Number(url.searchParams.get("ipage") ?? "1") }),
  );
  return { ...data, reinvoicing, issued: /^RE-\d{4}-\d{4,}$/.exec(url.searchParams.get("issued") ?? "")?.[0] ?? null, orgId: ctx.orgId, clientId: params.clientId ?? "" };
}

export async function action({ request, context, params }: ActionFunctionArgs) {
  const ctx = await requireOrg(request, context, params.orgId);
  const form = await request.formData();
  return formAction(async () => {
    const input = parseForm(paySelectionSchema, form);
    const started = await payClientProducts(getDb(), ctx, ctx.orgId, params.clientId ?? "", input.ids, input.method, ctx.locale);
    return redirect(started.redirectUrl ?? `/orgs/${ctx.orgId}/billing/orders?paid=${started.orderId}`);
  });
}

export default function ClientProducts() {
  const d = useLoaderData<typeof loader>();
  const failure = useActionData<typeof action>() as FormFailure | undefined;
  const t = useT();
  const locale = useLocale();
  const format = useFormat();
  const m = (amount: number) => formatMoney(amount, d.currency, `${locale}-CH`);
  const percent = new Intl.NumberFormat(`${locale}-CH`, { style: "percent", maximumFractionDigits: 2 });
  const messages = failure ? [...new Set([failure.formError, ...Object.values(failure.fieldErrors)].filter((x): x is string => !!x))] : [];
  return (
    <>
      <p>
        <Link to={`/orgs/${d.orgId}/partner/space`}>{t("partners.space.title")}</Link>
      </p>
      <h1>{t("partners.clientProducts.title", { name: d.clientName })}</h1>
      <p className="hint">{t("partners.clientProducts.intro")}</p>
      {messages.length > 0 ? (
        <div className="alert alert-error" role="alert" data-testid="pay-error">
          {messages.map((msg) => (
            <p key={msg}>{t(msg, failure?.formErrorVars)}</p>
          ))}
        </div>
      ) : null}
      {d.payer !== "partner" ? (
        <p className="empty" data-testid="client-pays">
          {t("partners.clientProducts.clientPays")}
        </p>
      ) : d.lines.length === 0 ? (
        <p className="empty">{t("partners.clientProducts.empty")}</p>
      ) : (
        <Form method="post">
          <table data-testid="client-products">
            <thead>
              <tr>
                <th scope="col">{t("partners.clientProducts.select")}</th>
                <th scope="col">{t("partners.clientProducts.product")}</th>
                <th scope="col">{t("partners.clientProducts.expires")}</th>
                <th scope="col">{t("partners.clientProducts.price")}</th>
                <th scope="col">{t("partners.clientProducts.discount")}</th>
                <th scope="col">{t("partners.clientProducts.net")}</th>
              </tr>
            </thead>
            <tbody>
              {d.lines.map((l) => (
                <tr key={l.id}>
                  <td>
                    <input type="checkbox" name="ids[]" value={l.id} id={`p-${l.id}`} aria-label={l.name} />
                  </td>
                  <th scope="row">
                    <label htmlFor={`p-${l.id}`}>
                      {l.typeName}: {l.name}
                    </label>
                  </th>
                  <td>{l.expiresAt ? format.date(l.expiresAt) : "—"}</td>
                  <td>{m(l.gross)}</td>
                  <td>
                    {m(l.discount)} ({percent.format(l.rateBp / 10_000)})
                  </td>
                  <td>{m(l.net)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <Pager page={d.page} pages={d.pages} label={t("partners.clientProducts.pages")} />
          <fieldset>
            <legend>{t("billing.checkout.method")}</legend>
            {PAY_METHODS.filter((method) => method !== "postfinance" || d.currency === "CHF").map((method, i) => (
              <label key={method} className="radio">
                <input type="radio" name="method" value={method} defaultChecked={i === 0} /> {t(`billing.method.${method}`)}
              </label>
            ))}
          </fieldset>
          <button type="submit">{t("partners.clientProducts.pay")}</button>{" "}
          <button type="submit" formMethod="get" formAction={`/orgs/${d.orgId}/partner/clients/${d.clientId}/reinvoice`}>
            {t("reinvoices.fromSelection")}
          </button>
        </Form>
      )}
      <Reinvoicing />
    </>
  );
}

/** C-5: the partner's re-invoices to this client (PDF links) and the paid invoices to re-invoice. */
function Reinvoicing() {
  const d = useLoaderData<typeof loader>();
  const t = useT();
  const locale = useLocale();
  const format = useFormat();
  const { reinvoices, invoices } = d.reinvoicing;
  return (
    <section aria-labelledby="reinvoices-title">
      <h2 id="reinvoices-title">{t("reinvoices.title", { name: d.clientName })}</h2>
      <p className="hint">{t("reinvoices.intro")}</p>
      {d.issued ? (
        <p className="alert alert-success" role="status" data-testid="reinvoice-issued">
          {t("reinvoices.issued", { number: d.issued })}
        </p>
      ) : null}
      {reinvoices.rows.length === 0 ? (
        <p className="empty">{t("reinvoices.empty")}</p>
      ) : (
        <table data-testid="reinvoices">
          <thead>
            <tr>
              <th scope="col">{t("reinvoices.number")}</th>
              <th scope="col">{t("reinvoices.date")}</th>
              <th scope="col">{t("reinvoices.total")}</th>
              <th scope="col">PDF</th>
            </tr>
          </thead>
          <tbody>
            {reinvoices.rows.map((r) => (
              <tr key={r.id}>
                <th scope="row">{r.number}</th>
                <td>{format.date(r.issuedAt)}</td>
                <td>{formatMoney(r.total, r.currency, `${locale}-CH`)}</td>
                <td>
                  <a href={`/orgs/${d.orgId}/partner/reinvoices/${r.id}.pdf`} download>
                    {t("reinvoices.download", { number: r.number })}
                  </a>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <Pager page={reinvoices.page} pages={reinvoices.pages} param="rpage" label={t("reinvoices.pages")} />
      {d.payer === "partner" ? (
        <p>
          <Link to={`/orgs/${d.orgId}/partner/clients/${d.clientId}/reinvoice`}>{t("reinvoices.newBlank")}</Link>
        </p>
      ) : null}
      <h3>{t("reinvoices.providerInvoices")}</h3>
      {invoices.rows.length === 0 ? (
        <p className="empty">{t("reinvoices.providerEmpty")}</p>
      ) : (
        <table data-testid="paid-invoices">
          <thead>
            <tr>
              <th scope="col">{t("reinvoices.number")}</th>
              <th scope="col">{t("reinvoices.date")}</th>
              <th scope="col">{t("reinvoices.total")}</th>
              <th scope="col">{t("reinvoices.actions")}</th>
            </tr>
          </thead>
          <tbody>
            {invoices.rows.map((r) => (
              <tr key={r.id}>
                <th scope="row">{r.number}</th>
                <td>{format.date(r.issuedAt)}</td>
                <td>{formatMoney(r.total, r.currency, `${locale}-CH`)}</td>
                <td>
                  {d.payer === "partner" ? <Link to={`/orgs/${d.orgId}/partner/clients/${d.clientId}/reinvoice?invoice=${r.id}`}>{t("reinvoices.fromInvoice", { number: r.number })}</Link> : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <Pager page={invoices.page} pages={invoices.pages} param="ipage" label={t("reinvoices.providerPages")} />
    </section>
  );
}
