import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { redirect } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useLocation, useRevalidator, useSearchParams } from "@remix-run/react";
import { useEffect } from "react";
import { requireOrg } from "../auth/request.server";
import { Field, FormError, Notice, SelectField } from "../components/form";
import { Pager } from "../components/pager";
import { getDb } from "../db.server";
import { clientExportsPage, exportRequestSchema, requestClientExport } from "../domain/clients/exports.server";
import { formAction, guard, parseForm, type FormFailure } from "../lib/http.server";
import { useFormat, useT } from "../i18n/react";

// C-6: the partner's exports of its clients' billing data (legal representative and
// administrators of a partner: every client; partner users with staff rights: their clients
// that give billing access, and their own exports; restricted members 403, other organizations 404).
export async function loader({ request, context, params }: LoaderFunctionArgs) {
  const ctx = await requireOrg(request, context, params.orgId);
  const page = Number(new URL(request.url).searchParams.get("page") ?? "1");
  const data = await guard(() => clientExportsPage(getDb(), ctx, ctx.orgId, { page }));
  return { ...data, orgId: ctx.orgId };
}

export async function action({ request, context, params }: ActionFunctionArgs) {
  const ctx = await requireOrg(request, context, params.orgId);
  const form = await request.formData();
  return formAction(async () => {
    await requestClientExport(getDb(), ctx, ctx.orgId, parseForm(exportRequestSchema, form), ctx.locale);
    return redirect(`/orgs/${ctx.orgId}/partner/exports?requested=1`);
  });
}

/** While an export is waiting or running: a reload every few seconds (without JavaScript, the
 *  noscript refresh below does it). */
function usePolling(active: boolean) {
  const revalidator = useRevalidator();
  useEffect(() => {
    if (!active) return;
    const timer = setInterval(() => {
      if (revalidator.state === "idle") revalidator.revalidate();
    }, 2000);
    return () => clearInterval(timer);
  }, [active, revalidator]);
}

function fileSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

export default function ClientExports() {
  const d = useLoaderData<typeof loader>();
  const errors = useActionData<typeof action>() as FormFailure | undefined;
  const [params] = useSearchParams();
  const location = useLocation();
  const t = useT();
  const format = useFormat();
  usePolling(d.pending);
  const base = `/orgs/${d.orgId}/partner/exports`;
  return (
    <>
      {d.pending ? (
        <noscript>
          <meta httpEquiv="refresh" content="3" />
        </noscript>
      ) : null}
      <h1>{t("clientExports.title")}</h1>
      <p className="hint">{t("clientExports.intro")}</p>
      <p className="hint">{t("clientExports.columnsNote")}</p>
      {params.get("requested") ? <Notice>{t("clientExports.queued")}</Notice> : null}

      <section className="card" aria-labelledby="new-export">
        <h2 id="new-export">{t("clientExports.request")}</h2>
        <Form method="post" noValidate>
          <FormError errors={errors} />
          <Field name="periodFrom" type="date" label={t("clientExports.periodFrom")} errors={errors} />
          <Field name="periodTo" type="date" label={t("clientExports.periodTo")} errors={errors} />
          <SelectField name="clientOrgId" label={t("clientExports.client")} errors={errors} defaultValue="">
            <option value="">{t("clientExports.allClients")}</option>
            {d.clients.map((c) => (
              <option key={c.id} value={c.id}>
                {c.name}
              </option>
            ))}
          </SelectField>
          <fieldset aria-describedby={errors?.fieldErrors?.format ? "f-format-error" : undefined}>
            <legend>{t("clientExports.format")}</legend>
            {(["xlsx", "csv"] as const).map((f) => (
              <label key={f}>
                <input type="radio" name="format" value={f} defaultChecked={f === "xlsx"} /> {t(`clientExports.format.${f}`)}
              </label>
            ))}
            {errors?.fieldErrors?.format ? (
              <p className="field-error" id="f-format-error" role="alert">
                {t(errors.fieldErrors.format)}
              </p>
            ) : null}
          </fieldset>
          <button type="submit">{t("clientExports.submit")}</button>
        </Form>
      </section>

      <section className="card" aria-labelledby="exports">
        <h2 id="exports">{t("clientExports.list")}</h2>
        {d.exports.length === 0 ? (
          <p className="empty">{t("clientExports.none")}</p>
        ) : (
          <table data-testid="exports">
            <thead>
              <tr>
                <th scope="col">{t("clientExports.requested")}</th>
                <th scope="col">{t("clientExports.filters")}</th>
                <th scope="col">{t("clientExports.status")}</th>
                <th scope="col">{t("clientExports.file")}</th>
              </tr>
            </thead>
            <tbody>
              {d.exports.map((e) => (
                <tr key={e.id} data-testid={`export-${e.id}`}>
                  <td>{format.dateTime(e.created_at)}</td>
                  <td>
                    {e.period_from || e.period_to
                      ? t("clientExports.periodRange", {
                          from: e.period_from ? format.date(e.period_from) : t("clientExports.openStart"),
                          to: e.period_to ? format.date(e.period_to) : t("clientExports.openEnd"),
                        })
                      : t("clientExports.allPeriods")}
                    {" · "}
                    {e.client_name ?? t("clientExports.allClients")}
                  </td>
                  <td>
                    {t(`clientExports.status.${e.status}`)}
                    {e.status === "queued" || e.status === "running" ? (
                      <div aria-live="polite">
                        <progress value={e.progress} max={100} aria-label={t(`clientExports.status.${e.status}`)}>
                          {e.progress} %
                        </progress>{" "}
                        {t("clientExports.progress", { percent: e.progress, rows: e.rows_written })}
                      </div>
                    ) : null}
                    {e.status === "failed" ? <p className="hint">{t("clientExports.failedHint")}</p> : null}
                  </td>
                  <td>
                    {e.status === "done" ? (
                      <>
                        <a href={`${base}/${e.id}.${e.format}`} download>
                          {t("clientExports.download", { format: e.format.toUpperCase(), size: fileSize(Number(e.file_size ?? 0)) })}
                        </a>
                        {e.expires_at ? <p className="hint">{t("clientExports.availableUntil", { date: format.dateTime(e.expires_at) })}</p> : null}
                      </>
                    ) : null}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        {d.pending ? (
          <p>
            <Link to={`${location.pathname}${location.search}`} reloadDocument>
              {t("clientExports.refresh")}
            </Link>
          </p>
        ) : null}
        <Pager page={d.page} pages={d.pages} label={t("clientExports.pages")} />
      </section>
    </>
  );
}
