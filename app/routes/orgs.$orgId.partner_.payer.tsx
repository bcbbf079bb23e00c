import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { redirect } from "@remix-run/node";
import { Link, useActionData, useParams } from "@remix-run/react";
import { requireOrg } from "../auth/request.server";
import { getDb } from "../db.server";
import { payerSchema, setPayer } from "../domain/partners/partner-billing.server";
import { formAction, parseForm, type FormFailure } from "../lib/http.server";
import { useT } from "../i18n/react";

// C-5: who pays a client's future invoices, decided from the partner's reseller space or the
// client's partner page; the form says where to go back to (only a page of this organization).
export async function loader({ request, context, params }: LoaderFunctionArgs) {
  await requireOrg(request, context, params.orgId);
  return null;
}

export async function action({ request, context, params }: ActionFunctionArgs) {
  const ctx = await requireOrg(request, context, params.orgId);
  const form = await request.formData();
  return formAction(async () => {
    const input = parseForm(payerSchema, form);
    await setPayer(getDb(), ctx, ctx.orgId, input.linkId, input.payer);
    const back = String(form.get("returnTo") ?? "");
    const safe = back.startsWith(`/orgs/${ctx.orgId}/`) && !back.includes("//", 1) ? back : `/orgs/${ctx.orgId}/partner`;
    return redirect(`${safe}${safe.includes("?") ? "&" : "?"}payer=${input.payer}`);
  });
}

export default function PayerChangeRefused() {
  const failure = useActionData<typeof action>() as FormFailure | undefined;
  const { orgId } = useParams();
  const t = useT();
  const messages = failure ? [failure.formError, ...Object.values(failure.fieldErrors ?? {})].filter((x): x is string => !!x) : [];
  return (
    <>
      <h1>{t("partners.payer.title")}</h1>
      <div className="alert alert-error" role="alert" data-testid="payer-error">
        {messages.map((msg) => (
          <p key={msg}>{t(msg, failure?.formErrorVars)}</p>
        ))}
      </div>
      <p>
        <Link to={`/orgs/${orgId}/partner`}>{t("partners.payer.back")}</Link>
      </p>
    </>
  );
}
