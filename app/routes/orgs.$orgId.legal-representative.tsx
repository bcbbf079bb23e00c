import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { redirect } from "@remix-run/node";
import { Form, useActionData, useLoaderData, useSearchParams } from "@remix-run/react";
import { z } from "zod";
import { requireOrg } from "../auth/request.server";
import { FormError, Notice } from "../components/form";
import { hasCandidates, MemberPicker } from "../components/member-picker";
import { getDb } from "../db.server";
import { acceptHandover, cancelHandover, declineHandover, handoverState, requestHandover } from "../domain/orgs/handover.server";
import { useFormat, useT } from "../i18n/react";
import { formAction, guard, parseForm, type FormFailure } from "../lib/http.server";

export const meta: MetaFunction = () => [{ title: "Legal representative · Partner Portal" }];

export async function loader({ request, context, params }: LoaderFunctionArgs) {
  const ctx = await requireOrg(request, context, params.orgId);
  return guard(() => handoverState(getDb(), ctx, ctx.orgId));
}

const intentSchema = z.object({ intent: z.enum(["request", "cancel", "accept", "decline"], { message: "errors.invalid" }) });

export async function action({ request, context, params }: ActionFunctionArgs) {
  const ctx = await requireOrg(request, context, params.orgId);
  const form = await request.formData();
  const back = `/orgs/${ctx.orgId}/legal-representative`;
  return formAction(async () => {
    const { intent } = parseForm(intentSchema, form);
    const db = getDb();
    switch (intent) {
      case "request":
        await requestHandover(db, ctx, ctx.orgId, form, ctx.locale);
        return redirect(`${back}?done=requested`);
      case "cancel":
        await cancelHandover(db, ctx, ctx.orgId, form);
        return redirect(`${back}?done=cancelled`);
      case "accept":
        await acceptHandover(db, ctx, ctx.orgId, form);
        return redirect(`${back}?done=accepted`);
      case "decline":
        await declineHandover(db, ctx, ctx.orgId, form);
        return redirect(`${back}?done=declined`);
    }
  });
}

const notices: Record<string, string> = {
  requested: "orgadmin.handoverRequested",
  cancelled: "orgadmin.handoverCancelled",
  accepted: "orgadmin.handoverAccepted",
  declined: "orgadmin.handoverDeclined",
};

// Single fetch keeps Dates; the hooks are typed from what the functions return.
type LoaderData = Awaited<ReturnType<typeof loader>>;
type ActionResult = FormFailure;

export default function LegalRepresentative() {
  const data = useLoaderData<typeof loader>() as LoaderData;
  const errors = useActionData<typeof action>() as ActionResult | undefined;
  const [params] = useSearchParams();
  const t = useT();
  const format = useFormat();
  const notice = notices[params.get("done") ?? ""];
  const { rep, pending, candidates } = data;

  return (
    <>
      <h1>{t("orgadmin.handoverTitle")}</h1>
      {notice ? <Notice>{t(notice)}</Notice> : null}
      <FormError errors={errors} />
      <dl className="facts">
        <dt>{t("roles.legal_rep")}</dt>
        <dd data-testid="legal-rep">
          {`${rep.name} (${rep.email})${data.isRep ? ` — ${t("orgadmin.thatIsYou")}` : ""}`}
        </dd>
      </dl>
      <p className="hint">{t("orgadmin.handoverExplain")}</p>

      {pending ? (
        <section aria-labelledby="pending-title" className="card">
          <h2 id="pending-title">{t("orgadmin.handoverPendingTitle")}</h2>
          <p>
            {t("orgadmin.handoverPendingText", {
              from: pending.fromName,
              to: `${pending.toName} (${pending.toEmail})`,
              date: format.date(pending.createdAt),
            })}
          </p>
          {pending.addressedToMe ? (
            <>
              <p>{t("orgadmin.handoverAnswerIntro")}</p>
              <div className="toolbar">
                <Form method="post">
                  <input type="hidden" name="intent" value="accept" />
                  <input type="hidden" name="transferId" value={pending.id} />
                  <button type="submit">{t("orgadmin.handoverAccept")}</button>
                </Form>
                <Form method="post">
                  <input type="hidden" name="intent" value="decline" />
                  <input type="hidden" name="transferId" value={pending.id} />
                  <button type="submit" className="secondary">
                    {t("orgadmin.handoverDecline")}
                  </button>
                </Form>
              </div>
            </>
          ) : null}
          {data.canHandOver ? (
            <Form method="post">
              <input type="hidden" name="intent" value="cancel" />
              <input type="hidden" name="transferId" value={pending.id} />
              <button type="submit" className="secondary">
                {t("orgadmin.handoverCancel")}
              </button>
            </Form>
          ) : null}
        </section>
      ) : data.canHandOver ? (
        <section aria-labelledby="request-title" className="card">
          <h2 id="request-title">{t("orgadmin.handoverRequestTitle")}</h2>
          <p>{t("orgadmin.handoverRequestIntro")}</p>
          {hasCandidates(candidates) ? (
            <Form method="post" noValidate>
              <input type="hidden" name="intent" value="request" />
              <MemberPicker
                candidates={candidates}
                selectLabel={t("orgadmin.handoverTo")}
                emailLabel={t("orgadmin.handoverToEmail")}
                required
                errors={errors}
              />
              <button type="submit">{t("orgadmin.handoverSend")}</button>
            </Form>
          ) : (
            <p className="empty">{t("orgadmin.handoverNoCandidates")}</p>
          )}
        </section>
      ) : null}
    </>
  );
}
