import { startBillingPdf, writeBillTo } from "./pdf.server";
import QRCode from "qrcode";
import { SwissQRBill } from "swissqrbill/pdf";
import type { Data as QrBillData } from "swissqrbill/types";
import { formatIBAN, formatReference } from "swissqrbill/utils";
import { config } from "../../config.server";
import type { ProformaDocument } from "./bank-transfers.server";
import { formatMoney } from "./money";

// B-6/B-8/B-10: the proforma of an order paid by IBAN transfer, in the order's language:
// what is due, where to send it and the reference to quote; a Swiss QR-bill for CHF and an
// EPC (SEPA credit transfer) QR code for EUR. Bank fees are the payer's.
const TEXT = {
  en: {
    title: "Proforma invoice",
    date: "Date",
    billTo: "Bill to",
    item: "Product",
    unit: "Unit price",
    discount: "Discount",
    net: "Net",
    subtotal: "Net total",
    vat: "VAT",
    total: "Total",
    reverse: "Reverse charge: VAT to be accounted for by the recipient.",
    notInvoice: "This proforma is not an invoice. The numbered invoice is issued when your transfer has arrived; your products are renewed then.",
    payTo: "Please transfer",
    account: "IBAN",
    bic: "BIC",
    beneficiary: "Beneficiary",
    reference: "Reference (please quote it)",
    fees: "All bank fees are borne by the payer: the amount above must reach us in full.",
    epc: "Scan the QR code with your banking app (EPC SEPA credit transfer).",
  },
  de: {
    title: "Proforma-Rechnung",
    date: "Datum",
    billTo: "Rechnung an",
    item: "Produkt",
    unit: "Einzelpreis",
    discount: "Rabatt",
    net: "Netto",
    subtotal: "Total netto",
    vat: "MWST",
    total: "Total",
    reverse: "Steuerschuldnerschaft des Leistungsempfängers (Reverse Charge).",
    notInvoice: "Diese Proforma ist keine Rechnung. Die nummerierte Rechnung folgt, sobald Ihre Überweisung eingegangen ist; dann werden Ihre Produkte verlängert.",
    payTo: "Bitte überweisen Sie",
    account: "IBAN",
    bic: "BIC",
    beneficiary: "Empfänger",
    reference: "Referenz (bitte angeben)",
    fees: "Alle Bankgebühren (bank fees) gehen zulasten des Zahlers: der Betrag muss vollständig bei uns eintreffen.",
    epc: "Scannen Sie den QR-Code mit Ihrer Banking-App (EPC SEPA-Überweisung).",
  },
  fr: {
    title: "Facture proforma",
    date: "Date",
    billTo: "Facturé à",
    item: "Produit",
    unit: "Prix unitaire",
    discount: "Rabais",
    net: "Net",
    subtotal: "Total net",
    vat: "TVA",
    total: "Total",
    reverse: "Autoliquidation : TVA due par le preneur.",
    notInvoice: "Cette proforma n'est pas une facture. La facture numérotée est émise à réception de votre virement ; vos produits sont alors renouvelés.",
    payTo: "Veuillez virer",
    account: "IBAN",
    bic: "BIC",
    beneficiary: "Bénéficiaire",
    reference: "Référence (à indiquer)",
    fees: "Tous les frais bancaires (bank fees) sont à la charge du payeur : le montant doit nous parvenir en entier.",
    epc: "Scannez le code QR avec votre application bancaire (virement SEPA EPC).",
  },
} as const;

const QR_BILL_LANGUAGE = { en: "EN", de: "DE", fr: "FR" } as const;

/**
 * The EPC069-12 payload (version 002, UTF-8) of a SEPA credit transfer: one field per line,
 * the structured creditor reference in its own field, trailing empty fields left out.
 */
export function epcPayload(p: { bic: string; name: string; iban: string; amount: number; reference: string }): string {
  const amount = `EUR${Math.floor(p.amount / 100)}.${String(p.amount % 100).padStart(2, "0")}`;
  return ["BCD", "002", "1", "SCT", p.bic, p.name.slice(0, 70), p.iban, amount, "", p.reference].join("\n");
}

export async function renderProformaPdf(pf: ProformaDocument, opts: { compress?: boolean } = {}): Promise<Buffer> {
  const t = TEXT[pf.language];
  const locale = `${pf.language}-CH`;
  const bank = config.bankCreditor;
  const m = (amount: number) => formatMoney(amount, pf.currency, locale);
  const d = (date: Date) => new Intl.DateTimeFormat(locale, { dateStyle: "medium", timeZone: "Europe/Zurich" }).format(date);
  const epcPng =
    pf.currency === "EUR"
      ? await QRCode.toBuffer(epcPayload({ bic: bank.eurBic, name: bank.name, iban: pf.creditorIban, amount: pf.amount, reference: pf.reference }), {
          type: "png",
          errorCorrectionLevel: "M",
          margin: 2,
          width: 300,
        })
      : null;

  const { doc, done } = startBillingPdf(`${t.title} ${pf.number}`, opts.compress ?? true);

  doc.fontSize(18).text(`${t.title} ${pf.number}`);
  doc.fontSize(10).moveDown(0.5).text(`${t.date}: ${d(pf.issuedAt)}`);
  writeBillTo(doc, t.billTo, pf.billTo);
  doc.moveDown();

  const cols = [50, 300, 400, 470];
  const row = (cells: string[], bold = false) => {
    const y = doc.y;
    doc.font(bold ? "Helvetica-Bold" : "Helvetica");
    cells.forEach((c, i) => doc.text(c, cols[i], y, { width: (cols[i + 1] ?? 545) - cols[i] - 5 }));
    doc.moveDown(0.5);
    doc.x = 50;
  };
  row([t.item, t.unit, t.discount, t.net], true);
  for (const l of pf.lines) row([l.description, `${l.quantity} × ${m(l.unitAmount)}`, m(l.discountAmount), m(l.netAmount)]);
  doc.moveDown();
  doc.font("Helvetica").text(`${t.subtotal}: ${m(pf.netAmount)}`, 50);
  doc.text(`${t.vat} ${(pf.vatRateBp / 100).toFixed(1)} %: ${m(pf.vatAmount)}`);
  if (pf.reverseCharge) doc.text(t.reverse);
  doc.font("Helvetica-Bold").text(`${t.total}: ${m(pf.totalAmount)}`).font("Helvetica");
  doc.moveDown();
  doc.text(t.notInvoice);
  doc.moveDown();
  doc.font("Helvetica-Bold").text(`${t.payTo}: ${m(pf.amount)}`).font("Helvetica");
  doc.text(`${t.beneficiary}: ${bank.name}, ${bank.address}, ${bank.zip} ${bank.city}`);
  doc.text(`${t.account}: ${formatIBAN(pf.creditorIban)}`);
  if (pf.currency === "EUR") doc.text(`${t.bic}: ${bank.eurBic}`);
  doc.text(`${t.reference}: ${formatReference(pf.reference)}`);
  doc.moveDown(0.5).text(t.fees);

  if (epcPng) {
    doc.moveDown().text(t.epc);
    doc.image(epcPng, 50, doc.y + 5, { fit: [150, 150] });
  } else {
    const debtor = pf.billTo.street && pf.billTo.postalCode && pf.billTo.city ? { name: pf.billTo.name, address: pf.billTo.street, zip: pf.billTo.postalCode, city: pf.billTo.city, country: pf.billTo.country } : undefined;
    const data: QrBillData = {
      currency: "CHF",
      amount: pf.amount / 100,
      reference: pf.reference,
      creditor: { account: pf.creditorIban, name: bank.name, address: bank.address, zip: bank.zip, city: bank.city, country: bank.country },
      ...(debtor ? { debtor } : {}),
      message: `${t.title} ${pf.number}`,
    };
    new SwissQRBill(data, { language: QR_BILL_LANGUAGE[pf.language] }).attachTo(doc);
  }
  doc.end();
  return done;
}
