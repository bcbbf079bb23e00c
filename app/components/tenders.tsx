import { Form, Link } from "@remix-run/react";
import { formatMoney, type Currency } from "../domain/billing/money";
import { CONTENT_LANGUAGES, regionName, regionOptions, TENDER_CATEGORIES } from "../domain/tenders/catalog";
import { LIMITS } from "../domain/tenders/schemas";
import { useFormat, useLocale, useT } from "../i18n/react";
import { ConfirmForm, Field, SelectField, type FormErrors } from "./form";

// Pieces shared by the tender pages (T-1, T-2): the tender fields, its summary, the proposals
// side by side. Free text is always rendered as text (React escapes it), never as HTML.

function FieldError({ name, errors }: { name: string; errors?: FormErrors | null }) {
  const t = useT();
  const error = errors?.fieldErrors?.[name];
  return error ? (
    <p className="field-error" id={`f-${name}-error`} role="alert">
      {t(error)}
    </p>
  ) : null;
}

/** Checkboxes for a list of values (`name[]`), in a fieldset with its legend. */
export function CheckList(props: { name: string; legend: string; options: Array<{ value: string; label: string }>; checked?: readonly string[]; errors?: FormErrors | null; scroll?: boolean }) {
  const checked = new Set(props.checked ?? []);
  return (
    <fieldset className={props.scroll ? "checks checks-scroll" : "checks"} aria-describedby={props.errors?.fieldErrors?.[props.name] ? `f-${props.name}-error` : undefined}>
      <legend>{props.legend}</legend>
      {props.options.map((o) => (
        <label key={o.value}>
          <input type="checkbox" name={`${props.name}[]`} value={o.value} defaultChecked={checked.has(o.value)} /> {o.label}
        </label>
      ))}
      <FieldError name={props.name} errors={props.errors} />
    </fieldset>
  );
}

export function useCategoryOptions() {
  const t = useT();
  return TENDER_CATEGORIES.map((c) => ({ value: c, label: t(`tenders.category.${c}`) }));
}

export function useLanguageOptions() {
  const t = useT();
  return CONTENT_LANGUAGES.map((l) => ({ value: l, label: t(`tenders.language.${l}`) }));
}

export function useRegionOptions() {
  const locale = useLocale();
  return regionOptions(locale).map((r) => ({ value: r.code, label: r.name }));
}

/** The fields of a tender (T-1): every one with its maximum length. */
export function TenderFields({ errors, minDeadline }: { errors?: FormErrors | null; minDeadline: string }) {
  const t = useT();
  const categories = useCategoryOptions();
  const regions = useRegionOptions();
  const languages = useLanguageOptions();
  return (
    <>
      <Field name="title" label={t("tenders.field.title")} errors={errors} required maxLength={LIMITS.title} />
      <div className="field">
        <label htmlFor="f-description">{t("tenders.field.description")}</label>
        <textarea id="f-description" name="description" rows={8} required maxLength={LIMITS.description} aria-invalid={errors?.fieldErrors?.description ? true : undefined} aria-describedby={errors?.fieldErrors?.description ? "f-description-error" : undefined} />
        <FieldError name="description" errors={errors} />
      </div>
      <CheckList name="categories" legend={t("tenders.field.categories")} options={categories} errors={errors} />
      <Field name="budgetMin" label={t("tenders.field.budgetMin")} errors={errors} required maxLength={LIMITS.amount} hint={t("tenders.field.amountHint")} />
      <Field name="budgetMax" label={t("tenders.field.budgetMax")} errors={errors} required maxLength={LIMITS.amount} />
      <SelectField name="currency" label={t("tenders.field.currency")} errors={errors} defaultValue="CHF">
        <option value="CHF">CHF</option>
        <option value="EUR">EUR</option>
      </SelectField>
      <SelectField name="region" label={t("tenders.field.region")} errors={errors} defaultValue="CH" required>
        {regions.map((r) => (
          <option key={r.value} value={r.value}>
            {r.label}
          </option>
        ))}
      </SelectField>
      <SelectField name="language" label={t("tenders.field.language")} errors={errors} defaultValue="de" required>
        {languages.map((l) => (
          <option key={l.value} value={l.value}>
            {l.label}
          </option>
        ))}
      </SelectField>
      <div className="field">
        <label htmlFor="f-deadline">{t("tenders.field.deadline")}</label>
        <input id="f-deadline" name="deadline" type="date" min={minDeadline} required aria-invalid={errors?.fieldErrors?.deadline ? true : undefined} aria-describedby={errors?.fieldErrors?.deadline ? "f-deadline-error" : "f-deadline-hint"} />
        {errors?.fieldErrors?.deadline ? null : (
          <p className="hint" id="f-deadline-hint">
            {t("tenders.field.deadlineHint")}
          </p>
        )}
        <FieldError name="deadline" errors={errors} />
      </div>
    </>
  );
}

export function money(amount: number, currency: string, locale: string) {
  return formatMoney(Number(amount), currency as Currency, `${locale}-CH`);
}

export interface TenderSummaryData {
  title: string;
  description: string;
  categories: string[];
  budget_min: number;
  budget_max: number;
  currency: string;
  region: string;
  language: string;
  deadline: string | Date;
  status?: string;
  closed_reason?: string | null;
}

/** A tender's facts and its description (as text). */
export function TenderSummary({ tender }: { tender: TenderSummaryData }) {
  const t = useT();
  const locale = useLocale();
  const format = useFormat();
  return (
    <section className="card" aria-labelledby="tender-facts">
      <h2 id="tender-facts">{t("tenders.facts")}</h2>
      <dl>
        <dt>{t("tenders.field.categories")}</dt>
        <dd>{tender.categories.map((c) => t(`tenders.category.${c}`)).join(", ")}</dd>
        <dt>{t("tenders.budget")}</dt>
        <dd>
          {money(tender.budget_min, tender.currency, locale)} – {money(tender.budget_max, tender.currency, locale)}
        </dd>
        <dt>{t("tenders.field.region")}</dt>
        <dd>{regionName(tender.region, locale)}</dd>
        <dt>{t("tenders.field.language")}</dt>
        <dd>{t(`tenders.language.${tender.language}`)}</dd>
        <dt>{t("tenders.field.deadline")}</dt>
        <dd>{format.dateTime(tender.deadline)}</dd>
        {tender.status ? (
          <>
            <dt>{t("tenders.status")}</dt>
            <dd data-testid="tender-status">{tender.status === "closed" ? t(`tenders.closed.${tender.closed_reason}`) : t(`tenders.state.${tender.status}`)}</dd>
          </>
        ) : null}
      </dl>
      <h3>{t("tenders.field.description")}</h3>
      <p className="prose-text" data-testid="tender-description">
        {tender.description}
      </p>
    </section>
  );
}

export interface ProposalData {
  id: string;
  partner_name: string;
  contact_email: string;
  body: string;
  price_min: number;
  price_max: number;
  currency: string;
  timeline: string;
  provider_products_only: boolean;
  status: string;
}

/**
 * The proposals side by side (one column each), with "Select" for the submitter. Selecting
 * asks for confirmation first (`?select=<id>` shows the confirmation form).
 */
export function ProposalsCompared(props: { proposals: ProposalData[]; canSelect: boolean; confirmingId: string | null; basePath: string }) {
  const t = useT();
  const locale = useLocale();
  if (props.proposals.length === 0) return <p className="empty">{t("tenders.noProposals")}</p>;
  const confirming = props.proposals.find((p) => p.id === props.confirmingId);
  return (
    <>
      {confirming && props.canSelect ? (
        <section className="card" aria-labelledby="confirm-select">
          <h3 id="confirm-select">{t("tenders.confirmSelect", { partner: confirming.partner_name })}</h3>
          <p>{t("tenders.confirmSelectHint")}</p>
          <ConfirmForm intent="select" button={t("tenders.confirmSelectButton")} cancelTo={props.basePath}>
            <input type="hidden" name="proposalId" value={confirming.id} />
          </ConfirmForm>
        </section>
      ) : null}
      <div className="compare">
        <table data-testid="proposals">
          <caption>{t("tenders.proposalsCaption", { count: props.proposals.length })}</caption>
          <thead>
            <tr>
              <td />
              {props.proposals.map((p) => (
                <th key={p.id} scope="col">
                  {p.partner_name}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            <tr>
              <th scope="row">{t("tenders.proposal.price")}</th>
              {props.proposals.map((p) => (
                <td key={p.id}>
                  {money(p.price_min, p.currency, locale)} – {money(p.price_max, p.currency, locale)}
                </td>
              ))}
            </tr>
            <tr>
              <th scope="row">{t("tenders.proposal.timeline")}</th>
              {props.proposals.map((p) => (
                <td key={p.id} className="prose-text">
                  {p.timeline}
                </td>
              ))}
            </tr>
            <tr>
              <th scope="row">{t("tenders.proposal.body")}</th>
              {props.proposals.map((p) => (
                <td key={p.id} className="prose-text">
                  {p.body}
                </td>
              ))}
            </tr>
            <tr>
              <th scope="row">{t("tenders.proposal.commitment")}</th>
              {props.proposals.map((p) => (
                <td key={p.id}>{p.provider_products_only ? t("tenders.proposal.providerProducts") : "—"}</td>
              ))}
            </tr>
            <tr>
              <th scope="row">{t("tenders.status")}</th>
              {props.proposals.map((p) => (
                <td key={p.id} data-testid={`proposal-status-${p.id}`}>
                  {t(`tenders.proposalState.${p.status}`)}
                  {p.status === "selected" ? (
                    <>
                      {" "}
                      · <a href={`mailto:${p.contact_email}`}>{p.contact_email}</a>
                    </>
                  ) : null}
                </td>
              ))}
            </tr>
            {props.canSelect ? (
              <tr>
                <td />
                {props.proposals.map((p) => (
                  <td key={p.id}>
                    {p.status === "submitted" ? (
                      <Link to={`${props.basePath}?select=${p.id}`} className="button" aria-label={t("tenders.selectLabel", { partner: p.partner_name })}>
                        {t("tenders.select")}
                      </Link>
                    ) : null}
                  </td>
                ))}
              </tr>
            ) : null}
          </tbody>
        </table>
      </div>
    </>
  );
}

/** Withdrawing, behind a confirmation step (`?withdraw=1`). */
export function WithdrawTender({ confirming, basePath }: { confirming: boolean; basePath: string }) {
  const t = useT();
  return confirming ? (
    <section className="card" aria-labelledby="confirm-withdraw">
      <h2 id="confirm-withdraw">{t("tenders.confirmWithdraw")}</h2>
      <ConfirmForm intent="withdraw" button={t("tenders.withdraw")} cancelTo={basePath} />
    </section>
  ) : (
    <Form method="get">
      <input type="hidden" name="withdraw" value="1" />
      <button type="submit" className="secondary">
        {t("tenders.withdraw")}
      </button>
    </Form>
  );
}
