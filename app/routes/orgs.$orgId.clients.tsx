import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { redirect } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useSearchParams } from "@remix-run/react";
import { requireOrg } from "../auth/request.server";
import { getDb } from "../db.server";
import { delegationRequestSchema, endDelegation, endSchema, linkIdSchema, partnerClients, requestDelegation, requestExtension } from "../domain/clients/delegations.server";
import { formAction, guard, parseForm, type FormFailure } from "../lib/http.server";
import { useFormat, useT } from "../i18n/react";
import { Field, FormError, Notice, SelectField } from "../components/form";
import { createClientOrganization, creationSchema, pendingCreations, revokeCreation } from "../domain/clients/creations.server";
import { countryOptions } from "../domain/orgs/countries";
import { z } from "zod";
import { Pager } from "../components/pager";

// C-1, C-3, C-4, C-7: the partner's clients: ask for access, enter a client's organization,
// ask for an extension, end the relationship.
export async function loader({ request, context, params }: LoaderFunctionArgs) {
  const ctx = await requireOrg(request, context, params.orgId);
  const page = Number(new URL(request.url).searchParams.get("page") ?? 1);
  const data = await guard(() => partnerClients(getDb(), ctx, ctx.orgId, { page }));
  // C-1: the clients the partner asked the portal to create, waiting for their representative.
  const creations = data.canRequest ? await guard(() => pendingCreations(getDb(), ctx, ctx.orgId)) : [];
  return { ...data, orgId: ctx.orgId, creations, countries: data.canRequest ? countryOptions(ctx.locale) : [], locale: ctx.locale };
}

export async function action({ request, context, params }: ActionFunctionArgs) {
  const ctx = await requireOrg(request, context, params.orgId);
  const form = await request.formData();
  const intent = String(form.get("intent") ?? "");
  return formAction(async () => {
    const db = getDb();
    if (intent === "request") {
      // The form offers "full", "full with billing" and "limited" in one select.
      const choice = String(form.get("access") ?? "");
      const input = parseForm(delegationRequestSchema, {
        clientOrgId: form.get("clientOrgId"),
        access: choice === "fullBilling" ? "full" : choice,
        billing: choice === "fullBilling" ? "yes" : undefined,
      });
      await requestDelegation(db, ctx, ctx.orgId, input);
    } else if (intent === "create") {
      // C-1: a new organization for the client, owned by its legal representative once they accept.
      const input = parseForm(creationSchema, {
        ...Object.fromEntries(["orgName", "country", "currency", "locale", "repName", "email"].map((k) => [k, form.get(k) ?? undefined])),
        access: form.get("creationAccess") ?? undefined,
      });
      await createClientOrganization(db, ctx, ctx.orgId, input);
    } else if (intent === "revokeCreation") {
      await revokeCreation(db, ctx, ctx.orgId, parseForm(z.object({ creationId: z.string() }), { creationId: form.get("creationId") ?? "" }).creationId);
    } else if (intent === "extension") await requestExtension(db, ctx, ctx.orgId, parseForm(linkIdSchema, form).linkId);
    else if (intent === "end") await endDelegation(db, ctx, ctx.orgId, parseForm(endSchema, form));
    else throw new Response("Bad Request", { status: 400 });
    return redirect(`/orgs/${ctx.orgId}/clients?done=${intent}`);
  });
}

export default function Clients() {
  const d = useLoaderData<typeof loader>();
  const errors = useActionData<typeof action>() as FormFailure | undefined;
  const [params] = useSearchParams();
  const t = useT();
  const format = useFormat();
  const done = params.get("done");
  return (
    <>
      <h1>{t("clients.title")}</h1>
      <p className="hint">{t("clients.intro")}</p>
      {done ? <Notice>{t(`clients.done.${done}`)}</Notice> : null}
      <FormError errors={errors} />
      {d.admin ? (
        <p>
          <Link to={`/orgs/${d.orgId}/clients/staff`}>{t("clients.staff.link")}</Link>
        </p>
      ) : null}
      {d.links.length === 0 ? (
        <p className="empty" data-testid="clients-empty">
          {t(d.admin ? "clients.empty" : "clients.emptyNoRights")}
        </p>
      ) : (
        <table data-testid="clients">
          <thead>
            <tr>
              <th scope="col">{t("clients.client")}</th>
              <th scope="col">{t("clients.state")}</th>
              <th scope="col">{t("clients.accessCol")}</th>
              <th scope="col">{t("common.actions")}</th>
            </tr>
          </thead>
          <tbody>
            {d.links.map((l) => (
              <tr key={l.id} data-testid={`client-${l.clientName}`}>
                <td>{l.canEnter ? <Link to={`/orgs/${l.clientOrgId}/products`}>{l.clientName}</Link> : l.clientName}</td>
                <td>{t(`clients.states.${l.state}`)}</td>
                <td>
                  {t(`clients.access.${l.access}${l.billing ? "Billing" : ""}`)}
                  {l.endsAt ? ` — ${t("clients.delegations.until", { date: format.date(l.endsAt) })}` : null}
                </td>
                <td>
                  {d.canRequest && l.state === "active" && l.endsAt && !l.extensionRequestedAt ? (
                    <Form method="post">
                      <input type="hidden" name="intent" value="extension" />
                      <input type="hidden" name="linkId" value={l.id} />
                      <button type="submit" className="secondary">
                        {t("clients.extension")}
                      </button>
                    </Form>
                  ) : null}
                  {d.canRequest ? (
                    <details>
                      <summary>{t(l.state === "requested" ? "clients.end.withdrawRequest" : "clients.end.button")}</summary>
                      <Form method="post">
                        <input type="hidden" name="intent" value="end" />
                        <input type="hidden" name="linkId" value={l.id} />
                        <p>{t("clients.end.explain", { other: l.clientName })}</p>
                        <div className="field">
                          <label htmlFor={`end-pw-${l.id}`}>{t("clients.end.password")}</label>
                          <input id={`end-pw-${l.id}`} type="password" name="password" autoComplete="current-password" required />
                        </div>
                        <button type="submit" className="danger">
                          {t("clients.end.button")}
                        </button>
                      </Form>
                    </details>
                  ) : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <Pager page={d.page} pages={d.pages} keepQuery={false} label={t("common.page", { page: d.page, pages: d.pages })} />
      {d.canRequest ? (
        <section aria-labelledby="pending-creations">
          <h2 id="pending-creations">{t("clients.creation.pendingTitle")}</h2>
          {d.creations.length === 0 ? (
            <p className="empty">{t("clients.creation.pendingEmpty")}</p>
          ) : (
            <table data-testid="client-creations">
              <thead>
                <tr>
                  <th scope="col">{t("clients.client")}</th>
                  <th scope="col">{t("clients.creation.email")}</th>
                  <th scope="col">{t("clients.accessCol")}</th>
                  <th scope="col">{t("clients.creation.expiresAt")}</th>
                  <th scope="col">{t("common.actions")}</th>
                </tr>
              </thead>
              <tbody>
                {d.creations.map((c) => (
                  <tr key={c.id} data-testid={`creation-${c.orgName}`}>
                    <td>{c.orgName}</td>
                    <td>
                      {c.repName} &lt;{c.email}&gt;
                    </td>
                    <td>{t(c.billing ? "clients.access.fullBilling" : "clients.access.full")}</td>
                    <td>
                      {format.date(c.expiresAt)}
                      {c.expired ? ` (${t("clients.creation.expiredMark")})` : null}
                    </td>
                    <td>
                      <details>
                        <summary>{t("clients.creation.revoke")}</summary>
                        <Form method="post">
                          <input type="hidden" name="intent" value="revokeCreation" />
                          <input type="hidden" name="creationId" value={c.id} />
                          <p>{t("clients.creation.revokeConfirm", { org: c.orgName })}</p>
                          <button type="submit" className="danger">
                            {t("clients.creation.revoke")}
                          </button>
                        </Form>
                      </details>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </section>
      ) : null}
      {d.canRequest ? (
        <section className="card" aria-labelledby="create-client">
          <h2 id="create-client">{t("clients.creation.title")}</h2>
          <p className="hint">{t("clients.creation.intro")}</p>
          <Form method="post" noValidate>
            <input type="hidden" name="intent" value="create" />
            <Field name="orgName" label={t("clients.creation.orgName")} required errors={errors} autoComplete="off" />
            <SelectField name="country" label={t("clients.creation.country")} defaultValue="CH" errors={errors}>
              {d.countries.map((c) => (
                <option key={c.code} value={c.code}>
                  {c.name}
                </option>
              ))}
            </SelectField>
            <SelectField name="currency" label={t("clients.creation.currency")} defaultValue="CHF" errors={errors}>
              <option value="CHF">CHF</option>
              <option value="EUR">EUR</option>
            </SelectField>
            <SelectField name="locale" label={t("clients.creation.locale")} defaultValue={d.locale} errors={errors}>
              <option value="de">Deutsch</option>
              <option value="fr">Français</option>
              <option value="en">English</option>
            </SelectField>
            <Field name="repName" label={t("clients.creation.repName")} required errors={errors} autoComplete="off" />
            <Field name="email" type="email" label={t("clients.creation.email")} required errors={errors} autoComplete="off" />
            <SelectField name="creationAccess" label={t("clients.creation.access")} defaultValue="full" errors={errors}>
              <option value="full">{t("clients.access.full")}</option>
              <option value="fullBilling">{t("clients.access.fullBilling")}</option>
            </SelectField>
            <p className="hint">{t("clients.creation.accessHint")}</p>
            <button type="submit">{t("clients.creation.button")}</button>
          </Form>
        </section>
      ) : null}
      {d.canRequest ? (
        <section className="card" aria-labelledby="ask">
          <h2 id="ask">{t("clients.request.title")}</h2>
          <p className="hint">{t("clients.request.intro")}</p>
          <Form method="post">
            <input type="hidden" name="intent" value="request" />
            <div className="field">
              <label htmlFor="f-clientOrgId">{t("clients.request.orgId")}</label>
              <input id="f-clientOrgId" name="clientOrgId" required aria-invalid={errors?.fieldErrors?.clientOrgId ? true : undefined} aria-describedby={errors?.fieldErrors?.clientOrgId ? "f-clientOrgId-error" : undefined} />
              {errors?.fieldErrors?.clientOrgId ? (
                <p className="field-error" id="f-clientOrgId-error" role="alert">
                  {t(errors.fieldErrors.clientOrgId)}
                </p>
              ) : null}
            </div>
            <div className="field">
              <label htmlFor="f-access">{t("clients.grant.access")}</label>
              <select id="f-access" name="access" defaultValue="full">
                <option value="full">{t("clients.access.full")}</option>
                <option value="fullBilling">{t("clients.access.fullBilling")}</option>
                <option value="limited">{t("clients.access.limited")}</option>
              </select>
            </div>
            <button type="submit">{t("clients.request.button")}</button>
          </Form>
        </section>
      ) : null}
    </>
  );
}
