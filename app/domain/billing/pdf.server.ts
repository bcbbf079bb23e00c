import PDFDocument from "pdfkit";

/** An A4 document of the billing PDFs and the Buffer it becomes once `doc.end()` is called. */
export function startBillingPdf(title: string, compress = true): { doc: PDFKit.PDFDocument; done: Promise<Buffer> } {
  const doc = new PDFDocument({ size: "A4", margin: 50, compress, info: { Title: title } });
  const chunks: Buffer[] = [];
  doc.on("data", (c: Buffer) => chunks.push(c));
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on("end", () => resolve(Buffer.concat(chunks)));
    doc.on("error", reject);
  });
  return { doc, done };
}

export interface BillToAddress {
  name: string;
  street?: string | null;
  postalCode?: string | null;
  city?: string | null;
  country: string;
}

/** The recipient block of invoices, credit notes and proformas. */
export function writeBillTo(doc: PDFKit.PDFDocument, heading: string, to: BillToAddress): void {
  doc.moveDown().font("Helvetica-Bold").text(heading).font("Helvetica");
  doc.text(to.name);
  if (to.street) doc.text(to.street);
  doc.text([to.postalCode, to.city].filter(Boolean).join(" "));
  doc.text(to.country);
}
