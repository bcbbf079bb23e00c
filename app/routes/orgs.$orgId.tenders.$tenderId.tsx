import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { redirect } from "@remix-run/node";
import { Link, useActionData, useLoaderData, useLocation, useSearchParams } from "@remix-run/react";
import { requireOrg, type OrgContext } from "../auth/request.server";
import { getDb } from "../db.server";
import { decisionSchema, withdrawSchema } from "../domain/tenders/schemas";
import { selectProposal, submitterView, withdrawTender, type Submitter } from "../domain/tenders/submitter.server";
import { formAction, guard, parseForm, type FormFailure } from "../lib/http.server";
import { useT } from "../i18n/react";
import { FormError, Notice } from "../components/form";
import { ProposalsCompared, TenderSummary, WithdrawTender } from "../components/tenders";

// T-1/T-2: a tender of this organization with its proposals side by side; select one or withdraw.
const submitter = (ctx: OrgContext, tenderId: string | undefined): Submitter => ({ kind: "org", acting: ctx, orgId: ctx.orgId, tenderId: tenderId ?? "" });

export async function loader({ request, context, params }: LoaderFunctionArgs) {
  const ctx = await requireOrg(request, context, params.orgId);
  const view = await guard(() => submitterView(getDb(), submitter(ctx, params.tenderId)));
  return { ...view, orgId: ctx.orgId };
}

export async function action({ request, context, params }: ActionFunctionArgs) {
  const ctx = await requireOrg(request, context, params.orgId);
  const form = await request.formData();
  const intent = form.get("intent");
  const here = `/orgs/${ctx.orgId}/tenders/${params.tenderId}`;
  return formAction(async () => {
    if (intent === "select") {
      await selectProposal(getDb(), submitter(ctx, params.tenderId), parseForm(decisionSchema, form).proposalId, ctx.locale);
      return redirect(`${here}?done=selected`);
    }
    if (intent === "withdraw") {
      parseForm(withdrawSchema, form);
      await withdrawTender(getDb(), submitter(ctx, params.tenderId), ctx.locale);
      return redirect(`${here}?done=withdrawn`);
    }
    throw new Response("Bad Request", { status: 400 });
  });
}

export default function OrgTender() {
  const d = useLoaderData<typeof loader>();
  const errors = useActionData<typeof action>() as FormFailure | undefined;
  const [params] = useSearchParams();
  const base = useLocation().pathname;
  const t = useT();
  const done = params.get("done");
  return (
    <>
      <p>
        <Link to={`/orgs/${d.orgId}/tenders`}>{t("tenders.org.back")}</Link>
      </p>
      <h1>{d.tender.title}</h1>
      {done ? <Notice>{t(`tenders.done.${done}`)}</Notice> : null}
      <FormError errors={errors} />
      <TenderSummary tender={d.tender} />
      <section className="card" aria-labelledby="proposals-heading">
        <h2 id="proposals-heading">{t("tenders.proposals")}</h2>
        <ProposalsCompared proposals={d.proposals} canSelect={d.canSelect} confirmingId={params.get("select")} basePath={base} />
      </section>
      {d.canWithdraw ? <WithdrawTender confirming={params.get("withdraw") === "1"} basePath={base} /> : null}
    </>
  );
}
