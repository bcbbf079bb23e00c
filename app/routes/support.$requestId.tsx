import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { redirect } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useSearchParams } from "@remix-run/react";
import { requireUser } from "../auth/request.server";
import { getDb } from "../db.server";
import { closeAsUser, mySupportRequest, replyAsUser, replySchema, SCREENSHOT_MAX_BYTES } from "../domain/support/requests.server";
import { formAction, guard, parseForm, type FormFailure } from "../lib/http.server";
import { readMultipartForm } from "../lib/uploads.server";
import { useFormat, useT } from "../i18n/react";
import { ConfirmCheckbox, FormError, Notice } from "../components/form";
import { Conversation } from "../components/support";

export const meta: MetaFunction = () => [{ title: "Support request · Partner Portal" }];

const notices: Record<string, string> = { opened: "support.opened", replied: "support.replied" };

export async function loader({ request, context, params }: LoaderFunctionArgs) {
  const ctx = await requireUser(request, context);
  return guard(() => mySupportRequest(getDb(), ctx, params.requestId ?? ""));
}

export async function action({ request, context, params }: ActionFunctionArgs) {
  const ctx = await requireUser(request, context);
  const requestId = params.requestId ?? "";
  return formAction(async () => {
    const { fields, files } = await readMultipartForm(request, SCREENSHOT_MAX_BYTES, "support.errors.screenshotTooLarge");
    if (fields.get("intent") === "close") {
      if (fields.get("confirm") !== "yes") return redirect(`/support/${requestId}?confirm=close`);
      await closeAsUser(getDb(), ctx, requestId);
      return redirect(`/support/${requestId}`);
    }
    const { body } = parseForm(replySchema, fields);
    await replyAsUser(getDb(), ctx, requestId, body, files.get("screenshots") ?? []);
    return redirect(`/support/${requestId}?done=replied`);
  });
}

export default function SupportRequestPage() {
  const { request, messages } = useLoaderData<typeof loader>();
  const errors = useActionData<typeof action>() as FormFailure | undefined;
  const [params] = useSearchParams();
  const t = useT();
  const format = useFormat();
  const notice = notices[params.get("done") ?? ""];
  const open = request.status === "open";
  return (
    <main id="main" className="page">
      <p>
        <Link to="/support">{t("support.back")}</Link>
      </p>
      <h1>{request.subject}</h1>
      <p className="hint">
        {t(`support.status.${request.status}`)} · {format.dateTime(request.created_at)}
      </p>
      {notice ? <Notice>{t(notice)}</Notice> : null}
      {!open ? <Notice>{t("support.closedNotice")}</Notice> : null}
      <Conversation messages={messages} userLabel={t("support.you")} fileHref={(id) => `/support/${request.id}/files/${id}`} />
      {open ? (
        <>
          <section className="card" aria-labelledby="reply-title">
            <h2 id="reply-title">{t("support.reply")}</h2>
            <Form method="post" encType="multipart/form-data">
              <FormError errors={errors} />
              <div className="field">
                <label htmlFor="f-body">{t("support.body")}</label>
                <textarea id="f-body" name="body" rows={4} required maxLength={10000} />
                {errors?.fieldErrors?.body ? (
                  <p className="field-error" role="alert">
                    {t(errors.fieldErrors.body)}
                  </p>
                ) : null}
              </div>
              <div className="field">
                <label htmlFor="f-screenshots">{t("support.screenshots")}</label>
                <input id="f-screenshots" name="screenshots" type="file" accept="image/png,image/jpeg" multiple aria-describedby="f-screenshots-hint" />
                <p className="hint" id="f-screenshots-hint">
                  {t("support.screenshotsHint")}
                </p>
                {errors?.fieldErrors?.screenshots ? (
                  <p className="field-error" role="alert">
                    {t(errors.fieldErrors.screenshots)}
                  </p>
                ) : null}
              </div>
              <button type="submit">{t("support.sendReply")}</button>
            </Form>
          </section>
          {params.get("confirm") === "close" ? (
            <Form method="post" encType="multipart/form-data" className="card">
              <p>{t("support.confirmClose")}</p>
              <input type="hidden" name="intent" value="close" />
              <ConfirmCheckbox label={t("support.close")} />
              <div className="toolbar">
                <button type="submit" className="danger">
                  {t("support.close")}
                </button>
                <Link to={`/support/${request.id}`}>{t("common.cancel")}</Link>
              </div>
            </Form>
          ) : (
            <p>
              <Link to="?confirm=close">{t("support.close")}</Link>
            </p>
          )}
        </>
      ) : null}
    </main>
  );
}
