import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { redirect } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData } from "@remix-run/react";
import { z } from "zod";
import { requireUser } from "../auth/request.server";
import { ConfirmForm, Field, FormError, Notice, SelectField } from "../components/form";
import { Pager } from "../components/pager";
import { getDb } from "../db.server";
import { createApiToken, createTokenSchema, EXPIRY_CHOICES, listApiTokens, revokeApiToken } from "../domain/api/tokens.server";
import { organizationsOf } from "../domain/orgs/queries.server";
import { withActor } from "../domain/tx.server";
import { useFormat, useT } from "../i18n/react";
import { formAction, parseForm, type FormFailure } from "../lib/http.server";

// the signed-in user's API tokens: create (shown once), list, revoke.
export const meta: MetaFunction = () => [{ title: "API tokens · Partner Portal" }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  const ctx = await requireUser(request, context);
  const url = new URL(request.url);
  return {
    list: await listApiTokens(getDb(), ctx.actor, { page: Number(url.searchParams.get("page")) || 1 }),
    organizations: organizationsOf(ctx.actor),
    revoked: url.searchParams.get("done") === "revoked",
  };
}

const revokeSchema = z.object({ tokenId: z.string(), confirm: z.literal("yes").optional() });

export async function action({ request, context }: ActionFunctionArgs) {
  const ctx = await requireUser(request, context);
  const form = await request.formData();
  return formAction(async () => {
    if (form.get("intent") === "create") {
      const input = parseForm(createTokenSchema, form);
      const { token } = await createApiToken(getDb(), ctx.actor, input);
      // Not a redirect: the token exists only in this one answer.
      return { ok: true as const, created: { name: input.name, token } };
    }
    const input = parseForm(revokeSchema, form);
    if (input.confirm !== "yes") {
      const list = await listApiTokens(getDb(), ctx.actor, { page: Number(form.get("page")) || 1 });
      const token = list.tokens.find((t) => t.id === input.tokenId && t.status === "active");
      if (token) return { ok: true as const, confirmRevoke: { id: token.id, name: token.name } };
    }
    await revokeApiToken(getDb(), ctx.actor, input.tokenId);
    return redirect("/account/api-tokens?done=revoked");
  });
}

type ActionData = FormFailure | { ok: true; created: { name: string; token: string } } | { ok: true; confirmRevoke: { id: string; name: string } };

export default function ApiTokens() {
  const { list, organizations, revoked } = useLoaderData<typeof loader>();
  const result = useActionData() as ActionData | undefined;
  const errors = result && !result.ok ? result : undefined;
  const t = useT();
  const format = useFormat();
  return (
    <main id="main" className="page">
      <p>
        <Link to="/account">← {t("account.title")}</Link>
      </p>
      <h1>{t("apiTokens.title")}</h1>
      <p className="hint">{t("apiTokens.intro")}</p>
      <p className="hint">
        {t("apiTokens.docs")} <a href="/api/1/openapi.json">/api/1/openapi.json</a>
      </p>
      {revoked ? <Notice>{t("apiTokens.revoked")}</Notice> : null}

      {result?.ok && "created" in result ? (
        <section className="card" aria-labelledby="created-title" data-testid="new-token">
          <h2 id="created-title">{t("apiTokens.createdTitle")}</h2>
          <p>{result.created.name}</p>
          <p>
            <output>
              <code>{result.created.token}</code>
            </output>
          </p>
          <p className="hint">{t("apiTokens.createdHint")}</p>
        </section>
      ) : null}

      {result?.ok && "confirmRevoke" in result ? (
        <section className="card" aria-labelledby="revoke-title">
          <h2 id="revoke-title">{t("apiTokens.revoke")}</h2>
          <p>{t("apiTokens.confirmRevoke", { name: result.confirmRevoke.name })}</p>
          <ConfirmForm intent="revoke" button={t("apiTokens.revoke")} cancelTo="/account/api-tokens">
            <input type="hidden" name="tokenId" value={result.confirmRevoke.id} />
          </ConfirmForm>
        </section>
      ) : null}

      <section className="card" aria-labelledby="create-title">
        <h2 id="create-title">{t("apiTokens.createTitle")}</h2>
        <Form method="post" noValidate>
          <FormError errors={errors} />
          <input type="hidden" name="intent" value="create" />
          <Field name="name" label={t("apiTokens.name")} hint={t("apiTokens.nameHint")} maxLength={100} required errors={errors} />
          <SelectField name="access" label={t("apiTokens.access")} defaultValue="read" errors={errors}>
            <option value="read">{t("apiTokens.access.read")}</option>
            <option value="write">{t("apiTokens.access.write")}</option>
          </SelectField>
          <SelectField name="orgId" label={t("apiTokens.organization")} defaultValue="" errors={errors}>
            <option value="">{t("apiTokens.allOrganizations")}</option>
            {organizations.map((o) => (
              <option key={o.id} value={o.id}>
                {o.name}
              </option>
            ))}
          </SelectField>
          <SelectField name="expiry" label={t("apiTokens.expiry")} defaultValue="90" errors={errors}>
            {EXPIRY_CHOICES.map((e) => (
              <option key={e} value={e}>
                {t(`apiTokens.expiry.${e}`)}
              </option>
            ))}
          </SelectField>
          <button type="submit">{t("apiTokens.create")}</button>
        </Form>
      </section>

      <section className="card" aria-labelledby="list-title">
        <h2 id="list-title">{t("apiTokens.listTitle")}</h2>
        {list.tokens.length === 0 ? (
          <p className="empty">{t("apiTokens.empty")}</p>
        ) : (
          <table data-testid="api-tokens">
            <thead>
              <tr>
                <th scope="col">{t("apiTokens.name")}</th>
                <th scope="col">{t("apiTokens.prefix")}</th>
                <th scope="col">{t("apiTokens.access")}</th>
                <th scope="col">{t("apiTokens.organization")}</th>
                <th scope="col">{t("apiTokens.created")}</th>
                <th scope="col">{t("apiTokens.expiry")}</th>
                <th scope="col">{t("apiTokens.lastUsed")}</th>
                <th scope="col">{t("apiTokens.status")}</th>
                <th scope="col">{t("apiTokens.revoke")}</th>
              </tr>
            </thead>
            <tbody>
              {list.tokens.map((tk) => (
                <tr key={tk.id} data-testid={`token-${tk.name}`}>
                  <td>{tk.name}</td>
                  <td>
                    <code>{`${tk.prefix}…`}</code>
                  </td>
                  <td>{t(`apiTokens.access.${tk.access}`)}</td>
                  <td>{tk.orgName ?? t("apiTokens.allOrganizations")}</td>
                  <td>{format.dateTime(tk.createdAt)}</td>
                  <td>{tk.expiresAt ? format.dateTime(tk.expiresAt) : t("apiTokens.never")}</td>
                  <td>{tk.lastUsedAt ? format.dateTime(tk.lastUsedAt) : t("apiTokens.never")}</td>
                  <td>{t(`apiTokens.status.${tk.status}`)}</td>
                  <td>
                    {tk.status === "active" ? (
                      <Form method="post">
                        <input type="hidden" name="intent" value="revoke" />
                        <input type="hidden" name="tokenId" value={tk.id} />
                        <input type="hidden" name="page" value={list.page} />
                        <button type="submit" className="secondary">
                          {t("apiTokens.revoke")}
                        </button>
                      </Form>
                    ) : null}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        <Pager page={list.page} pages={list.pages} keepQuery={false} label={t("apiTokens.listTitle")} />
      </section>
    </main>
  );
}
