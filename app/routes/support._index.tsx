import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { redirect } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData } from "@remix-run/react";
import { requireUser } from "../auth/request.server";
import { getDb } from "../db.server";
import { mySupportRequests, openRequestSchema, openSupportRequest, SCREENSHOT_MAX_BYTES } from "../domain/support/requests.server";
import { formAction, parseForm, type FormFailure } from "../lib/http.server";
import { readMultipartForm } from "../lib/uploads.server";
import { useFormat, useT } from "../i18n/react";
import { Field, FormError } from "../components/form";
import { Pager } from "../components/pager";

export const meta: MetaFunction = () => [{ title: "Support · Partner Portal" }];

// K-4: the user's support requests and a form to open one (text and screenshots).
export async function loader({ request, context }: LoaderFunctionArgs) {
  const ctx = await requireUser(request, context);
  const url = new URL(request.url);
  return mySupportRequests(getDb(), ctx, { page: Number(url.searchParams.get("page")) || 1 });
}

export async function action({ request, context }: ActionFunctionArgs) {
  const ctx = await requireUser(request, context);
  return formAction(async () => {
    const { fields, files } = await readMultipartForm(request, SCREENSHOT_MAX_BYTES, "support.errors.screenshotTooLarge");
    const input = parseForm(openRequestSchema, fields);
    const { requestId } = await openSupportRequest(getDb(), ctx, input, files.get("screenshots") ?? []);
    return redirect(`/support/${requestId}?done=opened`);
  });
}

export default function SupportRequests() {
  const data = useLoaderData<typeof loader>();
  const errors = useActionData<typeof action>() as FormFailure | undefined;
  const t = useT();
  const format = useFormat();
  const shotError = errors?.fieldErrors?.screenshots;
  return (
    <main id="main" className="page">
      <h1>{t("support.title")}</h1>
      <p className="hint">{t("support.intro")}</p>
      <p>
        <Link to="/support/access">{t("support.access.title")}</Link>
      </p>
      <section className="card" aria-labelledby="new-title">
        <h2 id="new-title">{t("support.new")}</h2>
        <Form method="post" encType="multipart/form-data">
          <FormError errors={errors} />
          <Field name="subject" label={t("support.subject")} errors={errors} required maxLength={200} />
          <div className="field">
            <label htmlFor="f-body">{t("support.body")}</label>
            <textarea id="f-body" name="body" rows={6} required maxLength={10000} aria-invalid={errors?.fieldErrors?.body ? true : undefined} />
            {errors?.fieldErrors?.body ? (
              <p className="field-error" role="alert">
                {t(errors.fieldErrors.body)}
              </p>
            ) : null}
          </div>
          <div className="field">
            <label htmlFor="f-screenshots">{t("support.screenshots")}</label>
            <input id="f-screenshots" name="screenshots" type="file" accept="image/png,image/jpeg" multiple aria-describedby="f-screenshots-hint" aria-invalid={shotError ? true : undefined} />
            <p className="hint" id="f-screenshots-hint">
              {t("support.screenshotsHint")}
            </p>
            {shotError ? (
              <p className="field-error" role="alert">
                {t(shotError)}
              </p>
            ) : null}
          </div>
          <button type="submit">{t("support.submit")}</button>
        </Form>
      </section>
      <h2>{t("support.list")}</h2>
      {data.requests.length === 0 ? (
        <p className="empty">{t("support.empty")}</p>
      ) : (
        <table data-testid="support-requests">
          <thead>
            <tr>
              <th scope="col">{t("support.col.subject")}</th>
              <th scope="col">{t("support.col.opened")}</th>
              <th scope="col">{t("support.col.status")}</th>
            </tr>
          </thead>
          <tbody>
            {data.requests.map((r) => (
              <tr key={r.id}>
                <td>
                  <Link to={`/support/${r.id}`}>{r.subject}</Link>
                </td>
                <td>{format.dateTime(r.created_at)}</td>
                <td>{t(`support.status.${r.status}`)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <Pager page={data.page} pages={data.pages} />
    </main>
  );
}
