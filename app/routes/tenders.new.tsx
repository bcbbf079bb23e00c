import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { redirect } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useSearchParams } from "@remix-run/react";
import { userContextOf } from "../auth/request.server";
import { getDb } from "../db.server";
import { billingDay } from "../domain/billing/renewal-rules";
import { postPublicTender } from "../domain/tenders/post.server";
import { LIMITS, publicTenderSchema, tenderSchema } from "../domain/tenders/schemas";
import { addMs, DAY, now } from "../lib/clock";
import { clientIp, formAction, parseForm, retryAfterHeaders, type FormFailure } from "../lib/http.server";
import { pickLocale } from "../i18n/index";
import { useT } from "../i18n/react";
import { Field, FormError, Notice } from "../components/form";
import { TenderFields } from "../components/tenders";

// T-1: the public tender form. No account needed; the e-mail is confirmed before publishing.
export const meta: MetaFunction = () => [{ title: "Post a tender · Partner Portal" }];

export const headers = retryAfterHeaders;

export async function loader({ request }: LoaderFunctionArgs) {
  const ctx = await userContextOf(request);
  // A signed-in customer can post for its organization from the portal instead.
  const orgId = ctx?.actor.memberships.find((m) => m.isLegalRep || m.role === "admin")?.orgId ?? null;
  return { minDeadline: billingDay(addMs(now(), DAY)), orgId };
}

export async function action({ request, context }: ActionFunctionArgs) {
  const form = await request.formData();
  return formAction(async () => {
    const fields = parseForm(tenderSchema, form);
    const extra = parseForm(publicTenderSchema, form);
    await postPublicTender(getDb(), { ...fields, ...extra }, { ip: clientIp(request, context), locale: pickLocale(null, request.headers.get("Accept-Language")) });
    return redirect("/tenders/new?sent=1");
  });
}

export default function NewPublicTender() {
  const { minDeadline, orgId } = useLoaderData<typeof loader>();
  const errors = useActionData<typeof action>() as FormFailure | undefined;
  const [params] = useSearchParams();
  const t = useT();
  return (
    <main id="main" className="page narrow">
      <h1>{t("tenders.public.title")}</h1>
      {params.get("sent") ? (
        <Notice>{t("tenders.public.sent")}</Notice>
      ) : (
        <>
          <p>{t("tenders.public.intro")}</p>
          {orgId ? (
            <p className="hint">
              <Link to={`/orgs/${orgId}/tenders/new`}>{t("tenders.public.fromPortal")}</Link>
            </p>
          ) : null}
          <Form method="post" noValidate>
            <FormError errors={errors} />
            <TenderFields errors={errors} minDeadline={minDeadline} />
            <Field name="contactEmail" type="email" label={t("tenders.field.contactEmail")} errors={errors} required maxLength={LIMITS.email} autoComplete="email" hint={t("tenders.field.contactEmailHint")} />
            {/* Honeypot: hidden from people and assistive technology; bots fill it in. */}
            <div className="honeypot" aria-hidden="true">
              <label htmlFor="f-website">Leave this field empty</label>
              <input id="f-website" name="website" type="text" tabIndex={-1} autoComplete="off" />
            </div>
            <button type="submit">{t("tenders.public.submit")}</button>
          </Form>
        </>
      )}
      <p>
        <Link to="/partners">{t("directory.title")}</Link>
      </p>
    </main>
  );
}
