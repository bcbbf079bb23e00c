import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { redirect } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData } from "@remix-run/react";
import { requireOrg } from "../auth/request.server";
import { getDb } from "../db.server";
import { changeMailboxPassword, mailboxPasswordForm, mailboxPasswordSchema } from "../domain/products/mailboxes.server";
import { withActor } from "../domain/tx.server";
import { formAction, guard, parseForm } from "../lib/http.server";
import { Field, FormError } from "../components/form";
import { useT } from "../i18n/react";

export async function loader({ request, context, params }: LoaderFunctionArgs) {
  const ctx = await requireOrg(request, context, params.orgId);
  const form = await guard(() => withActor(getDb(), ctx.actor, (trx) => mailboxPasswordForm(trx, ctx, ctx.orgId, params.mailboxId ?? "")));
  return { ...form, orgId: ctx.orgId };
}

export async function action({ request, context, params }: ActionFunctionArgs) {
  const ctx = await requireOrg(request, context, params.orgId);
  const form = await request.formData();
  return formAction(async () => {
    const input = parseForm(mailboxPasswordSchema, form);
    const { productId, unified } = await changeMailboxPassword(getDb(), ctx, ctx, ctx.orgId, params.mailboxId ?? "", input);
    return redirect(`/orgs/${ctx.orgId}/products/${productId}?passwordChanged=${unified ? "unified" : "mailbox"}`);
  });
}

export default function MailboxPassword() {
  const { mailbox, canUnify, orgId } = useLoaderData<typeof loader>();
  const errors = useActionData<typeof action>();
  const t = useT();
  return (
    <>
      <p>
        <Link to={`/orgs/${orgId}/products/${mailbox.productId}`}>{mailbox.productName}</Link>
      </p>
      <h1>{t("products.mailbox.title")}</h1>
      <p>{t("products.mailbox.subtitle", { address: mailbox.address, product: mailbox.productName })}</p>
      <p className="hint">{t("products.mailbox.intro")}</p>
      <Form method="post" noValidate>
        <FormError errors={errors} />
        <Field
          name="password"
          type="password"
          label={t("products.mailbox.password")}
          hint={t("products.mailbox.passwordHint")}
          autoComplete="new-password"
          required
          errors={errors}
        />
        <Field name="confirm" type="password" label={t("products.mailbox.confirm")} autoComplete="new-password" required errors={errors} />
        {canUnify ? (
          <div className="field">
            <label>
              <input type="checkbox" name="unify" aria-describedby="unify-hint" /> {t("products.mailbox.unify")}
            </label>
            <p className="hint" id="unify-hint">
              {t("products.mailbox.unifyHint")}
            </p>
          </div>
        ) : null}
        <button type="submit">{t("products.mailbox.submit")}</button>
      </Form>
    </>
  );
}
