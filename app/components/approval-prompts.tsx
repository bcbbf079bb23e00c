import { Form, useFetcher, useLocation, useSearchParams } from "@remix-run/react";
import { useEffect } from "react";
import { useFormat, useLocale, useT } from "../i18n/react";

export interface ApprovalPrompt {
  id: string;
  userAgent: string | null;
  browser: string | null;
  system: string | null;
  place: { ip: string | null; local: boolean; country: string | null };
  requestedAt: string | Date;
}

const POLL_MS = 5000;

/**
 * S-3: "Is this you signing in?" on a session that passed two factors. The first list comes
 * with the page (so it shows without JavaScript); with JavaScript the list is asked for
 * again every 5 seconds, so a prompt appears while the page is open.
 */
export function ApprovalPrompts({ initial, enabled }: { initial: ApprovalPrompt[]; enabled: boolean }) {
  const fetcher = useFetcher<{ approvals: ApprovalPrompt[] }>();
  const location = useLocation();
  useEffect(() => {
    if (!enabled) return;
    const timer = setInterval(() => {
      if (fetcher.state === "idle" && document.visibilityState === "visible") fetcher.load("/account/approvals");
    }, POLL_MS);
    return () => clearInterval(timer);
  }, [enabled, fetcher]);
  const [params] = useSearchParams();
  const t = useT();
  const answered = params.get("approval");
  const approvals = fetcher.data?.approvals ?? initial;
  const back = location.pathname;
  if (!enabled || (approvals.length === 0 && !answered)) return null;
  return (
    <div className="approval-prompts" aria-live="assertive">
      {answered === "approved" || answered === "refused" ? (
        <div className="alert alert-ok" role="status">
          {t(answered === "approved" ? "twoFactor.approvalDoneYes" : "twoFactor.approvalDoneNo")}
        </div>
      ) : answered === "gone" ? (
        <div className="alert alert-error" role="alert">
          {t("twoFactor.approvalExpired")}
        </div>
      ) : null}
      {approvals.map((a) => (
        <Prompt key={a.id} prompt={a} back={back} />
      ))}
    </div>
  );
}

function Prompt({ prompt, back }: { prompt: ApprovalPrompt; back: string }) {
  const t = useT();
  const format = useFormat();
  const locale = useLocale();
  const browser = prompt.browser
    ? t("twoFactor.approvalBrowser", { browser: prompt.browser, system: prompt.system ?? t("twoFactor.unknownSystem") })
    : t("account.unknownDevice");
  const place = prompt.place.local
    ? t("twoFactor.placeLocal", { ip: prompt.place.ip ?? "–" })
    : prompt.place.country
      ? t("twoFactor.placeCountry", { country: countryName(prompt.place.country, locale), ip: prompt.place.ip ?? "–" })
      : (prompt.place.ip ?? t("twoFactor.placeUnknown"));
  return (
    <section className="alert alert-warn" role="alertdialog" aria-labelledby={`approval-${prompt.id}`} data-testid="approval-prompt">
      <h2 id={`approval-${prompt.id}`}>{t("twoFactor.approvalQuestion")}</h2>
      <dl className="facts">
        <dt>{t("twoFactor.approvalWhat")}</dt>
        <dd title={prompt.userAgent ?? undefined}>{browser}</dd>
        <dt>{t("twoFactor.approvalWhere")}</dt>
        <dd>{place}</dd>
        <dt>{t("twoFactor.approvalWhen")}</dt>
        <dd>{format.dateTime(prompt.requestedAt)}</dd>
      </dl>
      <p className="hint">{t("twoFactor.approvalHint")}</p>
      <div className="toolbar">
        <Form method="post" action="/account/approvals">
          <input type="hidden" name="challengeId" value={prompt.id} />
          <input type="hidden" name="back" value={back} />
          <button type="submit" name="decision" value="approved">
            {t("twoFactor.approvalYes")}
          </button>
        </Form>
        <Form method="post" action="/account/approvals">
          <input type="hidden" name="challengeId" value={prompt.id} />
          <input type="hidden" name="back" value={back} />
          <button type="submit" name="decision" value="refused" className="danger">
            {t("twoFactor.approvalNo")}
          </button>
        </Form>
      </div>
    </section>
  );
}

function countryName(code: string, locale: string): string {
  try {
    return new Intl.DisplayNames([locale], { type: "region" }).of(code) ?? code;
  } catch {
    return code;
  }
}
