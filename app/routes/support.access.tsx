import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { redirect } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useSearchParams } from "@remix-run/react";
import { requireUser } from "../auth/request.server";
import { getDb } from "../db.server";
import { grantSchema, grantSupportAccess, revokeSchema, revokeSupportAccess, supportAccessOverview } from "../domain/support/access.server";
import { MAX_GRANT_DAYS } from "../domain/support/limits";
import { Invalid } from "../domain/errors";
import { formAction, parseForm, type FormFailure } from "../lib/http.server";
import { useFormat, useT } from "../i18n/react";
import { FormError, Notice } from "../components/form";
import { Pager } from "../components/pager";

export const meta: MetaFunction = () => [{ title: "Support access · Partner Portal" }];

// S-1/S-2/K-4: the user's separate support access switches and the log of their uses.
export async function loader({ request, context }: LoaderFunctionArgs) {
  const ctx = await requireUser(request, context);
  const url = new URL(request.url);
  return supportAccessOverview(getDb(), ctx, { page: Number(url.searchParams.get("page")) || 1 });
}

export async function action({ request, context }: ActionFunctionArgs) {
  const ctx = await requireUser(request, context);
  const form = await request.formData();
  return formAction(async () => {
    switch (form.get("intent")) {
      case "grant":
        await grantSupportAccess(getDb(), ctx, parseForm(grantSchema, form));
        return redirect("/support/access?done=granted");
      case "revoke":
        await revokeSupportAccess(getDb(), ctx, parseForm(revokeSchema, form).grantId);
        return redirect("/support/access?done=revoked");
      default:
        throw new Invalid({ _form: "errors.invalid" });
    }
  });
}

export default function SupportAccess() {
  const data = useLoaderData<typeof loader>();
  const errors = useActionData<typeof action>() as FormFailure | undefined;
  const [params] = useSearchParams();
  const t = useT();
  const format = useFormat();
  const done = params.get("done");
  const days = Array.from({ length: MAX_GRANT_DAYS }, (_, i) => i + 1);
  const label = (s: (typeof data.switches)[number]) =>
    s.scope === "mailboxes" ? t("support.access.mailboxes") : t(`support.access.${s.scope}`, { product: s.productName ?? "", org: s.orgName ?? "" });
  return (
    <main id="main" className="page">
      <p>
        <Link to="/support">{t("support.back")}</Link>
      </p>
      <h1>{t("support.access.title")}</h1>
      <p className="hint">{t("support.access.intro")}</p>
      {done === "granted" || done === "revoked" ? <Notice>{t(`support.access.${done}`)}</Notice> : null}
      <FormError errors={errors} />
      {errors?.fieldErrors?.days ? <FormError errors={{ formError: errors.fieldErrors.days }} /> : null}
      <ul className="switches" data-testid="support-switches">
        {data.switches.map((s) => {
          const key = `${s.scope}-${s.productId ?? "all"}`;
          return (
            <li key={key} className="card" data-testid={`switch-${key}`}>
              <h2>{label(s)}</h2>
              {s.grant ? (
                <Form method="post" className="toolbar">
                  <span className="badge">{t("support.access.onUntil", { date: format.dateTime(s.grant.expires_at) })}</span>
                  <input type="hidden" name="intent" value="revoke" />
                  <input type="hidden" name="grantId" value={s.grant.id} />
                  <button type="submit" className="danger">
                    {t("support.access.revoke")}
                  </button>
                </Form>
              ) : (
                <Form method="post" className="toolbar">
                  <span className="badge">{t("support.access.off")}</span>
                  <input type="hidden" name="intent" value="grant" />
                  <input type="hidden" name="scope" value={s.scope} />
                  {s.productId ? <input type="hidden" name="productId" value={s.productId} /> : null}
                  <label htmlFor={`days-${key}`}>{t("support.access.days")}</label>
                  <select id={`days-${key}`} name="days" defaultValue={String(MAX_GRANT_DAYS)}>
                    {days.map((d) => (
                      <option key={d} value={d}>
                        {t("support.access.daysOption", { days: d })}
                      </option>
                    ))}
                  </select>
                  <button type="submit">{t("support.access.grant")}</button>
                </Form>
              )}
            </li>
          );
        })}
      </ul>
      <h2>{t("support.access.uses")}</h2>
      {data.uses.length === 0 ? (
        <p className="empty">{t("support.access.usesEmpty")}</p>
      ) : (
        <table data-testid="support-uses">
          <thead>
            <tr>
              <th scope="col">{t("support.access.col.when")}</th>
              <th scope="col">{t("support.access.col.who")}</th>
              <th scope="col">{t("support.access.col.what")}</th>
            </tr>
          </thead>
          <tbody>
            {data.uses.map((u) => (
              <tr key={u.id}>
                <td>{format.dateTime(u.used_at)}</td>
                <td>{u.staff_name}</td>
                <td>{u.scope === "mailboxes" ? t("support.bo.scope.mailboxes") : t(`support.bo.scope.${u.scope}`, { product: u.product_name ?? "" })}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <Pager page={data.page} pages={data.pages} />
    </main>
  );
}
