import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Form, NavLink, Outlet, useLoaderData } from "@remix-run/react";
import { allows } from "../auth/ability";
import { requireStaff } from "../auth/request.server";
import { useT } from "../i18n/react";

export const meta: MetaFunction = () => [{ title: "Back office · Partner Portal" }];

/** K-1: the back office, for staff accounts only (a customer session does not count). */
export async function loader({ request, context }: LoaderFunctionArgs) {
  const { staff, ability } = await requireStaff(request, context);
  return { staff: { id: staff.id, name: staff.name, email: staff.email, role: staff.role }, canWithdrawals: allows(ability, "read", "Withdrawal"), canBankTransfers: allows(ability, "manage", "BankTransfer"), canCreditNotes: allows(ability, "create", "CreditNote"), canPartnerApplications: allows(ability, "read", "PartnerApplication"), canSupport: allows(ability, "read", "SupportRequest"), canIdentityChecks: allows(ability, "read", "IdentityCheck") };
}

export default function BackofficeLayout() {
  const { staff, canWithdrawals, canBankTransfers, canCreditNotes, canPartnerApplications, canSupport, canIdentityChecks } = useLoaderData<typeof loader>();
  const t = useT();
  return (
    <div className="shell">
      <aside className="sidebar" aria-label={t("backoffice.nav.label")}>
        <p className="hint">{t("backoffice.title")}</p>
        <p className="org-current" data-testid="current-staff">
          {staff.name}
        </p>
        <p>
          <span className="badge">{t(`backoffice.role.${staff.role}`)}</span>
        </p>
        <ul>
          <li>
            <NavLink to="/backoffice" end>
              {t("backoffice.nav.dashboard")}
            </NavLink>
          </li>
          <li>
            <NavLink to="/backoffice/staff">{t("backoffice.nav.staff")}</NavLink>
          </li>
          <li>
            <NavLink to="/backoffice/audit">{t("backoffice.nav.audit")}</NavLink>
          </li>
          <li>
            <NavLink to="/backoffice/security">{t("twoFactor.title")}</NavLink>
          </li>
          {canBankTransfers ? (
            <li>
              <NavLink to="/backoffice/transfers">{t("transfers.nav")}</NavLink>
            </li>
          ) : null}
          {canCreditNotes ? (
            <li>
              <NavLink to="/backoffice/credit-notes">{t("creditNotes.nav")}</NavLink>
            </li>
          ) : null}
          {canPartnerApplications ? (
            <li>
              <NavLink to="/backoffice/partner-applications">{t("partners.review.nav")}</NavLink>
            </li>
          ) : null}
          {canPartnerApplications ? (
            <li>
              <NavLink to="/backoffice/partner-reviews">{t("partners.eligibility.title")}</NavLink>
            </li>
          ) : null}
          {canWithdrawals ? (
            <li>
              <NavLink to="/backoffice/withdrawals">{t("shop.nav.backofficeWithdrawals")}</NavLink>
            </li>
          ) : null}
          {canSupport ? (
            <li>
              <NavLink to="/backoffice/support">{t("support.bo.nav")}</NavLink>
            </li>
          ) : null}
          {canIdentityChecks ? (
            <li>
              <NavLink to="/backoffice/identity-checks">{t("identity.bo.nav")}</NavLink>
            </li>
          ) : null}
        </ul>
        <Form method="post" action="/backoffice/logout">
          <button type="submit" className="secondary">
            {t("backoffice.nav.signOut")}
          </button>
        </Form>
      </aside>
      <main id="main" className="page">
        <Outlet />
      </main>
    </div>
  );
}
