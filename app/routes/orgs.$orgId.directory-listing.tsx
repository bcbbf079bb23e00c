import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { redirect } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useSearchParams } from "@remix-run/react";
import { requireOrg } from "../auth/request.server";
import { getDb } from "../db.server";
import { listingSchema, ownListing, saveListing } from "../domain/directory/listings.server";
import { formAction, guard, parseForm, type FormFailure } from "../lib/http.server";
import { useT } from "../i18n/react";
import { Field, FormError, Notice, SelectField } from "../components/form";
import { CheckList, useCategoryOptions, useLanguageOptions, useRegionOptions } from "../components/tenders";

// T-3: a partner's free listing in the public directory (opt in, edit, opt out).
export async function loader({ request, context, params }: LoaderFunctionArgs) {
  const ctx = await requireOrg(request, context, params.orgId);
  const data = await guard(() => ownListing(getDb(), ctx, ctx.orgId));
  return { ...data, orgId: ctx.orgId };
}

export async function action({ request, context, params }: ActionFunctionArgs) {
  const ctx = await requireOrg(request, context, params.orgId);
  const form = await request.formData();
  return formAction(async () => {
    await saveListing(getDb(), ctx, ctx.orgId, parseForm(listingSchema, form));
    return redirect(`/orgs/${ctx.orgId}/directory-listing?done=1`);
  });
}

export default function DirectoryListingPage() {
  const d = useLoaderData<typeof loader>();
  const errors = useActionData<typeof action>() as FormFailure | undefined;
  const [params] = useSearchParams();
  const t = useT();
  const languages = useLanguageOptions();
  const regions = useRegionOptions();
  const specialties = useCategoryOptions();
  const l = d.listing;
  return (
    <>
      <h1>{t("directory.listing.title")}</h1>
      <p className="hint">{t("directory.listing.intro")}</p>
      {params.get("done") ? <Notice>{t("directory.listing.saved")}</Notice> : null}
      {l ? (
        <p data-testid="listing-state">
          {l.visible ? (
            <>
              {t("directory.listing.visible")} <Link to={`/partners/${l.slug}`}>{t("directory.listing.view")}</Link>
            </>
          ) : (
            t("directory.listing.hidden")
          )}
        </p>
      ) : null}
      <FormError errors={errors} />
      {d.canManage ? (
        <Form method="post" noValidate>
          <div className="field">
            <label>
              <input type="checkbox" name="listed" value="yes" defaultChecked={l ? l.listed : true} /> {t("directory.listing.listed")}
            </label>
          </div>
          <Field name="name" label={t("directory.field.name")} defaultValue={l?.name ?? d.defaults.name} errors={errors} required maxLength={120} />
          <div className="field">
            <label htmlFor="f-description">{t("directory.field.description")}</label>
            <textarea id="f-description" name="description" rows={6} required maxLength={2000} defaultValue={l?.description ?? ""} aria-invalid={errors?.fieldErrors?.description ? true : undefined} aria-describedby={errors?.fieldErrors?.description ? "f-description-error" : undefined} />
            {errors?.fieldErrors?.description ? (
              <p className="field-error" id="f-description-error" role="alert">
                {t(errors.fieldErrors.description)}
              </p>
            ) : null}
          </div>
          <SelectField name="descriptionLanguage" label={t("directory.field.descriptionLanguage")} defaultValue={l?.description_language ?? "de"} errors={errors}>
            {languages.map((o) => (
              <option key={o.value} value={o.value}>
                {o.label}
              </option>
            ))}
          </SelectField>
          <Field name="website" label={t("directory.field.website")} defaultValue={l?.website ?? d.defaults.website} errors={errors} maxLength={300} />
          <Field name="logoUrl" label={t("directory.field.logoUrl")} defaultValue={l?.logo_url ?? ""} errors={errors} maxLength={500} hint={t("directory.field.logoHint")} />
          <CheckList name="languages" legend={t("directory.field.languages")} options={languages} checked={l?.languages} errors={errors} />
          <CheckList name="specialties" legend={t("directory.field.specialties")} options={specialties} checked={l?.specialties} errors={errors} />
          <CheckList name="regions" legend={t("directory.field.regions")} options={regions} checked={l?.regions} errors={errors} scroll />
          <button type="submit">{t("common.save")}</button>
        </Form>
      ) : null}
    </>
  );
}
