import { useT } from "../i18n/react";
import { Field, SelectField, type FormErrors } from "./form";

/** The members a form can offer, as the domain's `memberChoices` returns them. */
export interface MemberCandidates {
  options: Array<{ userId: string; name: string; email: string }>;
  byEmail: boolean;
}

export function hasCandidates(candidates: MemberCandidates): boolean {
  return candidates.byEmail || candidates.options.length > 0;
}

/**
 * Picks a member of the organization: a select (`userId`), or an e-mail field (`email`) when
 * there are too many candidates to list.
 */
export function MemberPicker(props: {
  candidates: MemberCandidates;
  selectLabel: string;
  emailLabel: string;
  required?: boolean;
  errors?: FormErrors | null;
}) {
  const t = useT();
  if (props.candidates.byEmail) {
    return <Field name="email" type="email" label={props.emailLabel} required={props.required} errors={props.errors} />;
  }
  return (
    <SelectField name="userId" label={props.selectLabel} defaultValue="" required={props.required} errors={props.errors}>
      <option value="">{t("orgadmin.chooseMember")}</option>
      {props.candidates.options.map((c) => (
        <option key={c.userId} value={c.userId}>
          {`${c.name} (${c.email})`}
        </option>
      ))}
    </SelectField>
  );
}
