import type { LinksFunction, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import {
  isRouteErrorResponse,
  Links,
  Meta,
  Outlet,
  Scripts,
  ScrollRestoration,
  useLoaderData,
  useRouteError,
  useRouteLoaderData,
} from "@remix-run/react";
import { userContextOf } from "./auth/request.server";
import { pickLocale, translator, type UiLocale } from "./i18n/index";
import { useT } from "./i18n/react";
import { organizationsOf } from "./domain/orgs/queries.server";
import { devMailboxEnabled } from "./domain/mail/dev-mailbox.server";
import styles from "./styles/app.css";
import { Header } from "./components/header";
import { ApprovalPrompts } from "./components/approval-prompts";
import { approvalInbox } from "./domain/two-factor/challenges.server";
import { getDb } from "./db.server";

export const links: LinksFunction = () => [
  { rel: "stylesheet", href: styles },
  { rel: "icon", href: "/favicon.svg", type: "image/svg+xml" },
];

export const meta: MetaFunction = () => [{ title: "Partner Portal" }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  const ctx = await userContextOf(request, context);
  const locale: UiLocale = pickLocale(ctx?.user.locale, request.headers.get("Accept-Language"));
  // The actor (loaded once per request) already knows the user's organizations.
  const user = ctx
    ? { id: ctx.user.id, name: ctx.user.name, email: ctx.user.email, organizations: organizationsOf(ctx.actor) }
    : null;
  // S-3: sign-ins on other browsers waiting for this (trusted) session's approval.
  const approvals = ctx ? await approvalInbox(getDb(), ctx) : { trusted: false, approvals: [] };
  return { locale, user, devMail: devMailboxEnabled(), approvals };
}

export type RootData = Awaited<ReturnType<typeof loader>>;

export function useRootData(): RootData | undefined {
  return useRouteLoaderData<typeof loader>("root");
}

export function Layout({ children }: { children: React.ReactNode }) {
  const data = useRouteLoaderData<typeof loader>("root");
  const locale = data?.locale ?? "de";
  const t = translator(locale);
  return (
    <html lang={locale}>
      <head>
        <meta charSet="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <Meta />
        <Links />
      </head>
      <body>
        <a className="skip-link" href="#main">
          {t("nav.skip")}
        </a>
        <Header data={data} />
        <ApprovalPrompts initial={data?.approvals.approvals ?? []} enabled={!!data?.user && !!data?.approvals.trusted} />
        {children}
        <ScrollRestoration />
        <Scripts />
      </body>
    </html>
  );
}

export default function App() {
  useLoaderData<typeof loader>();
  return <Outlet />;
}

export function ErrorBoundary() {
  const error = useRouteError();
  const t = useT();
  const status = isRouteErrorResponse(error) ? error.status : 500;
  const message = status === 404 ? "errors.notFound" : status === 403 ? "errors.forbidden" : "errors.server";
  return (
    <main id="main" className="page narrow">
      <h1>{t("errors.title", { status })}</h1>
      <p>{t(message)}</p>
      <p>
        <a href="/">{t("common.back")}</a>
      </p>
    </main>
  );
}
