import { useSearchParams } from "@remix-run/react";
import { useT } from "../i18n/react";
import { Field, type FormErrors } from "./form";

/** E-mail and password of a sign-in form; the page to return to travels along. */
export function SignInFields(props: { emailLabel: string; passwordLabel: string; errors?: FormErrors | null }) {
  const [params] = useSearchParams();
  return (
    <>
      <input type="hidden" name="redirectTo" value={params.get("redirectTo") ?? ""} />
      <Field name="email" type="email" label={props.emailLabel} autoComplete="username" required errors={props.errors} autoFocus />
      <Field
        name="password"
        type="password"
        label={props.passwordLabel}
        autoComplete="current-password"
        required
        errors={props.errors}
      />
    </>
  );
}

/** A password being chosen, with the rules it must meet. */
export function NewPasswordField(props: { name: string; label: string; errors?: FormErrors | null; autoFocus?: boolean }) {
  const t = useT();
  return (
    <Field
      name={props.name}
      type="password"
      label={props.label}
      autoComplete="new-password"
      hint={t("auth.passwordHint")}
      required
      errors={props.errors}
      autoFocus={props.autoFocus}
    />
  );
}

/** A new password and its repetition (`confirm`). */
export function NewPasswordFields(props: { name: string; errors?: FormErrors | null; autoFocus?: boolean }) {
  const t = useT();
  return (
    <>
      <NewPasswordField name={props.name} label={t("account.newPassword")} errors={props.errors} autoFocus={props.autoFocus} />
      <Field name="confirm" type="password" label={t("account.confirmPassword")} autoComplete="new-password" required errors={props.errors} />
    </>
  );
}
