import { Form, Link } from "@remix-run/react";
import { useT } from "../i18n/react";
import { Field, FormError, type FormErrors } from "./form";

/** The second-factor field of a form: an app code, or an emergency code in its place (S-3, S-4). */
export function SecondFactorField({ errors, label }: { errors?: FormErrors | null; label?: string }) {
  const t = useT();
  return (
    <Field
      name="code"
      label={label ?? t("twoFactor.codeLabel")}
      hint={t("twoFactor.codeHint")}
      autoComplete="one-time-code"
      required
      errors={errors}
      autoFocus
      maxLength={40}
    />
  );
}

/** The QR code to scan and the same secret for typing into the app by hand (S-3). */
export function EnrolmentPanel(props: { qr: string; secret: string; errors?: FormErrors | null; action?: string }) {
  const t = useT();
  return (
    <>
      <ol>
        <li>{t("twoFactor.setupStep1")}</li>
        <li>{t("twoFactor.setupStep2")}</li>
        <li>{t("twoFactor.setupStep3")}</li>
      </ol>
      <p>
        <img src={props.qr} alt={t("twoFactor.qrAlt")} width={220} height={220} data-testid="totp-qr" />
      </p>
      <p>
        {t("twoFactor.manualEntry")} <code data-testid="totp-secret">{props.secret.replace(/(.{4})/g, "$1 ").trim()}</code>
      </p>
      <Form method="post" action={props.action} noValidate>
        <FormError errors={props.errors} />
        <input type="hidden" name="intent" value="confirm" />
        <Field
          name="code"
          label={t("twoFactor.confirmCodeLabel")}
          autoComplete="one-time-code"
          required
          errors={props.errors}
          maxLength={10}
        />
        <button type="submit">{t("twoFactor.confirmSubmit")}</button>
      </Form>
    </>
  );
}

/** S-4: the emergency codes, shown this once, with a text file to download. */
export function RecoveryCodesPanel({ codes, account, continueTo }: { codes: string[]; account: string; continueTo: string }) {
  const t = useT();
  const file = `${t("twoFactor.codesFileHeader", { account })}\n\n${codes.join("\n")}\n`;
  return (
    <section className="card" aria-labelledby="codes-title" data-testid="recovery-codes">
      <h2 id="codes-title">{t("twoFactor.codesTitle")}</h2>
      <p>{t("twoFactor.codesIntro")}</p>
      <ol className="codes">
        {codes.map((c) => (
          <li key={c}>
            <code>{c}</code>
          </li>
        ))}
      </ol>
      <p className="toolbar">
        <a href={`data:text/plain;charset=utf-8,${encodeURIComponent(file)}`} download="partner-portal-emergency-codes.txt" className="button">
          {t("twoFactor.codesDownload")}
        </a>
        <Link to={continueTo}>{t("twoFactor.codesSaved")}</Link>
      </p>
    </section>
  );
}
