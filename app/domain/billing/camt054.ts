import { createHash } from "node:crypto";
import { XMLParser } from "fast-xml-parser";
import type { Currency } from "./money";

// ISO 20022 camt.054 (bank to customer debit/credit notification): the credits the bank
// booked on the provider's account, one per transaction detail. Namespace prefixes and the
// schema version (camt.054.001.04 … .08) do not matter: only the element names are read.

export interface CamtCredit {
  /** The bank's unique id of this credit: the key that makes a second import change nothing. */
  entryReference: string;
  /** The creditor reference the payer quoted (QR or RF reference), spaces removed, upper case. */
  reference: string | null;
  amount: number;
  currency: Currency;
  debtorName: string | null;
  bookedOn: string | null;
}

export class CamtFormatError extends Error {}

const ARRAYS = new Set(["Ntfctn", "Ntry", "NtryDtls", "TxDtls", "Strd", "Ustrd"]);

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: "@",
  removeNSPrefix: true,
  parseTagValue: false,
  parseAttributeValue: false,
  // No entity expansion at all: a notification file needs none, and it keeps entity bombs out.
  processEntities: false,
  isArray: (name) => ARRAYS.has(name),
});

type Node = Record<string, unknown>;

function child(node: unknown, ...path: string[]): unknown {
  let cur = node;
  for (const key of path) {
    if (cur === null || typeof cur !== "object") return undefined;
    const next = (cur as Node)[key];
    cur = Array.isArray(next) ? next[0] : next;
  }
  return cur;
}

function list(node: unknown, key: string): unknown[] {
  if (node === null || typeof node !== "object") return [];
  const v = (node as Node)[key];
  return Array.isArray(v) ? v : v === undefined ? [] : [v];
}

function text(node: unknown): string | null {
  if (typeof node === "string") return decodeXml(node.trim()) || null;
  if (node && typeof node === "object" && typeof (node as Node)["#text"] === "string") return decodeXml(((node as Node)["#text"] as string).trim()) || null;
  return null;
}

function decodeXml(s: string): string {
  return s.replace(/&(lt|gt|quot|apos|amp);/g, (_, e: string) => ({ lt: "<", gt: ">", quot: '"', apos: "'", amp: "&" })[e]!);
}

/** "1234.5" → 123450 minor units; null unless a positive amount with at most 2 decimals. */
export function camtAmount(value: string | null): number | null {
  const m = value ? /^(\d{1,13})(?:\.(\d{1,2}))?$/.exec(value) : null;
  if (!m) return null;
  const amount = Number(m[1]) * 100 + Number((m[2] ?? "").padEnd(2, "0"));
  return amount > 0 ? amount : null;
}

export function normalizeReference(ref: string | null | undefined): string | null {
  const r = (ref ?? "").replace(/\s+/g, "").toUpperCase();
  return r.length > 0 ? r : null;
}

function amountOf(node: unknown): { amount: number; currency: Currency } | null {
  const amt = child(node, "Amt");
  const amount = camtAmount(text(amt));
  const currency = amt && typeof amt === "object" ? (amt as Node)["@Ccy"] : undefined;
  if (amount === null || (currency !== "CHF" && currency !== "EUR")) return null;
  return { amount, currency };
}

/**
 * The booked credits of a camt.054 file. Debits, pending entries and amounts in other
 * currencies are not credits to the provider and are skipped. Throws CamtFormatError when
 * the file is not a camt.054 notification.
 */
export function parseCamt054(xml: string): CamtCredit[] {
  let doc: unknown;
  try {
    doc = parser.parse(xml, true);
  } catch {
    throw new CamtFormatError("not well-formed XML");
  }
  const root = child(doc, "Document", "BkToCstmrDbtCdtNtfctn");
  if (!root) throw new CamtFormatError("not a camt.054 notification");
  const credits: CamtCredit[] = [];
  for (const notification of list(root, "Ntfctn")) {
    for (const entry of list(notification, "Ntry")) {
      if (text(child(entry, "CdtDbtInd")) !== "CRDT") continue;
      const status = text(child(entry, "Sts")) ?? text(child(entry, "Sts", "Cd"));
      if (status && status !== "BOOK") continue;
      const bookedOn = (text(child(entry, "BookgDt", "Dt")) ?? text(child(entry, "BookgDt", "DtTm")))?.slice(0, 10) ?? null;
      const entryKey =
        text(child(entry, "AcctSvcrRef")) ?? text(child(entry, "NtryRef")) ?? `sha256:${createHash("sha256").update(JSON.stringify(entry)).digest("hex").slice(0, 32)}`;
      const details = list(entry, "NtryDtls").flatMap((d) => list(d, "TxDtls"));
      const entryAmount = amountOf(entry);
      if (details.length === 0) {
        if (entryAmount) credits.push({ entryReference: entryKey, reference: null, ...entryAmount, debtorName: null, bookedOn: validDay(bookedOn) });
        continue;
      }
      details.forEach((tx, i) => {
        if ((text(child(tx, "CdtDbtInd")) ?? "CRDT") !== "CRDT") return;
        const value = amountOf(tx) ?? (details.length === 1 ? entryAmount : null);
        if (!value) return;
        const txKey = text(child(tx, "Refs", "AcctSvcrRef"));
        const reference = list(child(tx, "RmtInf"), "Strd")
          .map((s) => text(child(s, "CdtrRefInf", "Ref")))
          .find((r) => !!r);
        credits.push({
          entryReference: txKey ? `${entryKey}/${txKey}` : `${entryKey}#${i + 1}`,
          reference: normalizeReference(reference),
          ...value,
          debtorName: text(child(tx, "RltdPties", "Dbtr", "Nm")) ?? text(child(tx, "RltdPties", "Dbtr", "Pty", "Nm")),
          bookedOn: validDay(bookedOn),
        });
      });
    }
  }
  return credits;
}

function validDay(day: string | null): string | null {
  return day && /^\d{4}-\d{2}-\d{2}$/.test(day) ? day : null;
}
