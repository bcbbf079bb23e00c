import type { AddressInfo } from "node:net";
import { SMTPServer } from "smtp-server";
import { testDb } from "./setup";

/** A mail as the SMTP server received it, decoded enough to read it like a person would. */
export interface ReceivedMail {
  envelopeTo: string[];
  headers: Record<string, string>;
  to: string;
  subject: string;
  text: string;
  raw: string;
}

export interface TestSmtpServer {
  /** For SMTP_URL. */
  url: string;
  received: ReceivedMail[];
  /** Waits (bounded) until a received mail matches. */
  waitForMail(match: (mail: ReceivedMail) => boolean, timeoutMs?: number): Promise<ReceivedMail>;
  close(): Promise<void>;
}

/** A real SMTP server on 127.0.0.1 and a random port, keeping every message it receives. */
export async function startSmtpServer(): Promise<TestSmtpServer> {
  const received: ReceivedMail[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ["STARTTLS"],
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on("data", (chunk: Buffer) => chunks.push(chunk));
      stream.on("end", () => {
        received.push(parseMessage(Buffer.concat(chunks).toString("utf8"), session.envelope.rcptTo.map((r) => r.address)));
        callback();
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const { port } = server.server.address() as AddressInfo;
  return {
    url: `smtp://127.0.0.1:${port}`,
    received,
    async waitForMail(match, timeoutMs = 15_000) {
      const mail = await eventually(() => received.find(match), timeoutMs);
      if (!mail) throw new Error(`no matching mail within ${timeoutMs} ms; received: ${received.map((m) => m.subject).join(" | ")}`);
      return mail;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Polls `probe` every 50 ms until it returns a value, or gives up after `timeoutMs`. */
export async function eventually<T>(probe: () => T | undefined | Promise<T | undefined>, timeoutMs = 15_000): Promise<T | undefined> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) return undefined;
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * Reads a single-part message (what nodemailer sends for a text mail): unfolded headers with
 * RFC 2047 encoded words decoded, and the body with its transfer encoding undone.
 */
export function parseMessage(raw: string, envelopeTo: string[]): ReceivedMail {
  const split = raw.indexOf("\r\n\r\n");
  const head = raw.slice(0, split).replace(/\r\n[ \t]+/g, " ");
  const body = raw.slice(split + 4);
  const headers: Record<string, string> = {};
  for (const line of head.split("\r\n")) {
    const colon = line.indexOf(":");
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = decodeWords(line.slice(colon + 1).trim());
  }
  if (/^multipart\//i.test(headers["content-type"] ?? "")) throw new Error("this test parser reads single-part mails only");
  const encoding = (headers["content-transfer-encoding"] ?? "7bit").toLowerCase();
  const bytes =
    encoding === "quoted-printable"
      ? quotedPrintable(body.replace(/=\r?\n/g, ""))
      : encoding === "base64"
        ? Buffer.from(body.replace(/\s+/g, ""), "base64")
        : Buffer.from(body, "utf8");
  return {
    envelopeTo,
    headers,
    to: headers["to"] ?? "",
    subject: headers["subject"] ?? "",
    text: bytes.toString("utf8").replace(/\r\n/g, "\n"),
    raw,
  };
}

function quotedPrintable(text: string): Buffer {
  const bytes: number[] = [];
  for (let i = 0; i < text.length; i++) {
    if (text[i] === "=" && /^[0-9A-Fa-f]{2}$/.test(text.slice(i + 1, i + 3))) {
      bytes.push(parseInt(text.slice(i + 1, i + 3), 16));
      i += 2;
    } else {
      bytes.push(...Buffer.from(text[i], "utf8"));
    }
  }
  return Buffer.from(bytes);
}

function decodeWords(value: string): string {
  return value
    .replace(/\?=\s+=\?/g, "?==?")
    .replace(/=\?([^?]+)\?([QqBb])\?([^?]*)\?=/g, (_, _charset: string, kind: string, text: string) =>
      (kind.toUpperCase() === "B" ? Buffer.from(text, "base64") : quotedPrintable(text.replace(/_/g, " "))).toString("utf8"),
    );
}

/** The outbox rows for one address, newest first (mails queued but not necessarily sent). */
export function outboxTo(address: string) {
  return testDb().selectFrom("email_outbox").selectAll().where("to_address", "=", address).orderBy("created_at", "desc").execute();
}

/** The reset token in a mail's text (the last path segment of its reset link). */
export function resetTokenIn(text: string): string {
  const match = text.match(/\/reset-password\/([A-Za-z0-9_-]+)/);
  if (!match) throw new Error(`no reset link in: ${text}`);
  return match[1];
}
