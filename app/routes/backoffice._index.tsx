import type { LoaderFunctionArgs } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { requireStaff } from "../auth/request.server";
import { useT } from "../i18n/react";

export async function loader({ request, context }: LoaderFunctionArgs) {
  const { staff } = await requireStaff(request, context);
  return { name: staff.name, email: staff.email, role: staff.role };
}

export default function BackofficeDashboard() {
  const me = useLoaderData<typeof loader>();
  const t = useT();
  return (
    <>
      <h1>{t("backoffice.dashboard.title", { name: me.name })}</h1>
      <dl className="facts">
        <dt>{t("backoffice.dashboard.signedInAs")}</dt>
        <dd>{me.name}</dd>
        <dt>{t("backoffice.dashboard.email")}</dt>
        <dd>{me.email}</dd>
        <dt>{t("backoffice.dashboard.role")}</dt>
        <dd data-testid="staff-role">{t(`backoffice.role.${me.role}`)}</dd>
      </dl>
      <h2>{t("backoffice.dashboard.tasks")}</h2>
      <ul>
        <li>
          <Link to="/backoffice/staff">{t("backoffice.dashboard.staffLink")}</Link>
        </li>
        <li>
          <Link to="/backoffice/audit">{t("backoffice.dashboard.auditLink")}</Link>
        </li>
      </ul>
    </>
  );
}
