// C-6: the columns of a client export and how each row's values are formatted, shared by the
// XLSX and CSV writers (and the benchmark's baseline). Pure: no I/O.

export type ColumnKind = "text" | "date" | "amount" | "int" | "percent";

/** One column: its message key (header), kind, and width in the spreadsheet. */
export interface ExportColumn {
  key: string;
  kind: ColumnKind;
  width: number;
}

export const EXPORT_COLUMNS: readonly ExportColumn[] = [
  { key: "clientExports.col.client", kind: "text", width: 28 },
  { key: "clientExports.col.clientId", kind: "text", width: 38 },
  { key: "clientExports.col.payer", kind: "text", width: 12 },
  { key: "clientExports.col.invoice", kind: "text", width: 14 },
  { key: "clientExports.col.issued", kind: "date", width: 12 },
  { key: "clientExports.col.currency", kind: "text", width: 9 },
  { key: "clientExports.col.paymentState", kind: "text", width: 18 },
  { key: "clientExports.col.position", kind: "int", width: 8 },
  { key: "clientExports.col.description", kind: "text", width: 40 },
  { key: "clientExports.col.periodFrom", kind: "date", width: 12 },
  { key: "clientExports.col.periodTo", kind: "date", width: 12 },
  { key: "clientExports.col.quantity", kind: "int", width: 9 },
  { key: "clientExports.col.unitPrice", kind: "amount", width: 12 },
  { key: "clientExports.col.discount", kind: "amount", width: 12 },
  { key: "clientExports.col.lineNet", kind: "amount", width: 12 },
  { key: "clientExports.col.invoiceNet", kind: "amount", width: 12 },
  { key: "clientExports.col.vat", kind: "amount", width: 12 },
  { key: "clientExports.col.invoiceTotal", kind: "amount", width: 13 },
  { key: "clientExports.col.paid", kind: "amount", width: 12 },
  { key: "clientExports.col.credited", kind: "amount", width: 12 },
  { key: "clientExports.col.cashbackRate", kind: "percent", width: 10 },
  { key: "clientExports.col.cashback", kind: "amount", width: 12 },
];

export type PaymentState = "paid" | "partly_paid" | "open" | "credited" | "partly_credited";

/**
 * An invoice's payment state from its total, what was paid (`paid_by`) and what credit notes
 * gave back: a credit note covering the whole total makes it credited.
 */
export function paymentState(total: number, paid: number, credited: number): PaymentState {
  if (credited > 0) return credited >= total ? "credited" : "partly_credited";
  if (paid >= total) return "paid";
  return paid > 0 ? "partly_paid" : "open";
}

/**
 * A cell value before formatting: text, a day `YYYY-MM-DD` (date), minor units (amount), a
 * count (int) or basis points (percent); null is an empty cell.
 */
export type Cell = string | number | null;

/** Minor units as a decimal string with two places, exact (no binary fractions): -1234 → "-12.34". */
export function minorToDecimal(minor: number): string {
  const abs = Math.abs(minor);
  const units = Math.floor(abs / 100);
  const cents = abs - units * 100;
  return `${minor < 0 ? "-" : ""}${units}.${cents < 10 ? "0" : ""}${cents}`;
}

/** A day `YYYY-MM-DD` as a spreadsheet serial number (days since 1899-12-30). */
export function dayToSerial(day: string): number {
  const ms = Date.UTC(Number(day.slice(0, 4)), Number(day.slice(5, 7)) - 1, Number(day.slice(8, 10)));
  return ms / 86_400_000 + 25_569;
}
