import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { redirect } from "@remix-run/node";
import { Form, useActionData, useLoaderData, useSearchParams } from "@remix-run/react";
import { requireOrg } from "../auth/request.server";
import { Field, FormError, Notice, SelectField } from "../components/form";
import { getDb } from "../db.server";
import { countryOptions } from "../domain/orgs/countries";
import { organizationSettings, updateOrganizationSettings } from "../domain/orgs/settings.server";
import { useT } from "../i18n/react";
import { formAction, guard, type FormFailure } from "../lib/http.server";

export const meta: MetaFunction = () => [{ title: "Organization data · Partner Portal" }];

export async function loader({ request, context, params }: LoaderFunctionArgs) {
  const ctx = await requireOrg(request, context, params.orgId);
  const org = await guard(() => organizationSettings(getDb(), ctx, ctx.orgId));
  const countries = countryOptions(ctx.locale);
  return {
    org,
    countries: org.canEdit ? countries : countries.slice(0, 0),
    countryName: countries.find((c) => c.code === org.country)?.name ?? org.country,
  };
}

export async function action({ request, context, params }: ActionFunctionArgs) {
  const ctx = await requireOrg(request, context, params.orgId);
  const form = await request.formData();
  return formAction(async () => {
    await updateOrganizationSettings(getDb(), ctx, ctx.orgId, form);
    return redirect(`/orgs/${ctx.orgId}/settings?saved=1`);
  });
}

// Single fetch keeps Dates; the hooks are typed from what the functions return.
type LoaderData = Awaited<ReturnType<typeof loader>>;
type ActionResult = FormFailure;

export default function OrganizationSettings() {
  const { org, countries, countryName } = useLoaderData<typeof loader>() as LoaderData;
  const errors = useActionData<typeof action>() as ActionResult | undefined;
  const [params] = useSearchParams();
  const t = useT();
  const fieldError = (name: string) => errors?.fieldErrors?.[name];

  if (!org.canEdit) {
    const show = (v: string | null) => v ?? "—";
    return (
      <>
        <h1>{t("orgadmin.settingsTitle")}</h1>
        <p className="hint">{t("orgadmin.settingsReadOnly", { rep: org.legalRepName })}</p>
        <dl className="facts">
          <dt>{t("orgadmin.name")}</dt>
          <dd>{org.name}</dd>
          <dt>{t("orgadmin.legalForm")}</dt>
          <dd>{show(org.legal_form)}</dd>
          <dt>{t("orgadmin.street")}</dt>
          <dd>{show(org.street)}</dd>
          <dt>{t("orgadmin.postalCode")}</dt>
          <dd>{show(org.postal_code)}</dd>
          <dt>{t("orgadmin.city")}</dt>
          <dd>{show(org.city)}</dd>
          <dt>{t("orgadmin.country")}</dt>
          <dd>{countryName}</dd>
          <dt>{t("orgadmin.registryId")}</dt>
          <dd>{show(org.registry_id)}</dd>
          <dt>{t("orgadmin.currency")}</dt>
          <dd>{org.currency}</dd>
        </dl>
      </>
    );
  }

  return (
    <>
      <h1>{t("orgadmin.settingsTitle")}</h1>
      <p>{t("orgadmin.settingsIntro")}</p>
      {params.get("saved") ? <Notice>{t("common.saved")}</Notice> : null}
      <Form method="post" noValidate className="card">
        <FormError errors={errors} />
        <Field name="name" label={t("orgadmin.name")} defaultValue={org.name} required maxLength={200} errors={errors} />
        <Field
          name="legalForm"
          label={t("orgadmin.legalForm")}
          hint={t("orgadmin.legalFormHint")}
          defaultValue={org.legal_form}
          maxLength={100}
          errors={errors}
        />
        <Field name="street" label={t("orgadmin.street")} defaultValue={org.street} autoComplete="street-address" maxLength={200} errors={errors} />
        <Field
          name="postalCode"
          label={t("orgadmin.postalCode")}
          defaultValue={org.postal_code}
          autoComplete="postal-code"
          maxLength={20}
          errors={errors}
        />
        <Field name="city" label={t("orgadmin.city")} defaultValue={org.city} autoComplete="address-level2" maxLength={100} errors={errors} />
        <SelectField name="country" label={t("orgadmin.country")} defaultValue={org.country} autoComplete="country" errors={errors}>
          {countries.map((c) => (
            <option key={c.code} value={c.code}>
              {`${c.name} (${c.code})`}
            </option>
          ))}
        </SelectField>
        <Field
          name="registryId"
          label={t("orgadmin.registryId")}
          hint={t("orgadmin.registryIdHint")}
          defaultValue={org.registry_id}
          maxLength={60}
          errors={errors}
        />
        <fieldset aria-describedby={fieldError("currency") ? "f-currency-error" : "f-currency-hint"}>
          <legend>{t("orgadmin.currency")}</legend>
          <p className="hint" id="f-currency-hint">
            {t("orgadmin.currencyHint")}
          </p>
          {(["CHF", "EUR"] as const).map((c) => (
            <label key={c} style={{ marginRight: "1.5rem" }}>
              <input type="radio" name="currency" value={c} defaultChecked={org.currency === c} /> {c}
            </label>
          ))}
          {fieldError("currency") ? (
            <p className="field-error" id="f-currency-error" role="alert">
              {t(fieldError("currency")!)}
            </p>
          ) : null}
        </fieldset>
        <button type="submit">{t("common.save")}</button>
      </Form>
    </>
  );
}
