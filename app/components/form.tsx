import type { ReactNode } from "react";
import { useT } from "../i18n/react";

export interface FormErrors {
  fieldErrors?: Record<string, string>;
  formError?: string;
  formErrorVars?: Record<string, string | number>;
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
  const t = useT();
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
      {error ? (
        <p className="field-error" id={`${id}-error`} role="alert">
          {t(error)}
        </p>
      ) : null}
    </div>
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
