import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { redirect } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useSearchParams } from "@remix-run/react";
import { requireOrg } from "../auth/request.server";
import { getDb } from "../db.server";
import { answerTender, boardTender } from "../domain/tenders/board.server";
import { LIMITS, proposalSchema } from "../domain/tenders/schemas";
import { formAction, guard, parseForm, type FormFailure } from "../lib/http.server";
import { useLocale, useT } from "../i18n/react";
import { Field, FormError, Notice } from "../components/form";
import { money, TenderSummary } from "../components/tenders";

// T-2 and P-6: a tender as a partner sees it, and its answer (a proposal). Other organizations: 404.
export async function loader({ request, context, params }: LoaderFunctionArgs) {
  const ctx = await requireOrg(request, context, params.orgId);
  const view = await guard(() => boardTender(getDb(), ctx, ctx.orgId, params.tenderId ?? ""));
  return { ...view, orgId: ctx.orgId };
}

export async function action({ request, context, params }: ActionFunctionArgs) {
  const ctx = await requireOrg(request, context, params.orgId);
  const form = await request.formData();
  return formAction(async () => {
    await answerTender(getDb(), ctx, ctx.orgId, params.tenderId ?? "", parseForm(proposalSchema, form), ctx.locale);
    return redirect(`/orgs/${ctx.orgId}/tender-board/${params.tenderId}?done=answered`);
  });
}

export default function BoardTender() {
  const d = useLoaderData<typeof loader>();
  const errors = useActionData<typeof action>() as FormFailure | undefined;
  const [params] = useSearchParams();
  const t = useT();
  const locale = useLocale();
  const p = d.proposal;
  return (
    <>
      <p>
        <Link to={`/orgs/${d.orgId}/tender-board`}>{t("tenders.board.back")}</Link>
      </p>
      <h1>{d.tender.title}</h1>
      {params.get("done") === "answered" ? <Notice>{t("tenders.done.answered")}</Notice> : null}
      <FormError errors={errors} />
      <TenderSummary tender={d.tender} />
      {d.providerProductsOnly ? (
        <p className="alert" role="note" data-testid="p6-reminder">
          {t("tenders.p6Reminder")}
        </p>
      ) : null}
      {p ? (
        <section className="card" aria-labelledby="own-proposal" data-testid="own-proposal">
          <h2 id="own-proposal">{t("tenders.board.yourProposal")}</h2>
          <p>
            {t("tenders.status")}: {t(`tenders.proposalState.${p.status}`)}
          </p>
          <p>
            {t("tenders.proposal.price")}: {money(p.price_min, p.currency, locale)} – {money(p.price_max, p.currency, locale)}
          </p>
          <p className="prose-text">
            {t("tenders.proposal.timeline")}: {p.timeline}
          </p>
          <p className="prose-text">{p.body}</p>
        </section>
      ) : d.canAnswer ? (
        <section className="card" aria-labelledby="answer">
          <h2 id="answer">{t("tenders.board.answer")}</h2>
          <Form method="post" noValidate>
            <div className="field">
              <label htmlFor="f-body">{t("tenders.proposal.body")}</label>
              <textarea id="f-body" name="body" rows={8} required maxLength={LIMITS.body} aria-invalid={errors?.fieldErrors?.body ? true : undefined} aria-describedby={errors?.fieldErrors?.body ? "f-body-error" : undefined} />
              {errors?.fieldErrors?.body ? (
                <p className="field-error" id="f-body-error" role="alert">
                  {t(errors.fieldErrors.body)}
                </p>
              ) : null}
            </div>
            <Field name="priceMin" label={t("tenders.proposal.priceMin", { currency: d.tender.currency })} errors={errors} required maxLength={LIMITS.amount} />
            <Field name="priceMax" label={t("tenders.proposal.priceMax", { currency: d.tender.currency })} errors={errors} required maxLength={LIMITS.amount} />
            <Field name="timeline" label={t("tenders.proposal.timeline")} errors={errors} required maxLength={LIMITS.timeline} hint={t("tenders.proposal.timelineHint")} />
            <button type="submit">{t("tenders.board.send")}</button>
          </Form>
        </section>
      ) : !d.open ? (
        <p className="empty">{t("tenders.board.closed")}</p>
      ) : null}
    </>
  );
}
