import type { LoaderFunctionArgs } from "@remix-run/node";
import { Form, NavLink, Outlet, useLoaderData } from "@remix-run/react";
import { requireOrg } from "../auth/request.server";
import { allows } from "../auth/ability";
import { useRootData } from "../root";
import { useT } from "../i18n/react";
import { getDb } from "../db.server";
import { actingBanner, showsClientsMenu } from "../domain/clients/delegations.server";
import { guard } from "../lib/http.server";

export async function loader({ request, context, params }: LoaderFunctionArgs) {
  const ctx = await requireOrg(request, context, params.orgId);
  const org = { orgId: ctx.orgId };
  // C-3: a partner user acting in a client organization sees whom it acts for.
  const acting = ctx.delegation ? await guard(() => actingBanner(getDb(), ctx, ctx.orgId)) : null;
  return {
    orgId: ctx.orgId,
    acting,
    can: {
      clients: acting ? false : await guard(() => showsClientsMenu(getDb(), ctx, ctx.orgId)),
      delegations: allows(ctx.ability, "update", "PartnerLink", org) && !acting,
      manageMembers: allows(ctx.ability, "create", "Member", org),
      manageTeams: allows(ctx.ability, "manage", "Team", org),
      updateOrg: allows(ctx.ability, "update", "Organization", { id: ctx.orgId }),
      readAudit: allows(ctx.ability, "read", "AuditLog", org),
      readBilling: allows(ctx.ability, "read", "Billing", org),
      withdraw: allows(ctx.ability, "create", "Withdrawal", org),
      readPartner: allows(ctx.ability, "read", "PartnerApplication", org),
      postTenders: allows(ctx.ability, "create", "Tender", org),
    },
  };
}

export default function OrgLayout() {
  const { orgId, can, acting } = useLoaderData<typeof loader>();
  // The organizations are already in the root loader's data: no second query.
  const orgs = useRootData()?.user?.organizations ?? [];
  const org = orgs.find((o) => o.id === orgId) ?? { id: orgId, name: "", role: "restricted" as const };
  const t = useT();
  const base = `/orgs/${org.id}`;
  if (acting) return <ActingShell orgId={orgId} acting={acting} readBilling={can.readBilling} />;
  return (
    <div className="shell">
      <aside className="sidebar" aria-label={t("nav.organization")}>
        <p className="hint">{t("nav.currentOrg")}</p>
        <p className="org-current" data-testid="current-org">
          {org.name}
        </p>
        <p>
          <span className="badge">{t(`roles.${org.role}`)}</span>
        </p>
        {orgs.length > 1 ? (
          <Form method="post" action="/account/switch-org" className="org-switch">
            <label htmlFor="org-switch">{t("nav.switchOrg")}</label>
            <select id="org-switch" name="orgId" defaultValue={org.id}>
              {orgs.map((o: (typeof orgs)[number]) => (
                <option key={o.id} value={o.id}>
                  {o.name}
                </option>
              ))}
            </select>
            <button type="submit" className="secondary">
              {t("common.confirm")}
            </button>
          </Form>
        ) : null}
        <h2>{t("nav.organization")}</h2>
        <ul>
          <li>
            <NavLink to={base} end>
              {t("nav.overview")}
            </NavLink>
          </li>
          <li>
            <NavLink to={`${base}/members`}>{t("nav.members")}</NavLink>
          </li>
          <li>
            <NavLink to={`${base}/teams`}>{t("nav.teams")}</NavLink>
          </li>
          <li>
            <NavLink to={`${base}/products`}>{t("nav.products")}</NavLink>
          </li>
          <li>
            <NavLink to={`${base}/settings`}>{t("nav.settings")}</NavLink>
          </li>
          {can.readPartner ? (
            <li>
              <NavLink to={`${base}/partner`}>{t("partners.nav")}</NavLink>
            </li>
          ) : null}
          {can.clients ? (
            <li>
              <NavLink to={`${base}/clients`}>{t("clients.nav")}</NavLink>
            </li>
          ) : null}
          {can.delegations ? (
            <li>
              <NavLink to={`${base}/delegations`}>{t("clients.delegations.nav")}</NavLink>
            </li>
          ) : null}
          {can.postTenders ? (
            <li>
              <NavLink to={`${base}/tenders`}>{t("tenders.nav.mine")}</NavLink>
            </li>
          ) : null}
          {can.readAudit ? (
            <li>
              <NavLink to={`${base}/audit`}>{t("nav.audit")}</NavLink>
            </li>
          ) : null}
          <li>
            <NavLink to={`${base}/legal-representative`}>{t("nav.handover")}</NavLink>
          </li>
          <li>
            <NavLink to={`${base}/leave`}>{t("nav.leave")}</NavLink>
          </li>
        </ul>
        <h2>{t("billing.nav.heading")}</h2>
        <ul>
          <li>
            <NavLink to={`${base}/billing/to-pay`}>{t("billing.nav.toPay")}</NavLink>
          </li>
          {can.readBilling ? (
            <>
              <li>
                <NavLink to={`${base}/billing/orders`}>{t("billing.nav.orders")}</NavLink>
              </li>
              <li>
                <NavLink to={`${base}/billing/prepaid`}>{t("billing.nav.prepaid")}</NavLink>
              </li>
              <li>
                <NavLink to={`${base}/billing/invoices`}>{t("billing.nav.invoices")}</NavLink>
              </li>
              <li>
                <NavLink to={`${base}/billing/order-new`}>{t("shop.nav.order")}</NavLink>
              </li>
              {can.withdraw ? (
                <li>
                  <NavLink to={`${base}/billing/withdraw`}>{t("shop.nav.withdraw")}</NavLink>
                </li>
              ) : null}
            </>
          ) : null}
        </ul>
      </aside>
      <main id="main" className="page">
        <Outlet />
      </main>
    </div>
  );
}

/**
 * C-3: the layout while a partner user acts in a client organization: a banner says whom it
 * acts for and as which partner; the menu offers what the delegation allows.
 */
function ActingShell({ orgId, acting, readBilling }: { orgId: string; acting: NonNullable<ReturnType<typeof useLoaderData<typeof loader>>["acting"]>; readBilling: boolean }) {
  const t = useT();
  const base = `/orgs/${orgId}`;
  return (
    <div className="shell">
      <aside className="sidebar" aria-label={t("nav.organization")}>
        <p className="hint">{t("nav.currentOrg")}</p>
        <p className="org-current" data-testid="current-org">
          {acting.clientName}
        </p>
        <ul>
          <li>
            <NavLink to={`${base}/products`}>{t("nav.products")}</NavLink>
          </li>
          <li>
            <NavLink to={`${base}/billing/to-pay`}>{t("billing.nav.toPay")}</NavLink>
          </li>
          {readBilling ? (
            <li>
              <NavLink to={`${base}/billing/invoices`}>{t("billing.nav.invoices")}</NavLink>
            </li>
          ) : null}
          <li>
            <NavLink to={`/orgs/${acting.partnerOrgId}/clients`}>{t("clients.banner.back", { partner: acting.partnerName })}</NavLink>
          </li>
        </ul>
      </aside>
      <main id="main" className="page">
        <div className="alert alert-ok" role="status" data-testid="acting-banner">
          {t("clients.banner.text", { client: acting.clientName, partner: acting.partnerName, access: t(`clients.access.${acting.access}${acting.billing ? "Billing" : ""}`) })}
        </div>
        <Outlet />
      </main>
    </div>
  );
}
