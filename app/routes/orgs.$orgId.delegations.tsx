import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { redirect } from "@remix-run/node";
import { Form, useActionData, useLoaderData, useSearchParams } from "@remix-run/react";
import { requireOrg } from "../auth/request.server";
import { getDb } from "../db.server";
import {
  answerDelegation,
  changeDelegation,
  clientDelegations,
  endDelegation,
  endSchema,
  findPartners,
  grantDelegation,
  grantFromForm,
  linkIdSchema,
} from "../domain/clients/delegations.server";
import { formAction, guard, parseForm, type FormFailure } from "../lib/http.server";
import { useFormat, useT } from "../i18n/react";
import { FormError, Notice } from "../components/form";
import { GrantFields } from "../components/delegation-grant";

// C-1 (answering), C-2 (allowing a partner), C-3 (changing, withdrawing), C-7 (ending): the
// client's side of its partners' access.
export async function loader({ request, context, params }: LoaderFunctionArgs) {
  const ctx = await requireOrg(request, context, params.orgId);
  const q = new URL(request.url).searchParams.get("q") ?? "";
  const data = await guard(() => clientDelegations(getDb(), ctx, ctx.orgId));
  const found = data.canManage && q ? await guard(() => findPartners(getDb(), ctx, ctx.orgId, q)) : [];
  return { ...data, orgId: ctx.orgId, q, found };
}

export async function action({ request, context, params }: ActionFunctionArgs) {
  const ctx = await requireOrg(request, context, params.orgId);
  const form = await request.formData();
  const intent = String(form.get("intent") ?? "");
  return formAction(async () => {
    const db = getDb();
    if (intent === "accept") await answerDelegation(db, ctx, ctx.orgId, parseForm(linkIdSchema, form).linkId, { accept: true, grant: grantFromForm(form) });
    else if (intent === "decline") await answerDelegation(db, ctx, ctx.orgId, parseForm(linkIdSchema, form).linkId, { accept: false });
    else if (intent === "grant") await grantDelegation(db, ctx, ctx.orgId, String(form.get("partnerOrgId") ?? "").trim(), grantFromForm(form));
    else if (intent === "change") await changeDelegation(db, ctx, ctx.orgId, parseForm(linkIdSchema, form).linkId, grantFromForm(form));
    else if (intent === "end") await endDelegation(db, ctx, ctx.orgId, parseForm(endSchema, form));
    else throw new Response("Bad Request", { status: 400 });
    return redirect(`/orgs/${ctx.orgId}/delegations?done=${intent}`);
  });
}

export default function Delegations() {
  const d = useLoaderData<typeof loader>();
  const errors = useActionData<typeof action>() as FormFailure | undefined;
  const [params] = useSearchParams();
  const t = useT();
  const format = useFormat();
  const done = params.get("done");
  const requests = d.links.filter((l) => l.state === "requested");
  const active = d.links.filter((l) => l.state === "active");
  return (
    <>
      <h1>{t("clients.delegations.title")}</h1>
      <p className="hint">{t("clients.delegations.intro")}</p>
      {done ? <Notice>{t(`clients.done.${done}`)}</Notice> : null}
      <FormError errors={errors} />
      {errors?.fieldErrors && Object.keys(errors.fieldErrors).length > 0 ? (
        <div className="alert alert-error" role="alert" data-testid="field-errors">
          {Object.values(errors.fieldErrors).map((m) => t(m)).join(" ")}
        </div>
      ) : null}

      <section aria-labelledby="requests">
        <h2 id="requests">{t("clients.delegations.requests")}</h2>
        {requests.length === 0 ? <p className="empty">{t("clients.delegations.noRequests")}</p> : null}
        {requests.map((l) => (
          <article key={l.id} className="card" data-testid={`request-${l.partnerName}`}>
            <h3>{l.partnerName}</h3>
            <p>
              {t("clients.delegations.asks", { access: t(`clients.access.${l.requestedAccess ?? l.access}${l.requestedBilling ? "Billing" : ""}`) })}
              {l.requestedAt ? ` ${t("clients.delegations.askedOn", { date: format.date(l.requestedAt) })}` : null}
            </p>
            {l.expired ? <p className="alert alert-error">{t("clients.errors.expired")}</p> : null}
            {d.canManage && !l.expired ? (
              <>
                <Form method="post">
                  <input type="hidden" name="intent" value="accept" />
                  <input type="hidden" name="linkId" value={l.id} />
                  <GrantFields idPrefix={`r-${l.id}`} products={d.products} value={{ access: l.requestedAccess ?? "full", billing: l.requestedBilling, products: {}, endsAt: null }} />
                  <button type="submit">{t("clients.delegations.accept")}</button>
                </Form>
                <Form method="post">
                  <input type="hidden" name="intent" value="decline" />
                  <input type="hidden" name="linkId" value={l.id} />
                  <button type="submit" className="secondary">
                    {t("clients.delegations.decline")}
                  </button>
                </Form>
              </>
            ) : null}
          </article>
        ))}
      </section>

      <section aria-labelledby="active">
        <h2 id="active">{t("clients.delegations.active")}</h2>
        {active.length === 0 ? <p className="empty">{t("clients.delegations.noActive")}</p> : null}
        {active.map((l) => (
          <article key={l.id} className="card" data-testid={`delegation-${l.partnerName}`}>
            <h3>{l.partnerName}</h3>
            <p>
              {t(`clients.access.${l.access}${l.billing ? "Billing" : ""}`)}
              {l.endsAt ? ` — ${t("clients.delegations.until", { date: format.date(l.endsAt) })}` : null}
            </p>
            {l.extensionRequestedAt ? <p className="alert alert-ok">{t("clients.delegations.extensionAsked", { date: format.date(l.extensionRequestedAt) })}</p> : null}
            {d.canManage ? (
              <>
                <details>
                  <summary>{t("clients.delegations.change")}</summary>
                  <Form method="post">
                    <input type="hidden" name="intent" value="change" />
                    <input type="hidden" name="linkId" value={l.id} />
                    <GrantFields
                      idPrefix={`c-${l.id}`}
                      products={d.products}
                      value={{ access: l.access, billing: l.billing, products: l.products, endsAt: l.endsAt ? new Date(l.endsAt).toISOString().slice(0, 10) : null }}
                    />
                    <button type="submit">{t("clients.delegations.save")}</button>
                  </Form>
                </details>
                <Form method="post" className="card danger-zone">
                  <input type="hidden" name="intent" value="end" />
                  <input type="hidden" name="linkId" value={l.id} />
                  <p>{t("clients.end.explain", { other: l.partnerName })}</p>
                  <div className="field">
                    <label htmlFor={`end-pw-${l.id}`}>{t("clients.end.password")}</label>
                    <input id={`end-pw-${l.id}`} type="password" name="password" autoComplete="current-password" required />
                  </div>
                  <button type="submit" className="danger">
                    {t("clients.end.button")}
                  </button>
                </Form>
              </>
            ) : null}
          </article>
        ))}
      </section>

      {d.canManage ? (
        <section aria-labelledby="allow" className="card">
          <h2 id="allow">{t("clients.allow.title")}</h2>
          <p className="hint">{t("clients.allow.intro")}</p>
          <Form method="get" className="toolbar">
            <label htmlFor="f-q">{t("clients.allow.search")}</label>
            <input id="f-q" name="q" defaultValue={d.q} minLength={2} maxLength={100} />
            <button type="submit" className="secondary">
              {t("clients.allow.searchButton")}
            </button>
          </Form>
          {d.q && d.found.length === 0 ? <p className="empty">{t("clients.allow.noneFound")}</p> : null}
          <Form method="post">
            <input type="hidden" name="intent" value="grant" />
            {d.found.length > 0 ? (
              <fieldset>
                <legend>{t("clients.allow.pick")}</legend>
                {d.found.map((p) => (
                  <label key={p.id}>
                    <input type="radio" name="partnerOrgId" value={p.id} /> {p.name}
                  </label>
                ))}
              </fieldset>
            ) : (
              <div className="field">
                <label htmlFor="f-partnerOrgId">{t("clients.allow.partnerId")}</label>
                <input id="f-partnerOrgId" name="partnerOrgId" />
              </div>
            )}
            <GrantFields idPrefix="g" products={d.products} />
            <button type="submit">{t("clients.allow.button")}</button>
          </Form>
        </section>
      ) : null}
    </>
  );
}
