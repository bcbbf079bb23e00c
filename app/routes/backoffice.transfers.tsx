import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { redirect } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useSearchParams } from "@remix-run/react";
import { z } from "zod";
import { requireStaff } from "../auth/request.server";
import { ConfirmCheckbox, Field, FormError, Notice } from "../components/form";
import { getDb } from "../db.server";
import {
  confirmTransferByHand,
  confirmTransferSchema,
  importCamt054,
  matchHeldTransfer,
  matchTransferSchema,
  MAX_CAMT_BYTES,
  transfersOverview,
} from "../domain/billing/bank-transfers.server";
import { formatMoney } from "../domain/billing/money";
import { Invalid } from "../domain/errors";
import { useFormat, useLocale, useT } from "../i18n/react";
import { formAction, guard, parseForm } from "../lib/http.server";

// B-6/B-8/B-10: bank transfers in the back office (billing agents and administrators):
// import a camt.054 file, review held transfers (oldest first), confirm a transfer by hand.
export async function loader({ request, context }: LoaderFunctionArgs) {
  const acting = await requireStaff(request, context);
  const url = new URL(request.url);
  const n = (key: string) => Number(url.searchParams.get(key) ?? 1);
  return guard(() =>
    transfersOverview(getDb(), acting, {
      heldPage: n("held"),
      pendingPage: n("pending"),
      allPage: n("all"),
      confirmOrderId: url.searchParams.get("confirm"),
      matchTransferId: url.searchParams.get("match"),
    }),
  );
}

const intentSchema = z.object({ intent: z.enum(["import", "confirm", "match"], { message: "errors.invalid" }) });

export async function action({ request, context }: ActionFunctionArgs) {
  const acting = await requireStaff(request, context);
  if (Number(request.headers.get("Content-Length") ?? 0) > MAX_CAMT_BYTES + 64 * 1024) return new Response("Payload Too Large", { status: 413 });
  const form = await request.formData();
  return formAction(async () => {
    const { intent } = parseForm(intentSchema, form);
    if (intent === "import") {
      const file = form.get("file");
      if (!file || typeof file === "string" || file.size === 0) throw new Invalid({ file: "errors.required" });
      if (file.size > MAX_CAMT_BYTES) throw new Invalid({ file: "transfers.errors.tooLarge" });
      const result = await importCamt054(getDb(), acting, { name: file.name, xml: await file.text() });
      return redirect(`/backoffice/transfers?imported=1&matched=${result.matched}&held=${result.held}&duplicates=${result.duplicates}`);
    }
    if (intent === "confirm") {
      await confirmTransferByHand(getDb(), acting, parseForm(confirmTransferSchema, form));
      return redirect("/backoffice/transfers?confirmed=1");
    }
    await matchHeldTransfer(getDb(), acting, parseForm(matchTransferSchema, form));
    return redirect("/backoffice/transfers?matchedByHand=1");
  });
}

function Pages({ name, page, pages }: { name: string; page: number; pages: number }) {
  const t = useT();
  const [params] = useSearchParams();
  if (pages <= 1) return null;
  const to = (p: number) => {
    const next = new URLSearchParams(params);
    next.set(name, String(p));
    return `?${next.toString()}`;
  };
  return (
    <nav className="pagination" aria-label={t("common.page", { page, pages })}>
      {page > 1 ? <Link to={to(page - 1)}>{t("common.previous")}</Link> : null}
      <span>{t("common.page", { page, pages })}</span>
      {page < pages ? <Link to={to(page + 1)}>{t("common.next")}</Link> : null}
    </nav>
  );
}

export default function Transfers() {
  const data = useLoaderData<typeof loader>();
  const errors = useActionData<typeof action>();
  const [params] = useSearchParams();
  const t = useT();
  const locale = useLocale();
  const format = useFormat();
  const m = (amount: number, currency: "CHF" | "EUR") => formatMoney(amount, currency, `${locale}-CH`);
  const { confirming, matching } = data;
  return (
    <>
      <h1>{t("transfers.title")}</h1>
      <p className="hint">{t("transfers.intro")}</p>
      {params.get("imported") ? (
        <Notice>
          {t("transfers.imported", { matched: params.get("matched") ?? "0", held: params.get("held") ?? "0", duplicates: params.get("duplicates") ?? "0" })}
        </Notice>
      ) : null}
      {params.get("confirmed") ? <Notice>{t("transfers.confirmed")}</Notice> : null}
      {params.get("matchedByHand") ? <Notice>{t("transfers.matchedByHand")}</Notice> : null}
      <FormError errors={errors} />

      <section aria-labelledby="import-title" className="card">
        <h2 id="import-title">{t("transfers.importTitle")}</h2>
        <Form method="post" encType="multipart/form-data">
          <input type="hidden" name="intent" value="import" />
          <div className="field">
            <label htmlFor="f-file">{t("transfers.file")}</label>
            <input id="f-file" type="file" name="file" accept=".xml,application/xml,text/xml" required aria-describedby="f-file-hint" />
            <p className="hint" id="f-file-hint">
              {t("transfers.fileHint")}
            </p>
            {errors?.fieldErrors?.file ? (
              <p className="field-error" role="alert">
                {t(errors.fieldErrors.file)}
              </p>
            ) : null}
          </div>
          <button type="submit">{t("transfers.import")}</button>
        </Form>
      </section>

      {matching ? (
        <section className="card" aria-labelledby="match-title">
          <h2 id="match-title">{t("transfers.matchTitle", { amount: m(matching.amount, matching.currency) })}</h2>
          <Form method="post" action={`/backoffice/transfers?match=${matching.id}`}>
            <input type="hidden" name="intent" value="match" />
            <input type="hidden" name="transferId" value={matching.id} />
            <Field name="reference" label={t("transfers.matchReference")} hint={t("transfers.matchHint")} required errors={errors} defaultValue={matching.reference ?? ""} />
            <ConfirmCheckbox label={t("transfers.matchConfirm")} errors={errors} />
            <div className="toolbar">
              <button type="submit">{t("transfers.match")}</button>
              <Link to="/backoffice/transfers">{t("common.cancel")}</Link>
            </div>
          </Form>
        </section>
      ) : null}

      <section aria-labelledby="held-title">
        <h2 id="held-title">{t("transfers.heldTitle", { count: data.held.total })}</h2>
        {data.held.rows.length === 0 ? (
          <p className="empty">{t("transfers.heldEmpty")}</p>
        ) : (
          <table data-testid="held-transfers">
            <thead>
              <tr>
                <th scope="col">{t("transfers.received")}</th>
                <th scope="col">{t("transfers.reference")}</th>
                <th scope="col">{t("transfers.amount")}</th>
                <th scope="col">{t("transfers.debtor")}</th>
                <th scope="col">{t("transfers.reason")}</th>
                <th scope="col">{t("common.actions")}</th>
              </tr>
            </thead>
            <tbody>
              {data.held.rows.map((h) => (
                <tr key={h.id} data-testid={`held-${h.entry_reference}`}>
                  <td>{h.booked_on ?? format.date(h.received_at)}</td>
                  <td>{h.reference ?? t("transfers.noReference")}</td>
                  <td>{m(h.amount, h.currency)}</td>
                  <td>{h.debtor_name ?? ""}</td>
                  <td>{t(`transfers.holdReason.${h.hold_reason ?? "unknown_reference"}`)}</td>
                  <td>
                    <Link to={`/backoffice/transfers?match=${h.id}`}>{t("transfers.matchLink")}</Link>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        <Pages name="held" page={data.held.page} pages={data.held.pages} />
      </section>

      {confirming ? (
        <section className="card" aria-labelledby="confirm-title">
          <h2 id="confirm-title">{t("transfers.confirmTitle", { number: confirming.number })}</h2>
          <p>{t("transfers.confirmExplain", { amount: m(confirming.amount, confirming.currency), name: confirming.org_name, reference: confirming.reference })}</p>
          <Form method="post" action={`/backoffice/transfers?confirm=${confirming.order_id}`}>
            <input type="hidden" name="intent" value="confirm" />
            <input type="hidden" name="orderId" value={confirming.order_id} />
            <ConfirmCheckbox label={t("transfers.confirmLabel")} errors={errors} />
            <div className="toolbar">
              <button type="submit">{t("transfers.confirm")}</button>
              <Link to="/backoffice/transfers">{t("common.cancel")}</Link>
            </div>
          </Form>
        </section>
      ) : null}

      <section aria-labelledby="pending-title">
        <h2 id="pending-title">{t("transfers.pendingTitle", { count: data.pending.total })}</h2>
        {data.pending.rows.length === 0 ? (
          <p className="empty">{t("transfers.pendingEmpty")}</p>
        ) : (
          <table data-testid="pending-orders">
            <thead>
              <tr>
                <th scope="col">{t("transfers.proforma")}</th>
                <th scope="col">{t("transfers.customer")}</th>
                <th scope="col">{t("transfers.reference")}</th>
                <th scope="col">{t("transfers.amount")}</th>
                <th scope="col">{t("common.actions")}</th>
              </tr>
            </thead>
            <tbody>
              {data.pending.rows.map((o) => (
                <tr key={o.order_id} data-testid={`pending-${o.order_id}`}>
                  <td>
                    {o.number} ({format.date(o.issued_at)})
                  </td>
                  <td>{o.org_name}</td>
                  <td>{o.reference}</td>
                  <td>{m(o.amount, o.currency)}</td>
                  <td>
                    <Link to={`/backoffice/transfers?confirm=${o.order_id}`}>{t("transfers.confirmLink", { number: o.number })}</Link>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        <Pages name="pending" page={data.pending.page} pages={data.pending.pages} />
      </section>

      <section aria-labelledby="all-title">
        <h2 id="all-title">{t("transfers.allTitle", { count: data.all.total })}</h2>
        {data.all.rows.length === 0 ? (
          <p className="empty">{t("transfers.allEmpty")}</p>
        ) : (
          <table data-testid="all-transfers">
            <thead>
              <tr>
                <th scope="col">{t("transfers.received")}</th>
                <th scope="col">{t("transfers.reference")}</th>
                <th scope="col">{t("transfers.amount")}</th>
                <th scope="col">{t("transfers.source")}</th>
                <th scope="col">{t("transfers.status")}</th>
              </tr>
            </thead>
            <tbody>
              {data.all.rows.map((r) => (
                <tr key={r.id}>
                  <td>{r.booked_on ?? format.date(r.received_at)}</td>
                  <td>{r.reference ?? t("transfers.noReference")}</td>
                  <td>{m(r.amount, r.currency)}</td>
                  <td>{t(`transfers.sourceName.${r.source}`)}</td>
                  <td>{t(`transfers.statusName.${r.status}`)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        <Pages name="all" page={data.all.page} pages={data.all.pages} />
      </section>
    </>
  );
}
