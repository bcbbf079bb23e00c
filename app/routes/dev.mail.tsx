import type { HeadersFunction, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { getDb } from "../db.server";
import { devMailboxEnabled, listOutbox } from "../domain/mail/dev-mailbox.server";
import { useFormat, useT } from "../i18n/react";
import { Pager } from "../components/pager";

// The mails hold reset links: the page is not cached.
export const headers: HeadersFunction = () => ({ "Cache-Control": "no-store" });

export const meta: MetaFunction = () => [{ title: "Local mailbox · Partner Portal" }];

export async function loader({ request }: LoaderFunctionArgs) {
  if (!devMailboxEnabled()) throw new Response("Not Found", { status: 404 });
  const page = Number(new URL(request.url).searchParams.get("page")) || 1;
  return listOutbox(getDb(), page);
}

const URL_PATTERN = /(https?:\/\/[^\s<>"]+)/g;

/** The plain-text body with its web addresses as links. */
function BodyWithLinks({ text }: { text: string }) {
  return (
    <pre className="mail-body">
      {text.split(URL_PATTERN).map((part, i) =>
        i % 2 === 1 ? (
          <a key={i} href={part} rel="noreferrer">
            {part}
          </a>
        ) : (
          part
        ),
      )}
    </pre>
  );
}

export default function DevMail() {
  const { mails, page, pages } = useLoaderData<typeof loader>();
  const t = useT();
  const format = useFormat();
  return (
    <main id="main" className="page">
      <h1>{t("account.devMailTitle")}</h1>
      <p className="hint">{t("account.devMailIntro")}</p>
      {mails.length === 0 ? <p className="empty">{t("account.devMailEmpty")}</p> : null}
      {mails.map((mail) => (
        <article key={mail.id} className="card" aria-labelledby={`mail-${mail.id}`} data-testid="mail">
          <h2 id={`mail-${mail.id}`}>{mail.subject}</h2>
          <dl className="facts">
            <dt>{t("account.devMailTo")}</dt>
            <dd>{mail.to_address}</dd>
            <dt>{t("account.devMailTime")}</dt>
            <dd>{format.dateTime(mail.created_at)}</dd>
          </dl>
          <BodyWithLinks text={mail.body_text} />
        </article>
      ))}
      <Pager page={page} pages={pages} label={t("account.devMailTitle")} />
    </main>
  );
}
