import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { redirect } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useSearchParams } from "@remix-run/react";
import { z } from "zod";
import { requireOrg } from "../auth/request.server";
import { ConfirmForm, FormError, Notice } from "../components/form";
import { Pager } from "../components/pager";
import { getDb } from "../db.server";
import { pendingInvitation, resendInvitation, revokeInvitation } from "../domain/orgs/invitations.server";
import { membersOverview, previewMemberRemoval, removeMembers } from "../domain/orgs/members.server";
import { withActor } from "../domain/tx.server";
import { useFormat, useT } from "../i18n/react";
import { formAction, guard, parseForm, type FormFailure } from "../lib/http.server";

export const meta: MetaFunction = () => [{ title: "Users · Partner Portal" }];

export async function loader({ request, context, params }: LoaderFunctionArgs) {
  const ctx = await requireOrg(request, context, params.orgId);
  const url = new URL(request.url);
  const data = await guard(() =>
    withActor(getDb(), ctx.actor, (trx) =>
      membersOverview(trx, ctx.ability, ctx.orgId, {
        q: url.searchParams.get("q") ?? "",
        page: Number(url.searchParams.get("page") ?? 1),
        invitationsPage: Number(url.searchParams.get("invitations") ?? 1),
      }),
    ),
  );
  return { ...data, orgId: ctx.orgId };
}

const schema = z.discriminatedUnion("intent", [
  z.object({
    intent: z.literal("remove"),
    userIds: z.array(z.string()).default([]),
    confirm: z.literal("yes").optional(),
  }),
  z.object({ intent: z.literal("resend"), invitationId: z.string() }),
  z.object({ intent: z.literal("revoke"), invitationId: z.string(), confirm: z.literal("yes").optional() }),
]);

export async function action({ request, context, params }: ActionFunctionArgs) {
  const ctx = await requireOrg(request, context, params.orgId);
  const form = await request.formData();
  return formAction(async () => {
    const input = parseForm(schema, form);
    const db = getDb();
    const back = `/orgs/${ctx.orgId}/members`;
    if (input.intent === "remove") {
      // O-4: the first post shows who would be removed; only the confirmed one removes.
      if (input.confirm !== "yes") {
        const users = await withActor(db, ctx.actor, (trx) => previewMemberRemoval(trx, ctx, ctx.orgId, input.userIds));
        return { ok: true as const, confirmRemoval: users };
      }
      const count = await withActor(db, ctx.actor, (trx) => removeMembers(trx, ctx, ctx.orgId, input.userIds));
      return redirect(`${back}?removed=${count}`);
    }
    if (input.intent === "resend") {
      await withActor(db, ctx.actor, (trx) => resendInvitation(trx, ctx, ctx.orgId, input.invitationId, ctx.locale));
      return redirect(`${back}?resent=1`);
    }
    if (input.confirm !== "yes") {
      const invitation = await withActor(db, ctx.actor, (trx) => pendingInvitation(trx, ctx.ability, ctx.orgId, input.invitationId));
      return { ok: true as const, confirmRevoke: { id: invitation.id, email: invitation.email } };
    }
    await withActor(db, ctx.actor, (trx) => revokeInvitation(trx, ctx, ctx.orgId, input.invitationId));
    return redirect(`${back}?revoked=1`);
  });
}

// Single fetch keeps the loader's types (dates stay dates); spelled out for the type-checker.
type LoaderData = Awaited<ReturnType<typeof loader>>;
type ActionData =
  | FormFailure
  | { ok: true; confirmRemoval: Awaited<ReturnType<typeof previewMemberRemoval>> }
  | { ok: true; confirmRevoke: { id: string; email: string } };

export default function Members() {
  const data = useLoaderData() as LoaderData;
  const result = useActionData() as ActionData | undefined;
  const [params] = useSearchParams();
  const t = useT();
  const format = useFormat();
  const base = `/orgs/${data.orgId}/members`;

  if (result && "confirmRemoval" in result) {
    const users = result.confirmRemoval;
    return (
      <section aria-labelledby="confirm-title">
        <h1 id="confirm-title">{t("members.confirmRemoveTitle")}</h1>
        <p>{t("members.confirmRemoveText")}</p>
        <ul>
          {users.map((u) => (
            <li key={u.userId}>
              {u.name} ({u.email})
            </li>
          ))}
        </ul>
        <ConfirmForm intent="remove" button={t("members.confirmRemoveButton", { count: users.length })} cancelTo={base}>
          {users.map((u) => (
            <input key={u.userId} type="hidden" name="userIds[]" value={u.userId} />
          ))}
        </ConfirmForm>
      </section>
    );
  }

  if (result && "confirmRevoke" in result) {
    const invitation = result.confirmRevoke;
    return (
      <section aria-labelledby="confirm-title">
        <h1 id="confirm-title">{t("members.confirmRevokeTitle", { email: invitation.email })}</h1>
        <p>{t("members.confirmRevokeText")}</p>
        <ConfirmForm intent="revoke" button={t("members.confirmRevokeButton")} cancelTo={base}>
          <input type="hidden" name="invitationId" value={invitation.id} />
        </ConfirmForm>
      </section>
    );
  }

  const failure = result && !result.ok ? result : null;

  return (
    <>
      <h1>{t("members.title")}</h1>
      {params.get("removed") ? <Notice>{t("members.removed", { count: params.get("removed")! })}</Notice> : null}
      {params.get("invited") ? <Notice>{t("members.invited")}</Notice> : null}
      {params.get("resent") ? <Notice>{t("members.resent")}</Notice> : null}
      {params.get("revoked") ? <Notice>{t("members.revoked")}</Notice> : null}
      {params.get("updated") ? <Notice>{t("members.updated")}</Notice> : null}
      <FormError errors={failure} />

      <div className="toolbar">
        <Form method="get" role="search" className="inline-form">
          <label htmlFor="members-q">{t("members.searchLabel")}</label>
          <input id="members-q" type="search" name="q" defaultValue={data.q} maxLength={200} />
          <button type="submit" className="secondary">
            {t("common.search")}
          </button>
        </Form>
        {data.canInvite ? (
          <Link to={`${base}/invite`} className="button">
            {t("members.invite")}
          </Link>
        ) : null}
      </div>

      <p className="hint">{t("members.count", { count: data.total })}</p>
      {data.members.length === 0 ? (
        <p className="empty">{data.q ? t("members.noMatch", { q: data.q }) : t("members.empty")}</p>
      ) : (
        <Form method="post">
          <input type="hidden" name="intent" value="remove" />
          <table>
            <thead>
              <tr>
                {data.canManage ? (
                  <th scope="col">{t("members.selectColumn")}</th>
                ) : null}
                <th scope="col">{t("members.name")}</th>
                <th scope="col">{t("members.email")}</th>
                <th scope="col">{t("members.role")}</th>
                <th scope="col">{t("members.teams")}</th>
              </tr>
            </thead>
            <tbody>
              {data.members.map((m) => (
                <tr key={m.userId}>
                  {data.canManage ? (
                    <td>
                      <input
                        type="checkbox"
                        name="userIds[]"
                        value={m.userId}
                        id={`select-${m.userId}`}
                        aria-label={t("members.select", { name: m.name })}
                      />
                    </td>
                  ) : null}
                  <td>
                    {data.canManage ? (
                      <Link to={`${base}/${m.userId}`} aria-label={t("members.editOf", { name: m.name })}>
                        {m.name}
                      </Link>
                    ) : (
                      m.name
                    )}
                  </td>
                  <td>{m.email}</td>
                  <td>
                    <span className="badge">{t(`roles.${m.role}`)}</span>
                  </td>
                  <td>{m.teams.join(", ")}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {failure?.fieldErrors?.userIds ? (
            <p className="field-error" role="alert">
              {t(failure.fieldErrors.userIds)}
            </p>
          ) : null}
          {data.canManage ? (
            <p>
              <button type="submit" className="danger">
                {t("members.removeSelected")}
              </button>
            </p>
          ) : null}
        </Form>
      )}
      <Pager page={data.page} pages={data.pages} label={t("members.pagination")} />

      {data.invitations ? (
        <section aria-labelledby="pending-title">
          <h2 id="pending-title">{t("members.pendingTitle")}</h2>
          {data.invitations.items.length === 0 ? (
            <p className="empty">{t("members.pendingEmpty")}</p>
          ) : (
            <table>
              <thead>
                <tr>
                  <th scope="col">{t("members.email")}</th>
                  <th scope="col">{t("members.role")}</th>
                  <th scope="col">{t("members.invitedBy")}</th>
                  <th scope="col">{t("members.expires")}</th>
                  <th scope="col">{t("common.actions")}</th>
                </tr>
              </thead>
              <tbody>
                {data.invitations.items.map((i) => (
                  <tr key={i.id}>
                    <td>{i.email}</td>
                    <td>{t(`roles.${i.role}`)}</td>
                    <td>{i.invitedBy ?? ""}</td>
                    <td>{i.expired ? <span className="badge">{t("members.expired")}</span> : format.date(i.expires_at)}</td>
                    <td>
                      <Form method="post" className="inline-form">
                        <input type="hidden" name="intent" value="resend" />
                        <input type="hidden" name="invitationId" value={i.id} />
                        <button type="submit" className="secondary" aria-label={t("members.resendLabel", { email: i.email })}>
                          {t("members.resend")}
                        </button>
                      </Form>{" "}
                      <Form method="post" className="inline-form">
                        <input type="hidden" name="intent" value="revoke" />
                        <input type="hidden" name="invitationId" value={i.id} />
                        <button type="submit" className="danger" aria-label={t("members.revokeLabel", { email: i.email })}>
                          {t("members.revoke")}
                        </button>
                      </Form>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          <Pager page={data.invitations.page} pages={data.invitations.pages} param="invitations" label={t("members.pagination")} />
        </section>
      ) : null}
    </>
  );
}
