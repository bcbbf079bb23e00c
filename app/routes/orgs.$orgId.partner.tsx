import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { redirect } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useSearchParams } from "@remix-run/react";
import { requireOrg } from "../auth/request.server";
import { getDb } from "../db.server";
import { formatMoney } from "../domain/billing/money";
import { acceptClientLink, applicationSchema, applyForPartnerProgram, joinAffiliateProgram, linkAnswerSchema, linkRequestSchema, partnerProgramOverview, requestClientLink } from "../domain/partners/program.server";
import { REGISTRY_KINDS } from "../domain/partners/registry";
import { formAction, guard, parseForm, type FormFailure } from "../lib/http.server";
import { useFormat, useLocale, useT } from "../i18n/react";
import { FormError, Notice } from "../components/form";
import { Pager } from "../components/pager";

// P-1 … P-8: the partner program page of an organization.
export async function loader({ request, context, params }: LoaderFunctionArgs) {
  const ctx = await requireOrg(request, context, params.orgId);
  const commissionsPage = Number(new URL(request.url).searchParams.get("cpage") ?? "1");
  const overview = await guard(() => partnerProgramOverview(getDb(), ctx, ctx.orgId, { commissionsPage }));
  return { ...overview, orgId: ctx.orgId, origin: new URL(request.url).origin };
}

export async function action({ request, context, params }: ActionFunctionArgs) {
  const ctx = await requireOrg(request, context, params.orgId);
  const form = await request.formData();
  const intent = form.get("intent");
  return formAction(async () => {
    if (intent === "affiliate") await joinAffiliateProgram(getDb(), ctx, ctx.orgId);
    else if (intent === "request-link") await requestClientLink(getDb(), ctx, ctx.orgId, parseForm(linkRequestSchema, form).clientOrgId);
    else if (intent === "accept-link") await acceptClientLink(getDb(), ctx, ctx.orgId, parseForm(linkAnswerSchema, form).linkId);
    else await applyForPartnerProgram(getDb(), ctx, ctx.orgId, parseForm(applicationSchema, form));
    return redirect(`/orgs/${ctx.orgId}/partner?done=${intent === "apply" ? "applied" : "1"}`);
  });
}

export default function PartnerProgram() {
  const d = useLoaderData<typeof loader>();
  const errors = useActionData<typeof action>() as FormFailure | undefined;
  const [params] = useSearchParams();
  const t = useT();
  const locale = useLocale();
  const format = useFormat();
  const m = (amount: number) => formatMoney(amount, d.value.currency, `${locale}-CH`);
  const fieldError = (name: string) =>
    errors?.fieldErrors?.[name] ? (
      <p className="field-error" id={`f-${name}-error`} role="alert">
        {t(errors.fieldErrors[name])}
      </p>
    ) : null;
  const app = d.application;
  const canSubmit = d.canApply && !d.program && app?.status !== "submitted";
  return (
    <>
      <h1>{t("partners.title")}</h1>
      <p className="hint">{t("partners.intro")}</p>
      {params.get("done") === "applied" ? <Notice>{t("partners.applied")}</Notice> : null}
      <FormError errors={errors} />
      {d.program?.program === "partner" ? (
        <p data-testid="program">
          {t("partners.isPartner")}{" "}
          {d.program.status === "active" ? <Link to={`/orgs/${d.orgId}/partner/space`}>{t("partners.space.link")}</Link> : null}{" "}
          <Link to={`/orgs/${d.orgId}/tender-board`}>{t("tenders.nav.board")}</Link>{" "}
          <Link to={`/orgs/${d.orgId}/directory-listing`}>{t("directory.nav.listing")}</Link>
        </p>
      ) : null}
      {d.program?.program === "affiliate" ? (
        <>
          <p data-testid="program">{t("partners.isAffiliate", { link: `${d.origin}/signup?ref=${d.program.referral_code}` })}</p>
          <p data-testid="referrals">{t("partners.referrals", { count: d.referrals })}</p>
          {d.commissions ? (
            <section className="card" aria-labelledby="commissions" data-testid="commissions">
              <h2 id="commissions">{t("partners.commissions.title")}</h2>
              <p>{t("partners.commissions.rate", { rate: new Intl.NumberFormat(`${locale}-CH`, { style: "percent", maximumFractionDigits: 2 }).format(d.commissions.rateBp / 10_000) })}</p>
              {d.commissions.totals.length === 0 ? (
                <p className="empty">{t("partners.commissions.none")}</p>
              ) : (
                <>
                  {d.commissions.totals.map((x) => (
                    <p key={x.currency}>{t("partners.commissions.total", { amount: formatMoney(x.amount, x.currency, `${locale}-CH`), count: x.count })}</p>
                  ))}
                  <table>
                    <thead>
                      <tr>
                        <th scope="col">{t("partners.commissions.date")}</th>
                        <th scope="col">{t("partners.commissions.amount")}</th>
                      </tr>
                    </thead>
                    <tbody>
                      {d.commissions.items.map((c) => (
                        <tr key={c.id}>
                          <td>{format.date(c.created_at)}</td>
                          <td>{formatMoney(c.amount, c.currency, `${locale}-CH`)}</td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                  <Pager page={d.commissions.page} pages={d.commissions.pages} param="cpage" label={t("partners.commissions.pages")} />
                </>
              )}
            </section>
          ) : null}
        </>
      ) : null}
      <section className="card" aria-labelledby="conditions" data-testid="conditions">
        <h2 id="conditions">{t("partners.conditions")}</h2>
        <ul>
          <li>
            {t("partners.condition.value", { value: m(d.value.amount), threshold: m(d.value.threshold) })}{" "}
            {d.value.missing > 0 ? t("partners.valueMissing", { missing: m(d.value.missing) }) : t("partners.valueReached")}{" "}
            ({t("partners.valueDetail", { products: d.value.products, clients: d.value.clients })})
          </li>
          {app ? (
            <>
              <li>{t("partners.condition.registry", { evidence: `${t(`partners.registry.${app.registry_kind}`)} ${app.registry_country} ${app.registry_number}` })}</li>
              <li>
                {t("partners.condition.website", { url: app.website_url, status: t(`partners.website.${app.website_status}`) })}
                {app.website_checked_at ? ` (${t("partners.website.checked", { code: app.website_http_status ?? "—", date: format.dateTime(app.website_checked_at) })})` : null}
              </li>
              <li>{t("partners.condition.terms", { version: app.terms_version, date: format.dateTime(app.terms_accepted_at) })}</li>
            </>
          ) : null}
        </ul>
        {app ? <p data-testid="application-status">{t("partners.status", { status: t(`partners.status.${app.status}`) })}</p> : null}
        {app?.rejection_reason ? <p data-testid="rejection">{t("partners.rejectionReason", { reason: app.rejection_reason })}</p> : null}
      </section>
      {canSubmit ? (
        <section className="card" aria-labelledby="apply">
          <h2 id="apply">{t("partners.apply")}</h2>
          <Form method="post" noValidate>
            <input type="hidden" name="intent" value="apply" />
            <input type="hidden" name="termsVersion" value={d.terms.version} />
            <div className="field">
              <label htmlFor="f-registryKind">{t("partners.registryKind")}</label>
              <select id="f-registryKind" name="registryKind">
                {REGISTRY_KINDS.map((k) => (
                  <option key={k} value={k}>
                    {t(`partners.registry.${k}`)}
                  </option>
                ))}
              </select>
            </div>
            <div className="field">
              <label htmlFor="f-registryCountry">{t("partners.registryCountry")}</label>
              <input id="f-registryCountry" name="registryCountry" maxLength={2} />
              {fieldError("registryCountry")}
            </div>
            <div className="field">
              <label htmlFor="f-registryNumber">{t("partners.registryNumber")}</label>
              <input id="f-registryNumber" name="registryNumber" required />
              {fieldError("registryNumber")}
            </div>
            <div className="field">
              <label htmlFor="f-website">{t("partners.website")}</label>
              <input id="f-website" name="website" type="url" required />
              {fieldError("website")}
            </div>
            <fieldset>
              <legend>{t("partners.commitments")}</legend>
              {(["commitSupport", "commitInvoices", "commitTenders"] as const).map((name) => (
                <div className="field" key={name}>
                  <label>
                    <input type="checkbox" name={name} value="yes" /> {t(`partners.${name}`)}
                  </label>
                  {fieldError(name)}
                </div>
              ))}
              <h3>{t("partners.termsTitle", { version: d.terms.version })}</h3>
              <p data-testid="terms">{d.terms.text}</p>
              <div className="field">
                <label>
                  <input type="checkbox" name="acceptTerms" value="yes" /> {t("partners.acceptTerms", { version: d.terms.version })}
                </label>
                {fieldError("acceptTerms")}
              </div>
            </fieldset>
            <button type="submit">{t("partners.apply")}</button>
          </Form>
        </section>
      ) : !d.canApply ? (
        <p className="hint">{t("partners.onlyRep")}</p>
      ) : null}
      {d.canApply && !d.program && d.privatePerson ? (
        <section className="card" aria-labelledby="affiliate">
          <h2 id="affiliate">{t("partners.affiliate")}</h2>
          <p>{t("partners.affiliateIntro")}</p>
          <Form method="post">
            <input type="hidden" name="intent" value="affiliate" />
            <button type="submit" className="secondary">
              {t("partners.joinAffiliate")}
            </button>
          </Form>
        </section>
      ) : null}
      <section className="card" aria-labelledby="links">
        <h2 id="links">{t("partners.links")}</h2>
        {d.links.length === 0 ? (
          <p className="empty">{t("partners.noLinks")}</p>
        ) : (
          <ul data-testid="links">
            {d.links.map((l) => (
              <li key={l.id}>
                {l.org_id === d.orgId
                  ? t("partners.linkAsPartner", { name: l.client_name, state: t(`partners.link.${l.state}`) })
                  : t("partners.linkAsClient", { name: l.partner_name, state: t(`partners.link.${l.state}`) })}
                {l.client_org_id === d.orgId && l.state === "active" && d.canApply ? (
                  <Form method="post" action={`/orgs/${d.orgId}/partner/payer`} data-testid={`payer-form-${l.id}`}>
                    {t("partners.payer.current", { payer: t(`partners.payer.${l.payer}`) })}{" "}
                    <input type="hidden" name="linkId" value={l.id} />
                    <input type="hidden" name="payer" value={l.payer === "partner" ? "client" : "partner"} />
                    <input type="hidden" name="returnTo" value={`/orgs/${d.orgId}/partner`} />
                    <button type="submit" className="secondary" disabled={l.payer === "client" && l.access !== "full"}>
                      {t(l.payer === "partner" ? "partners.payer.switchToMe" : "partners.payer.switchToPartnerFromClient", { name: l.partner_name })}
                    </button>
                  </Form>
                ) : null}
                {l.client_org_id === d.orgId && l.state === "requested" && d.canApply ? (
                  <Form method="post">
                    <input type="hidden" name="intent" value="accept-link" />
                    <input type="hidden" name="linkId" value={l.id} />
                    <button type="submit">{t("partners.accept")}</button>
                  </Form>
                ) : null}
              </li>
            ))}
          </ul>
        )}
        {d.program?.program === "partner" && d.canApply ? (
          <Form method="post">
            <input type="hidden" name="intent" value="request-link" />
            <div className="field">
              <label htmlFor="f-clientOrgId">{t("partners.clientOrgId")}</label>
              <input id="f-clientOrgId" name="clientOrgId" required />
              {fieldError("clientOrgId")}
            </div>
            <button type="submit" className="secondary">
              {t("partners.requestLink")}
            </button>
          </Form>
        ) : null}
      </section>
    </>
  );
}
