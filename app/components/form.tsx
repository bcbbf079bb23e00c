import type { ReactNode } from "react";
import { Form, Link } from "@remix-run/react";
import { useT } from "../i18n/react";

export interface FormErrors {
  fieldErrors?: Record<string, string>;
  formError?: string;
  formErrorVars?: Record<string, string | number>;
}

/** A field's message, with the id its control points to (`aria-describedby`). */
function FieldMessage({ id, error }: { id: string; error: string | undefined }) {
  const t = useT();
  if (!error) return null;
  return (
    <p className="field-error" id={`${id}-error`} role="alert">
      {t(error)}
    </p>
  );
}

/** A labelled input with its field message, linked for screen readers. */
export function Field(props: {
  name: string;
  label: string;
  type?: string;
  defaultValue?: string | null;
  errors?: FormErrors | null;
  autoComplete?: string;
  required?: boolean;
  hint?: string;
  autoFocus?: boolean;
  maxLength?: number;
}) {
  const error = props.errors?.fieldErrors?.[props.name];
  const id = `f-${props.name}`;
  return (
    <div className="field">
      <label htmlFor={id}>{props.label}</label>
      <input
        id={id}
        name={props.name}
        type={props.type ?? "text"}
        defaultValue={props.defaultValue ?? undefined}
        autoComplete={props.autoComplete}
        required={props.required}
        autoFocus={props.autoFocus}
        maxLength={props.maxLength}
        aria-invalid={error ? true : undefined}
        aria-describedby={error ? `${id}-error` : props.hint ? `${id}-hint` : undefined}
      />
      {props.hint && !error ? (
        <p className="hint" id={`${id}-hint`}>
          {props.hint}
        </p>
      ) : null}
      <FieldMessage id={id} error={error} />
    </div>
  );
}

/** A labelled select (its options are the children) with its field message. */
export function SelectField(props: {
  name: string;
  label: string;
  defaultValue?: string;
  errors?: FormErrors | null;
  autoComplete?: string;
  required?: boolean;
  children: ReactNode;
}) {
  const error = props.errors?.fieldErrors?.[props.name];
  const id = `f-${props.name}`;
  return (
    <div className="field">
      <label htmlFor={id}>{props.label}</label>
      <select
        id={id}
        name={props.name}
        defaultValue={props.defaultValue}
        autoComplete={props.autoComplete}
        required={props.required}
        aria-invalid={error ? true : undefined}
        aria-describedby={error ? `${id}-error` : undefined}
      >
        {props.children}
      </select>
      <FieldMessage id={id} error={error} />
    </div>
  );
}

/** The "yes, I mean it" checkbox (`confirm=yes`) that a destructive form requires. */
export function ConfirmCheckbox({ label, errors }: { label: string; errors?: FormErrors | null }) {
  const error = errors?.fieldErrors?.confirm;
  return (
    <div className="field">
      <label>
        <input
          type="checkbox"
          name="confirm"
          value="yes"
          required
          aria-invalid={error ? true : undefined}
          aria-describedby={error ? "f-confirm-error" : undefined}
        />{" "}
        {label}
      </label>
      <FieldMessage id="f-confirm" error={error} />
    </div>
  );
}

/**
 * The second step of a two-step action: posts the intent again with `confirm=yes` (plus the
 * children's hidden inputs), or goes back to `cancelTo`.
 */
export function ConfirmForm(props: { intent: string; button: string; cancelTo: string; children?: ReactNode }) {
  const t = useT();
  return (
    <Form method="post" className="toolbar">
      <input type="hidden" name="intent" value={props.intent} />
      <input type="hidden" name="confirm" value="yes" />
      {props.children}
      <button type="submit" className="danger">
        {props.button}
      </button>
      <Link to={props.cancelTo} className="button secondary">
        {t("common.cancel")}
      </Link>
    </Form>
  );
}

/** The options of a per-product permission level select. */
export function LevelOptions() {
  const t = useT();
  return (
    <>
      <option value="none">{t("levels.none")}</option>
      <option value="read">{t("levels.read")}</option>
      <option value="manage">{t("levels.manage")}</option>
    </>
  );
}

export function FormError({ errors }: { errors?: FormErrors | null }) {
  const t = useT();
  const message = errors?.formError ?? errors?.fieldErrors?._form;
  if (!message) return null;
  return (
    <div className="alert alert-error" role="alert">
      {t(message, errors?.formErrorVars)}
    </div>
  );
}

export function Notice({ children }: { children: ReactNode }) {
  return (
    <div className="alert alert-ok" role="status">
      {children}
    </div>
  );
}
