import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { redirect } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData } from "@remix-run/react";
import { allows } from "../auth/ability";
import { requireOrg } from "../auth/request.server";
import { Invalid } from "../domain/errors";
import { getDb } from "../db.server";
import { formatMoney } from "../domain/billing/money";
import { AUTO_RENEW_METHODS } from "../domain/billing/renewal-rules";
import { listToPay, setAutoRenewal, setAutoRenewalBulk, setRenewalPeriod } from "../domain/billing/renewals.server";
import { autoRenewOffSchema, autoRenewOnSchema, bulkAutoRenewSchema, renewalPeriodSchema, toPayScopeSchema } from "../domain/billing/schemas";
import { withActor } from "../domain/tx.server";
import { formAction, guard, parseForm, type FormFailure } from "../lib/http.server";
import { useFormat, useLocale, useT } from "../i18n/react";

const DONE = ["autoOn", "autoOff", "period", "bulkOn", "bulkOff"] as const;

export async function loader({ request, context, params }: LoaderFunctionArgs) {
  const ctx = await requireOrg(request, context, params.orgId);
  const url = new URL(request.url);
  const scope = toPayScopeSchema.parse(url.searchParams.get("scope") ?? undefined);
  const page = Number(url.searchParams.get("page") ?? 1);
  const list = await guard(() => withActor(getDb(), ctx.actor, (trx) => listToPay(trx, ctx, ctx.orgId, { scope, page })));
  const done = DONE.find((d) => d === url.searchParams.get("done")) ?? null;
  return { ...list, orgId: ctx.orgId, canPay: allows(ctx.ability, "manage", "Billing", { orgId: ctx.orgId }), done, doneCount: Number(url.searchParams.get("count") ?? 0) };
}

type ConfirmStep = { ok: true; confirm: { mode: "on" | "off"; method: string | null; ids: string[] } };

export async function action({ request, context, params }: ActionFunctionArgs) {
  const ctx = await requireOrg(request, context, params.orgId);
  const form = await request.formData();
  const scope = toPayScopeSchema.parse(form.get("scope") ?? undefined);
  const back = (done: (typeof DONE)[number], count = 0) =>
    redirect(`/orgs/${ctx.orgId}/billing/to-pay?scope=${scope}&done=${done}${count ? `&count=${count}` : ""}`);
  // The selection form carries a hidden intent `bulk`; its "pay my selection" button adds its own.
  const intent = form.getAll("intent").includes("paySelection") ? "paySelection" : form.get("intent");
  return formAction(async () => {
    switch (intent) {
      case "paySelection": {
        const ids = form.getAll("ids[]").map(String);
        if (ids.length === 0) throw new Invalid({ ids: "billing.errors.noSelection" });
        return redirect(`/orgs/${ctx.orgId}/billing/checkout?${ids.map((id) => `ids[]=${encodeURIComponent(id)}`).join("&")}`);
      }
      case "period": {
        const input = parseForm(renewalPeriodSchema, form);
        await setRenewalPeriod(getDb(), ctx, ctx.orgId, input.productId, input.months);
        return back("period");
      }
      case "autoOn": {
        const input = parseForm(autoRenewOnSchema, form);
        await setAutoRenewal(getDb(), ctx, ctx.orgId, input.productId, { on: true, method: input.method });
        return back("autoOn");
      }
      case "autoOff": {
        const input = parseForm(autoRenewOffSchema, form);
        await setAutoRenewal(getDb(), ctx, ctx.orgId, input.productId, { on: false });
        return back("autoOff");
      }
      case "bulk": {
        const input = parseForm(bulkAutoRenewSchema, form);
        // Step one only shows what will change; the change needs the confirmation.
        if (input.confirm !== "yes") {
          return { ok: true, confirm: { mode: input.mode, method: input.mode === "on" ? input.method : null, ids: input.ids } } satisfies ConfirmStep;
        }
        const change = input.mode === "on" ? { on: true as const, method: input.method } : { on: false as const };
        const { changed } = await setAutoRenewalBulk(getDb(), ctx, ctx.orgId, input.ids, change);
        return back(input.mode === "on" ? "bulkOn" : "bulkOff", changed);
      }
      default:
        return new Response("Bad Request", { status: 400 });
    }
  });
}

export default function ToPay() {
  const data = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>() as FormFailure | ConfirmStep | undefined;
  const t = useT();
  const locale = useLocale();
  const format = useFormat();
  const failure = result && !result.ok ? result : null;
  const confirm = result && result.ok ? result.confirm : null;
  const messages = failure ? [...new Set([failure.formError, ...Object.values(failure.fieldErrors)].filter((m): m is string => !!m))] : [];
  const periodLabel = (months: number, period: string | null) =>
    period === "year" && months % 12 === 0 ? t("billing.period.year", { count: months / 12 }) : t("billing.period.month", { count: months });
  const hidden = <input type="hidden" name="scope" value={data.scope} />;
  const lineNames = new Map(data.lines.map((l) => [l.id, l.name]));
  return (
    <>
      <h1>{t("billing.toPay.title")}</h1>
      <p className="hint">{t("billing.toPay.intro")}</p>
      {data.done ? (
        <div className="alert alert-ok" role="status">
          {t(`billing.done.${data.done}`, { count: data.doneCount })}
        </div>
      ) : null}
      {messages.length > 0 ? (
        <div className="alert alert-error" role="alert" data-testid="to-pay-error">
          {messages.map((m) => (
            <p key={m}>{t(m, failure?.formErrorVars)}</p>
          ))}
        </div>
      ) : null}
      {confirm ? (
        <section aria-labelledby="bulk-confirm" data-testid="bulk-confirm">
          <h2 id="bulk-confirm">
            {confirm.mode === "on"
              ? t("billing.bulk.confirmOn", { count: confirm.ids.length, method: t(`billing.method.${confirm.method}`) })
              : t("billing.bulk.confirmOff", { count: confirm.ids.length })}
          </h2>
          <ul>
            {confirm.ids.map((id) => (
              <li key={id}>{lineNames.get(id) ?? id}</li>
            ))}
          </ul>
          <Form method="post" className="toolbar">
            {hidden}
            <input type="hidden" name="intent" value="bulk" />
            <input type="hidden" name="mode" value={confirm.mode} />
            {confirm.method ? <input type="hidden" name="method" value={confirm.method} /> : null}
            {confirm.ids.map((id) => (
              <input key={id} type="hidden" name="ids[]" value={id} />
            ))}
            <input type="hidden" name="confirm" value="yes" />
            <button type="submit">{t("billing.bulk.confirm")}</button>
            <Link to={`?scope=${data.scope}`} className="button secondary">
              {t("common.cancel")}
            </Link>
          </Form>
        </section>
      ) : null}
      <Form method="get" className="toolbar">
        <label htmlFor="scope">{t("billing.toPay.filter")}</label>
        <select id="scope" name="scope" defaultValue={data.scope}>
          <option value="2months">{t("billing.toPay.scope.2months")}</option>
          <option value="all">{t("billing.toPay.scope.all")}</option>
        </select>
        <button type="submit" className="secondary">
          {t("billing.toPay.apply")}
        </button>
      </Form>
      {data.lines.length === 0 ? (
        <p className="empty" data-testid="to-pay-empty">
          {t(!data.seesAll && data.total === 0 && data.scope === "all" ? "billing.toPay.emptyRestricted" : data.scope === "all" ? "billing.toPay.emptyAll" : "billing.toPay.empty2months")}
        </p>
      ) : (
        <>
          <table data-testid="to-pay">
            <caption className="hint">{t("billing.toPay.count", { count: data.total })}</caption>
            <thead>
              <tr>
                <th scope="col">{t("billing.toPay.select")}</th>
                <th scope="col">{t("billing.toPay.product")}</th>
                <th scope="col">{t("billing.toPay.expiry")}</th>
                <th scope="col">{t("billing.toPay.amount")}</th>
                <th scope="col">{t("billing.toPay.period")}</th>
                <th scope="col">{t("billing.toPay.autoRenew")}</th>
              </tr>
            </thead>
            <tbody>
              {data.lines.map((line) => (
                <tr key={line.id} data-testid={`line-${line.name}`}>
                  <td>
                    {line.canManage ? (
                      <input
                        type="checkbox"
                        name="ids[]"
                        value={line.id}
                        form="bulk-form"
                        id={`select-${line.id}`}
                        aria-label={t("billing.toPay.selectProduct", { name: line.name })}
                      />
                    ) : null}
                  </td>
                  <th scope="row">{line.name}</th>
                  <td>{line.expiresAt ? format.date(line.expiresAt) : t("billing.toPay.noExpiry")}</td>
                  <td data-testid="amount">{line.amount !== null ? formatMoney(line.amount, data.currency, `${locale}-CH`) : t("billing.toPay.noPrice")}</td>
                  <td>
                    {line.canManage && line.allowedMonths.length > 1 ? (
                      <Form method="post" className="inline-form">
                        {hidden}
                        <input type="hidden" name="intent" value="period" />
                        <input type="hidden" name="productId" value={line.id} />
                        <select id={`months-${line.id}`} name="months" aria-label={t("billing.toPay.periodFor", { name: line.name })} defaultValue={String(line.renewalMonths ?? "")}>
                          {line.allowedMonths.map((m) => (
                            <option key={m} value={m}>
                              {periodLabel(m, line.billingPeriod)}
                            </option>
                          ))}
                        </select>{" "}
                        <button type="submit" className="secondary">
                          {t("billing.toPay.savePeriod")}
                        </button>
                      </Form>
                    ) : line.renewalMonths ? (
                      periodLabel(line.renewalMonths, line.billingPeriod)
                    ) : null}
                  </td>
                  <td data-testid="auto-renew">
                    <p>{line.autoRenew ? t("billing.toPay.on", { method: t(`billing.method.${line.autoRenewMethod}`) }) : t("billing.toPay.off")}</p>
                    {line.autoRenew && line.firstChargeAt ? <p className="hint">{t("billing.toPay.firstCharge", { date: format.date(line.firstChargeAt) })}</p> : null}
                    {!line.canManage ? (
                      <p className="hint">{t("billing.toPay.readOnly")}</p>
                    ) : line.autoRenew ? (
                      <Form method="post" className="inline-form">
                        {hidden}
                        <input type="hidden" name="intent" value="autoOff" />
                        <input type="hidden" name="productId" value={line.id} />
                        <button type="submit" className="secondary">
                          {t("billing.toPay.switchOff")}
                        </button>
                      </Form>
                    ) : line.canSwitchOn ? (
                      <Form method="post" className="inline-form">
                        {hidden}
                        <input type="hidden" name="intent" value="autoOn" />
                        <input type="hidden" name="productId" value={line.id} />
                        <select id={`method-${line.id}`} name="method" aria-label={t("billing.toPay.methodFor", { name: line.name })}>
                          {AUTO_RENEW_METHODS.map((m) => (
                            <option key={m} value={m}>
                              {t(`billing.method.${m}`)}
                            </option>
                          ))}
                        </select>{" "}
                        <button type="submit">{t("billing.toPay.switchOn")}</button>
                      </Form>
                    ) : line.firstChargeAt ? (
                      <>
                        <p className="hint" data-testid="too-late">
                          {t("billing.toPay.tooLate", { date: format.date(line.firstChargeAt) })}
                        </p>
                        {/* B-4: too late for auto-renewal, so the page offers to pay it now. */}
                        {data.canPay ? (
                          <Link to={`/orgs/${data.orgId}/billing/checkout?ids[]=${encodeURIComponent(line.id)}`} className="button" data-testid="pay-now">
                            {t("billing.toPay.payNow", { name: line.name })}
                          </Link>
                        ) : null}
                      </>
                    ) : null}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          {data.lines.some((l) => l.canManage) ? (
            <section aria-labelledby="bulk-title">
              <h2 id="bulk-title">{t("billing.bulk.title")}</h2>
              <p className="hint">{t("billing.bulk.intro")}</p>
              <Form method="post" id="bulk-form" className="toolbar">
                {hidden}
                <input type="hidden" name="intent" value="bulk" />
                <label htmlFor="bulk-method">{t("billing.bulk.method")}</label>
                <select id="bulk-method" name="method">
                  {AUTO_RENEW_METHODS.map((m) => (
                    <option key={m} value={m}>
                      {t(`billing.method.${m}`)}
                    </option>
                  ))}
                </select>
                <button type="submit" name="mode" value="on">
                  {t("billing.bulk.on")}
                </button>
                <button type="submit" name="mode" value="off" className="secondary">
                  {t("billing.bulk.off")}
                </button>
                {data.canPay ? (
                  <button type="submit" name="intent" value="paySelection">
                    {t("billing.toPay.paySelection")}
                  </button>
                ) : null}
              </Form>
            </section>
          ) : null}
        </>
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
