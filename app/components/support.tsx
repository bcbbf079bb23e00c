import { useFormat, useT } from "../i18n/react";

export interface ConversationMessage {
  id: string;
  body: string;
  created_at: Date | string;
  author_staff_id: string | null;
  staff_name: string | null;
  attachments: Array<{ id: string; file_name: string; size_bytes: number }>;
}

/** A support request's messages, oldest first, with links to their screenshots. */
export function Conversation({ messages, fileHref, userLabel }: { messages: ConversationMessage[]; fileHref: (attachmentId: string) => string; userLabel: string }) {
  const t = useT();
  const format = useFormat();
  return (
    <ol className="conversation" data-testid="conversation">
      {messages.map((m) => (
        <li key={m.id} className="card">
          <p className="hint">
            {m.author_staff_id ? t("support.agent", { name: m.staff_name ?? "" }) : userLabel} · {format.dateTime(m.created_at)}
          </p>
          <p style={{ whiteSpace: "pre-wrap" }}>{m.body}</p>
          {m.attachments.length > 0 ? (
            <ul aria-label={t("support.attachments")}>
              {m.attachments.map((a) => (
                <li key={a.id}>
                  <a href={fileHref(a.id)}>{a.file_name}</a>
                </li>
              ))}
            </ul>
          ) : null}
        </li>
      ))}
    </ol>
  );
}
