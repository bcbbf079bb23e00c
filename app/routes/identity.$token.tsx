import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Form, useActionData, useLoaderData } from "@remix-run/react";
import { getDb } from "../db.server";
import { IDENTITY_FILE_MAX_BYTES, identityCheckOfLink, submitIdentityDocuments } from "../domain/security/identity-checks.server";
import { clientIp, formAction, type FormFailure } from "../lib/http.server";
import { readMultipartForm } from "../lib/uploads.server";
import { useT } from "../i18n/react";
import { FormError, Notice } from "../components/form";

export const meta: MetaFunction = () => [{ title: "Identity check · Partner Portal" }, { name: "robots", content: "noindex" }];

// S-5: the one-time upload link of an identity check (no sign-in: a user who forgot their
// password or login e-mail has none). The link itself is the credential; it works once.
export async function loader({ params }: LoaderFunctionArgs) {
  const check = await identityCheckOfLink(getDb(), params.token);
  return { reason: check?.reason ?? null };
}

export async function action({ request, context, params }: ActionFunctionArgs) {
  return formAction(async () => {
    const { files } = await readMultipartForm(request, IDENTITY_FILE_MAX_BYTES, "identity.errors.tooLarge");
    await submitIdentityDocuments(getDb(), params.token ?? "", { document: files.get("document")?.[0], photo: files.get("photo")?.[0] }, clientIp(request, context));
    return { ok: true as const };
  });
}

function FileField({ name, label, hint, accept, error }: { name: string; label: string; hint: string; accept: string; error?: string }) {
  const t = useT();
  return (
    <div className="field">
      <label htmlFor={`f-${name}`}>{label}</label>
      <input id={`f-${name}`} name={name} type="file" accept={accept} required aria-describedby={`f-${name}-hint`} aria-invalid={error ? true : undefined} />
      <p className="hint" id={`f-${name}-hint`}>
        {hint}
      </p>
      {error ? (
        <p className="field-error" role="alert">
          {t(error)}
        </p>
      ) : null}
    </div>
  );
}

export default function IdentityUpload() {
  const { reason } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>() as FormFailure | { ok: true } | undefined;
  const t = useT();
  if (result && result.ok) {
    return (
      <main id="main" className="page narrow">
        <h1>{t("identity.title")}</h1>
        <Notice>{t("identity.done")}</Notice>
      </main>
    );
  }
  const errors = result as FormFailure | undefined;
  return (
    <main id="main" className="page narrow">
      <h1>{t("identity.title")}</h1>
      {reason ? (
        <>
          <p>{t("identity.intro", { reason: t(`identity.reason.${reason}`) })}</p>
          <Form method="post" encType="multipart/form-data">
            <FormError errors={errors} />
            <FileField name="document" label={t("identity.document")} hint={t("identity.documentHint")} accept="image/png,image/jpeg,application/pdf" error={errors?.fieldErrors?.document} />
            <FileField name="photo" label={t("identity.photo")} hint={t("identity.photoHint")} accept="image/png,image/jpeg" error={errors?.fieldErrors?.photo} />
            <button type="submit">{t("identity.submit")}</button>
          </Form>
        </>
      ) : (
        <p className="alert alert-error" role="alert">
          {t("identity.unusable")}
        </p>
      )}
    </main>
  );
}
