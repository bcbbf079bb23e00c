import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { redirect } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useSearchParams } from "@remix-run/react";
import { allows } from "../auth/ability";
import { requireStaff } from "../auth/request.server";
import { getDb } from "../db.server";
import { Invalid } from "../domain/errors";
import { requestCheckSchema, requestIdentityCheckFromSupport } from "../domain/security/identity-checks.server";
import { STAFF_REQUESTABLE_REASONS } from "../domain/support/limits";
import { grantsForRequest } from "../domain/support/access.server";
import { closeAsAgent, replyAsAgent, replySchema, requestForAgent } from "../domain/support/requests.server";
import { formAction, guard, parseForm, type FormFailure } from "../lib/http.server";
import { useFormat, useT } from "../i18n/react";
import { ConfirmCheckbox, FormError, Notice } from "../components/form";
import { Conversation } from "../components/support";

const notices: Record<string, string> = { answered: "support.bo.answered", closed: "support.bo.closed", identity: "support.bo.identitySent" };

// K-4: one request of the agent's queue: the conversation, the answer, closing it, the
// access the user granted (S-1/S-2) and asking for an identity check (S-5).
export async function loader({ request, context, params }: LoaderFunctionArgs) {
  const acting = await requireStaff(request, context);
  const requestId = params.requestId ?? "";
  const detail = await guard(() => requestForAgent(getDb(), acting, requestId));
  const grants = await guard(() => grantsForRequest(getDb(), acting, requestId));
  return { ...detail, grants, canIdentity: allows(acting.ability, "update", "IdentityCheck") };
}

export async function action({ request, context, params }: ActionFunctionArgs) {
  const acting = await requireStaff(request, context);
  const requestId = params.requestId ?? "";
  const form = await request.formData();
  return formAction(async () => {
    switch (form.get("intent")) {
      case "answer":
        await replyAsAgent(getDb(), acting, requestId, parseForm(replySchema, form).body);
        return redirect(`/backoffice/support/${requestId}?done=answered`);
      case "close":
        if (form.get("confirm") !== "yes") throw new Invalid({ confirm: "errors.required" });
        await closeAsAgent(getDb(), acting, requestId);
        return redirect(`/backoffice/support/${requestId}?done=closed`);
      case "identity":
        await requestIdentityCheckFromSupport(getDb(), acting, requestId, parseForm(requestCheckSchema, form).reason);
        return redirect(`/backoffice/support/${requestId}?done=identity`);
      default:
        throw new Invalid({ _form: "errors.invalid" });
    }
  });
}

export default function BackofficeSupportRequest() {
  const { request, messages, grants, canIdentity } = useLoaderData<typeof loader>();
  const errors = useActionData<typeof action>() as FormFailure | undefined;
  const [params] = useSearchParams();
  const t = useT();
  const format = useFormat();
  const notice = notices[params.get("done") ?? ""];
  const open = request.status === "open";
  return (
    <>
      <p>
        <Link to="/backoffice/support">{t("support.bo.title")}</Link>
      </p>
      <h1>{request.subject}</h1>
      <p className="hint">
        {request.user_name} ({request.user_email}) · {t(`support.status.${request.status}`)} · {format.dateTime(request.created_at)}
      </p>
      {notice ? <Notice>{t(notice)}</Notice> : null}
      <FormError errors={errors} />
      <Conversation messages={messages} userLabel={request.user_name} fileHref={(id) => `/backoffice/support/${request.id}/files/${id}`} />
      {open ? (
        <section className="card" aria-labelledby="answer-title">
          <h2 id="answer-title">{t("support.bo.answer")}</h2>
          <Form method="post">
            <input type="hidden" name="intent" value="answer" />
            <div className="field">
              <label htmlFor="f-body">{t("support.bo.answer")}</label>
              <textarea id="f-body" name="body" rows={4} required maxLength={10000} />
            </div>
            <button type="submit">{t("support.sendReply")}</button>
          </Form>
          <Form method="post" className="toolbar">
            <input type="hidden" name="intent" value="close" />
            <ConfirmCheckbox label={t("support.close")} errors={errors} />
            <button type="submit" className="danger">
              {t("support.close")}
            </button>
          </Form>
        </section>
      ) : (
        <Notice>{t("support.closedNotice")}</Notice>
      )}
      <section className="card" aria-labelledby="grants-title">
        <h2 id="grants-title">{t("support.bo.grants")}</h2>
        {grants.length === 0 ? (
          <p className="empty">{t("support.bo.grantsEmpty")}</p>
        ) : (
          <ul data-testid="grants">
            {grants.map((g) => (
              <li key={g.id}>
                {g.scope === "mailboxes" ? t("support.bo.scope.mailboxes") : t(`support.bo.scope.${g.scope}`, { product: g.productName ?? "" })} ·{" "}
                {t("support.bo.until", { date: format.dateTime(g.expiresAt) })} ·{" "}
                {g.usable ? <Link to={`/backoffice/support/${request.id}/access/${g.id}`}>{t("support.bo.open")}</Link> : t("support.bo.notUsable")}
              </li>
            ))}
          </ul>
        )}
      </section>
      {open && canIdentity ? (
        <section className="card" aria-labelledby="identity-title">
          <h2 id="identity-title">{t("support.bo.identity")}</h2>
          <Form method="post" className="toolbar">
            <input type="hidden" name="intent" value="identity" />
            <label htmlFor="f-reason">{t("support.bo.identityReason")}</label>
            <select id="f-reason" name="reason">
              {STAFF_REQUESTABLE_REASONS.map((r) => (
                <option key={r} value={r}>
                  {t(`identity.reason.${r}`)}
                </option>
              ))}
            </select>
            <button type="submit">{t("support.bo.identitySubmit")}</button>
          </Form>
        </section>
      ) : null}
    </>
  );
}
