import { startBillingPdf, writeBillTo } from "./pdf.server";
import type { InvoiceDocument } from "./invoices.server";
import { formatMoney } from "./money";

// B-11: the invoice as a PDF, in the language it was issued in.
const TEXT = {
  en: { invoice: "Invoice", date: "Date", billTo: "Bill to", item: "Product", period: "Period", unit: "Unit price", discount: "Discount", net: "Net", subtotal: "Net total", vat: "VAT", total: "Total", paidBy: "Paid by", reverse: "Reverse charge: VAT to be accounted for by the recipient.", vatId: "VAT id", creditNote: "Credit note", refersTo: "Corrects invoice", reason: "Reason", toPrepaid: "Credited to your prepaid balance" },
  de: { invoice: "Rechnung", date: "Datum", billTo: "Rechnung an", item: "Produkt", period: "Zeitraum", unit: "Einzelpreis", discount: "Rabatt", net: "Netto", subtotal: "Total netto", vat: "MWST", total: "Total", paidBy: "Bezahlt mit", reverse: "Steuerschuldnerschaft des Leistungsempfängers (Reverse Charge).", vatId: "USt-IdNr.", creditNote: "Gutschrift", refersTo: "Korrigiert Rechnung", reason: "Grund", toPrepaid: "Ihrem Prepaid-Guthaben gutgeschrieben" },
  fr: { invoice: "Facture", date: "Date", billTo: "Facturé à", item: "Produit", period: "Période", unit: "Prix unitaire", discount: "Rabais", net: "Net", subtotal: "Total net", vat: "TVA", total: "Total", paidBy: "Payé par", reverse: "Autoliquidation : TVA due par le preneur.", vatId: "N° TVA", creditNote: "Note de crédit", refersTo: "Corrige la facture", reason: "Motif", toPrepaid: "Crédité sur votre solde prépayé" },
} as const;

const METHOD = { visa: "Visa", mastercard: "Mastercard", cb: "CB", postfinance: "PostFinance Card", paypal: "PayPal", twint: "TWINT", prepaid: "Prepaid", iban: "IBAN" } as const;

/** B-11: the invoice (or, with `credit`, a credit note correcting one) as a PDF. */
export function renderInvoicePdf(inv: InvoiceDocument, opts: { compress?: boolean; credit?: { invoiceNumber: string; reason: string } } = {}): Promise<Buffer> {
  const t = TEXT[inv.language];
  const title = opts.credit ? t.creditNote : t.invoice;
  const locale = `${inv.language}-CH`;
  const m = (amount: number) => formatMoney(amount, inv.currency, locale);
  const d = (date: Date) => new Intl.DateTimeFormat(locale, { dateStyle: "medium", timeZone: "Europe/Zurich" }).format(date);
  const { doc, done } = startBillingPdf(`${title} ${inv.number}`, opts.compress ?? true);

  doc.fontSize(18).text(`${title} ${inv.number}`);
  doc.fontSize(10).moveDown(0.5).text(`${t.date}: ${d(inv.issuedAt)}`);
  if (opts.credit) {
    doc.text(`${t.refersTo} ${opts.credit.invoiceNumber}`);
    doc.text(`${t.reason}: ${opts.credit.reason}`);
  }
  writeBillTo(doc, t.billTo, inv.billTo);
  if (inv.billTo.vatId) doc.text(`${t.vatId}: ${inv.billTo.vatId}`);
  doc.moveDown();

  const cols = [50, 230, 330, 400, 470];
  const row = (cells: string[], bold = false) => {
    const y = doc.y;
    doc.font(bold ? "Helvetica-Bold" : "Helvetica");
    cells.forEach((c, i) => doc.text(c, cols[i], y, { width: (cols[i + 1] ?? 545) - cols[i] - 5 }));
    doc.moveDown(0.5);
    doc.x = 50;
  };
  row([t.item, t.period, t.unit, t.discount, t.net], true);
  for (const l of inv.lines) {
    const period = l.periodFrom && l.periodTo ? `${d(l.periodFrom)} – ${d(l.periodTo)}` : "";
    row([l.description, period, `${l.quantity} × ${m(l.unitAmount)}`, m(l.discountAmount), m(l.netAmount)]);
  }
  doc.moveDown();
  doc.font("Helvetica").text(`${t.subtotal}: ${m(inv.netAmount)}`, 50);
  doc.text(`${t.vat} ${(inv.vatRateBp / 100).toFixed(1)} %: ${m(inv.vatAmount)}`);
  if (inv.reverseCharge) doc.text(t.reverse);
  doc.font("Helvetica-Bold").text(`${t.total}: ${m(inv.totalAmount)}`).font("Helvetica");
  doc.moveDown();
  for (const p of inv.paidBy) doc.text(`${t.paidBy} ${METHOD[p.method]}: ${m(p.amount)}`);
  if (opts.credit) doc.text(`${t.toPrepaid}: ${m(-inv.totalAmount)}`);
  doc.end();
  return done;
}
