import { Form, Link, useLocation } from "@remix-run/react";
import { translator } from "../i18n/index";
import type { RootData } from "../root";

export function Header({ data }: { data: RootData | undefined }) {
  const t = translator(data?.locale ?? "de");
  const user = data?.user;
  // The back office has its own navigation and its own (staff) session.
  if (useLocation().pathname.startsWith("/backoffice")) {
    return (
      <header className="topbar">
        <Link to="/backoffice" className="brand">
          {t("app.name")}
        </Link>
      </header>
    );
  }
  return (
    <header className="topbar">
      <Link to="/" className="brand">
        {t("app.name")}
      </Link>
      <nav aria-label={t("nav.account")} className="topnav">
        <Link to="/partners">{t("directory.nav")}</Link>
        <Link to="/tenders/new">{t("tenders.nav.post")}</Link>
        {user ? (
          <>
            <Link to="/account">{user.name}</Link>
            <Link to="/support">{t("support.nav")}</Link>
            <Form method="post" action="/logout">
              <button type="submit" className="link-button">
                {t("nav.signOut")}
              </button>
            </Form>
          </>
        ) : (
          <>
            <Link to="/login">{t("nav.signIn")}</Link>
            <Link to="/signup">{t("nav.signUp")}</Link>
          </>
        )}
        {data?.devMail ? <Link to="/dev/mail">{t("nav.mail")}</Link> : null}
      </nav>
    </header>
  );
}
