import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { data, redirect } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData } from "@remix-run/react";
import { requireOrg } from "../auth/request.server";
import { getDb } from "../db.server";
import { Invalid } from "../domain/errors";
import { issueReinvoice, reinvoiceDraft, reinvoiceSchema } from "../domain/partners/reinvoices.server";
import { formAction, formToObject, guard, parseForm, type FormFailure } from "../lib/http.server";
import { useT } from "../i18n/react";

// C-5: the partner's own invoice to a client it pays for, prefilled from one of the invoices
// it paid for that client (?invoice=) or from picked products (?ids[]=), issued once.
export async function loader({ request, context, params }: LoaderFunctionArgs) {
  const ctx = await requireOrg(request, context, params.orgId);
  const url = new URL(request.url);
  const invoiceId = url.searchParams.get("invoice") ?? undefined;
  const productIds = url.searchParams.getAll("ids[]");
  const draft = await guard(() => reinvoiceDraft(getDb(), ctx, ctx.orgId, params.clientId ?? "", { invoiceId, productIds }));
  return { ...draft, orgId: ctx.orgId, clientId: params.clientId ?? "" };
}

type Values = { description?: string[]; quantity?: string[]; unit?: string[]; periodFrom?: string[]; periodTo?: string[]; vatRate?: string };
type Failure = FormFailure & { values?: Values };

export async function action({ request, context, params }: ActionFunctionArgs) {
  const ctx = await requireOrg(request, context, params.orgId);
  const form = await request.formData();
  const clientId = params.clientId ?? "";
  try {
    const input = parseForm(reinvoiceSchema, form);
    const issued = await issueReinvoice(getDb(), ctx, ctx.orgId, clientId, input, ctx.locale);
    return redirect(`/orgs/${ctx.orgId}/partner/clients/${clientId}?issued=${encodeURIComponent(issued.number)}`);
  } catch (err) {
    // Invalid input answers 400 with the field messages and the values as typed.
    if (err instanceof Invalid) return data<Failure>({ ok: false, fieldErrors: err.fieldErrors, values: formToObject(form) as Values }, { status: 400 });
    return formAction(async () => {
      throw err;
    });
  }
}

const amount = (minor: number) => `${Math.floor(minor / 100)}.${String(minor % 100).padStart(2, "0")}`;

export default function NewReinvoice() {
  const d = useLoaderData<typeof loader>();
  const failure = useActionData<typeof action>() as Failure | undefined;
  const t = useT();
  const v = failure?.values;
  const errors = failure?.fieldErrors ?? {};
  // After a refused submission, as many lines as were sent (with what was typed).
  const blank = { description: "", periodFrom: "", periodTo: "", quantity: 1, unitAmount: 0 };
  const rows = v?.description ? (Array.isArray(v.description) ? v.description : [v.description]).map((_, i) => d.lines[i] ?? blank) : d.lines;
  const formMessages = [failure?.formError, errors._form, errors.description, errors.invoiceId].filter((x): x is string => !!x);
  const input = (name: keyof Omit<Values, "vatRate">, i: number, fallback: string, label: string, type = "text") => {
    const id = `f-${name}-${i}`;
    const error = errors[`${name}.${i}`];
    return (
      <div className="field">
        <label htmlFor={id}>{label}</label>
        <input id={id} name={`${name}[]`} type={type} defaultValue={v?.[name]?.[i] ?? fallback} aria-invalid={error ? true : undefined} aria-describedby={error ? `${id}-error` : undefined} />
        {error ? (
          <p className="field-error" id={`${id}-error`} role="alert">
            {t(error)}
          </p>
        ) : null}
      </div>
    );
  };
  return (
    <>
      <p>
        <Link to={`/orgs/${d.orgId}/partner/clients/${d.clientId}`}>{t("reinvoices.new.back")}</Link>
      </p>
      <h1>{t("reinvoices.new.title", { name: d.clientName })}</h1>
      <p className="hint">{d.invoiceNumber ? t("reinvoices.new.fromInvoice", { number: d.invoiceNumber }) : d.source === "products" ? t("reinvoices.new.fromProducts") : t("reinvoices.new.blank")}</p>
      {formMessages.length > 0 ? (
        <div className="alert alert-error" role="alert" data-testid="reinvoice-error">
          {[...new Set(formMessages)].map((msg) => (
            <p key={msg}>{t(msg, failure?.formErrorVars)}</p>
          ))}
        </div>
      ) : null}
      <Form method="post">
        {d.invoiceId ? <input type="hidden" name="invoiceId" value={d.invoiceId} /> : null}
        {rows.map((l, i) => (
          <fieldset key={i}>
            <legend>{t("reinvoices.new.line", { n: i + 1 })}</legend>
            {input("description", i, l.description, t("reinvoices.new.description"))}
            {input("periodFrom", i, l.periodFrom, t("reinvoices.new.periodFrom"), "date")}
            {input("periodTo", i, l.periodTo, t("reinvoices.new.periodTo"), "date")}
            {input("quantity", i, String(l.quantity), t("reinvoices.new.quantity"))}
            {input("unit", i, d.source === "blank" || !d.lines[i] ? "" : amount(l.unitAmount), t("reinvoices.new.unit", { currency: d.currency }))}
          </fieldset>
        ))}
        <div className="field">
          <label htmlFor="f-vatRate">{t("reinvoices.new.vatRate")}</label>
          <input id="f-vatRate" name="vatRate" defaultValue={v?.vatRate ?? String(d.vatRateBp / 100)} aria-invalid={errors.vatRate ? true : undefined} aria-describedby={errors.vatRate ? "f-vatRate-error" : undefined} />
          {errors.vatRate ? (
            <p className="field-error" id="f-vatRate-error" role="alert">
              {t(errors.vatRate)}
            </p>
          ) : null}
        </div>
        <p className="hint">{t("reinvoices.new.confirm")}</p>
        <button type="submit">{t("reinvoices.new.issue")}</button>
      </Form>
    </>
  );
}
