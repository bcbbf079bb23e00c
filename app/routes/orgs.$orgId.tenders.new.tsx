import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { redirect } from "@remix-run/node";
import { Form, useActionData, useLoaderData } from "@remix-run/react";
import { assertCan } from "../auth/ability";
import { requireOrg } from "../auth/request.server";
import { getDb } from "../db.server";
import { billingDay } from "../domain/billing/renewal-rules";
import { postOrgTender } from "../domain/tenders/post.server";
import { tenderSchema } from "../domain/tenders/schemas";
import { addMs, DAY, now } from "../lib/clock";
import { formAction, guard, parseForm, retryAfterHeaders, type FormFailure } from "../lib/http.server";
import { useT } from "../i18n/react";
import { FormError } from "../components/form";
import { TenderFields } from "../components/tenders";

// T-1: a signed-in customer posts a tender for its organization; answers come to its contact e-mail.
export const headers = retryAfterHeaders;

export async function loader({ request, context, params }: LoaderFunctionArgs) {
  const ctx = await requireOrg(request, context, params.orgId);
  await guard(async () => assertCan(ctx.ability, "create", "Tender", { orgId: ctx.orgId }));
  return { minDeadline: billingDay(addMs(now(), DAY)), email: ctx.user.email };
}

export async function action({ request, context, params }: ActionFunctionArgs) {
  const ctx = await requireOrg(request, context, params.orgId);
  const form = await request.formData();
  return formAction(async () => {
    const row = await postOrgTender(getDb(), ctx, ctx.orgId, parseForm(tenderSchema, form));
    return redirect(`/orgs/${ctx.orgId}/tenders/${row.id}?done=posted`);
  });
}

export default function NewOrgTender() {
  const d = useLoaderData<typeof loader>();
  const errors = useActionData<typeof action>() as FormFailure | undefined;
  const t = useT();
  return (
    <>
      <h1>{t("tenders.org.new")}</h1>
      <p className="hint">{t("tenders.org.newIntro", { email: d.email })}</p>
      <Form method="post" noValidate>
        <FormError errors={errors} />
        <TenderFields errors={errors} minDeadline={d.minDeadline} />
        <button type="submit">{t("tenders.org.publish")}</button>
      </Form>
    </>
  );
}
