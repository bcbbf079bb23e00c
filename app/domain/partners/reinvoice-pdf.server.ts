import { startBillingPdf, writeBillTo } from "../billing/pdf.server";
import { formatMoney } from "../billing/money";
import type { ReinvoiceDocument } from "./reinvoices.server";

// C-5: the partner's own invoice to its client as a PDF, in the language it was issued in. The
// partner is the issuer (name, address, VAT id at the top); the provider is not named.
const TEXT = {
  en: { invoice: "Invoice", date: "Date", from: "From", billTo: "Bill to", item: "Description", period: "Period", qty: "Qty", unit: "Unit price", net: "Amount", subtotal: "Net total", vat: "VAT", total: "Total", vatId: "VAT id" },
  de: { invoice: "Rechnung", date: "Datum", from: "Von", billTo: "Rechnung an", item: "Beschreibung", period: "Zeitraum", qty: "Menge", unit: "Einzelpreis", net: "Betrag", subtotal: "Total netto", vat: "MWST", total: "Total", vatId: "MWST-Nr." },
  fr: { invoice: "Facture", date: "Date", from: "De", billTo: "Facturé à", item: "Description", period: "Période", qty: "Qté", unit: "Prix unitaire", net: "Montant", subtotal: "Total net", vat: "TVA", total: "Total", vatId: "N° TVA" },
} as const;

export function renderReinvoicePdf(doc_: ReinvoiceDocument, opts: { compress?: boolean } = {}): Promise<Buffer> {
  const t = TEXT[doc_.language];
  const locale = `${doc_.language}-CH`;
  const m = (amount: number) => formatMoney(amount, doc_.currency, locale);
  const d = (date: Date) => new Intl.DateTimeFormat(locale, { dateStyle: "medium", timeZone: "Europe/Zurich" }).format(date);
  const { doc, done } = startBillingPdf(`${t.invoice} ${doc_.number}`, opts.compress ?? true);

  writeBillTo(doc, t.from, doc_.issuer);
  if (doc_.issuer.vatId) doc.text(`${t.vatId}: ${doc_.issuer.vatId}`);
  doc.moveDown();
  doc.fontSize(18).text(`${t.invoice} ${doc_.number}`);
  doc.fontSize(10).moveDown(0.5).text(`${t.date}: ${d(doc_.issuedAt)}`);
  writeBillTo(doc, t.billTo, doc_.billTo);
  if (doc_.billTo.vatId) doc.text(`${t.vatId}: ${doc_.billTo.vatId}`);
  doc.moveDown();

  const cols = [50, 230, 340, 380, 470];
  const row = (cells: string[], bold = false) => {
    const y = doc.y;
    doc.font(bold ? "Helvetica-Bold" : "Helvetica");
    cells.forEach((c, i) => doc.text(c, cols[i], y, { width: (cols[i + 1] ?? 545) - cols[i] - 5 }));
    doc.moveDown(0.5);
    doc.x = 50;
  };
  row([t.item, t.period, t.qty, t.unit, t.net], true);
  for (const l of doc_.lines) {
    const period = l.periodFrom && l.periodTo ? `${d(l.periodFrom)} – ${d(l.periodTo)}` : l.periodFrom ? d(l.periodFrom) : "";
    row([l.description, period, String(l.quantity), m(l.unitAmount), m(l.netAmount)]);
  }
  doc.moveDown();
  doc.font("Helvetica").text(`${t.subtotal}: ${m(doc_.netAmount)}`, 50);
  doc.text(`${t.vat} ${String(doc_.vatRateBp / 100)} %: ${m(doc_.vatAmount)}`);
  doc.font("Helvetica-Bold").text(`${t.total}: ${m(doc_.totalAmount)}`).font("Helvetica");
  doc.end();
  return done;
}
