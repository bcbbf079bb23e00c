import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { redirect } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useSearchParams } from "@remix-run/react";
import { requireStaff } from "../auth/request.server";
import { getDb } from "../db.server";
import { creditNoteSchema, invoiceForCredit, issueCreditNote, recentCreditNotes } from "../domain/billing/credit-notes.server";
import { formatMoney } from "../domain/billing/money";
import { formAction, guard, parseForm, type FormFailure } from "../lib/http.server";
import { useFormat, useLocale, useT } from "../i18n/react";
import { FormError, Notice } from "../components/form";
import { Pager } from "../components/pager";

// B-9/B-11: billing agents (and staff administrators) correct an invoice with a credit note.
export async function loader({ request, context }: LoaderFunctionArgs) {
  const acting = await requireStaff(request, context);
  const url = new URL(request.url);
  const recent = await guard(() => recentCreditNotes(getDb(), acting, { page: Number(url.searchParams.get("page") ?? 1) }));
  const number = url.searchParams.get("invoice")?.trim();
  const invoice = number ? await guard(() => invoiceForCredit(getDb(), acting, number)) : null;
  return { ...recent, invoice, searched: !!number };
}

export async function action({ request, context }: ActionFunctionArgs) {
  const acting = await requireStaff(request, context);
  const form = await request.formData();
  return formAction(async () => {
    const input = parseForm(creditNoteSchema, { ...Object.fromEntries(form), lineIds: form.getAll("lineIds") });
    const note = await issueCreditNote(getDb(), acting, input);
    return redirect(`/backoffice/credit-notes?done=${note.number}`);
  });
}

export default function BackofficeCreditNotes() {
  const data = useLoaderData<typeof loader>();
  const errors = useActionData<typeof action>() as FormFailure | undefined;
  const [params] = useSearchParams();
  const t = useT();
  const locale = useLocale();
  const format = useFormat();
  const m = (amount: number, currency: "CHF" | "EUR") => formatMoney(amount, currency, `${locale}-CH`);
  const done = params.get("done");
  const inv = data.invoice;
  const open = inv ? inv.lines.filter((l) => !l.credited) : [];
  return (
    <>
      <h1>{t("creditNotes.title")}</h1>
      <p className="hint">{t("creditNotes.intro")}</p>
      {done ? <Notice>{t("creditNotes.done", { number: done })}</Notice> : null}
      <Form method="get" className="toolbar">
        <label htmlFor="invoice">{t("creditNotes.find")}</label>
        <input id="invoice" name="invoice" defaultValue={params.get("invoice") ?? ""} placeholder="2026-000001" />
        <button type="submit" className="secondary">
          {t("creditNotes.findSubmit")}
        </button>
      </Form>
      {inv ? (
        <section className="card" aria-labelledby="credit-title" data-testid="credit-invoice">
          <h2 id="credit-title">{t("creditNotes.invoice", { number: inv.number, org: inv.org_name })}</h2>
          {/* Posting to the invoice's URL keeps it on screen with the errors if the form is refused. */}
          <Form method="post" action={`/backoffice/credit-notes?invoice=${encodeURIComponent(inv.number)}`}>
            <FormError errors={errors} />
            <input type="hidden" name="invoiceId" value={inv.id} />
            <table>
              <thead>
                <tr>
                  <th scope="col">{t("creditNotes.line")}</th>
                  <th scope="col">{t("creditNotes.amount")}</th>
                </tr>
              </thead>
              <tbody>
                {inv.lines.map((l) => (
                  <tr key={l.id}>
                    <td>
                      {l.credited ? (
                        <>
                          {l.description} ({t("creditNotes.credited")})
                        </>
                      ) : (
                        <label>
                          <input type="checkbox" name="lineIds" value={l.id} defaultChecked aria-label={t("creditNotes.creditLine", { description: l.description })} /> {l.description}
                        </label>
                      )}
                    </td>
                    <td>{m(l.net_amount, inv.currency)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
            {errors?.fieldErrors?.lineIds ? (
              <p className="field-error" role="alert">
                {t(errors.fieldErrors.lineIds)}
              </p>
            ) : null}
            {open.length === 0 ? (
              <p className="empty">{t("creditNotes.nothingLeft")}</p>
            ) : (
              <>
                <div className="field">
                  <label htmlFor="reason">{t("creditNotes.reason")}</label>
                  <textarea id="reason" name="reason" required maxLength={500} />
                  {errors?.fieldErrors?.reason ? (
                    <p className="field-error" role="alert">
                      {t(errors.fieldErrors.reason)}
                    </p>
                  ) : null}
                </div>
                <div className="field">
                  <label>
                    <input type="checkbox" name="confirm" value="yes" required /> {t("creditNotes.confirmLabel")}
                  </label>
                  {errors?.fieldErrors?.confirm ? (
                    <p className="field-error" role="alert">
                      {t(errors.fieldErrors.confirm)}
                    </p>
                  ) : null}
                </div>
                <div className="toolbar">
                  <button type="submit">{t("creditNotes.submit")}</button>
                  <Link to="/backoffice/credit-notes">{t("common.cancel")}</Link>
                </div>
              </>
            )}
          </Form>
        </section>
      ) : (
        <>
          {data.searched ? (
            <p className="empty" data-testid="no-invoice">
              {t("creditNotes.noInvoice")}
            </p>
          ) : null}
          <FormError errors={errors} />
        </>
      )}
      <h2>{t("creditNotes.recent")}</h2>
      {data.notes.length === 0 ? (
        <p className="empty">{t("creditNotes.empty")}</p>
      ) : (
        <table data-testid="credit-notes">
          <thead>
            <tr>
              <th scope="col">{t("creditNotes.number")}</th>
              <th scope="col">{t("creditNotes.org")}</th>
              <th scope="col">{t("creditNotes.date")}</th>
              <th scope="col">{t("creditNotes.total")}</th>
              <th scope="col">{t("creditNotes.reason")}</th>
            </tr>
          </thead>
          <tbody>
            {data.notes.map((n) => (
              <tr key={n.id}>
                <td>
                  {n.number} ({t("creditNotes.kind.credit_note", { invoice: n.invoice_number })})
                </td>
                <td>{n.org_name}</td>
                <td>{format.date(n.issued_at)}</td>
                <td>{m(n.total_amount, n.currency)}</td>
                <td>{n.reason}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <Pager page={data.page} pages={data.pages} keepQuery={false} label={t("common.page", { page: data.page, pages: data.pages })} />
    </>
  );
}
