import type { Client, Page } from "./app";

// The bank's side of the wire: ISO 20022 camt.054 credit notifications, as a Swiss bank
// sends them (camt.054.001.08; one entry per batch, one transaction detail per credit).

export interface CamtCreditInput {
  /** The bank's unique id of the credit (TxDtls/Refs/AcctSvcrRef). */
  id: string;
  /** Minor units. */
  amount: number;
  currency?: "CHF" | "EUR";
  /** The creditor reference the payer quoted (QR or RF reference); null: none. */
  reference: string | null;
  debtor?: string;
}

const xmlEscape = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
const major = (minor: number) => `${Math.floor(minor / 100)}.${String(minor % 100).padStart(2, "0")}`;

export function camt054(opts: { entryId: string; bookedOn?: string; credits: CamtCreditInput[]; debit?: { amount: number; currency?: "CHF" | "EUR" } }): string {
  const day = opts.bookedOn ?? "2027-03-02";
  const currency = opts.credits[0]?.currency ?? "CHF";
  const total = opts.credits.reduce((s, c) => s + c.amount, 0);
  const tx = opts.credits
    .map(
      (c) => `
          <TxDtls>
            <Refs><AcctSvcrRef>${xmlEscape(c.id)}</AcctSvcrRef><EndToEndId>NOTPROVIDED</EndToEndId></Refs>
            <Amt Ccy="${c.currency ?? currency}">${major(c.amount)}</Amt>
            <CdtDbtInd>CRDT</CdtDbtInd>
            <RltdPties><Dbtr><Pty><Nm>${xmlEscape(c.debtor ?? "Muster AG")}</Nm></Pty></Dbtr></RltdPties>
            ${
              c.reference
                ? `<RmtInf><Strd><CdtrRefInf><Tp><CdOrPrtry><Prtry>${c.reference.startsWith("RF") ? "SCOR" : "QRR"}</Prtry></CdOrPrtry></Tp><Ref>${xmlEscape(c.reference)}</Ref></CdtrRefInf></Strd></RmtInf>`
                : `<RmtInf><Ustrd>Payment</Ustrd></RmtInf>`
            }
          </TxDtls>`,
    )
    .join("");
  const debit = opts.debit
    ? `
      <Ntry>
        <Amt Ccy="${opts.debit.currency ?? currency}">${major(opts.debit.amount)}</Amt>
        <CdtDbtInd>DBIT</CdtDbtInd>
        <Sts><Cd>BOOK</Cd></Sts>
        <BookgDt><Dt>${day}</Dt></BookgDt>
        <AcctSvcrRef>${xmlEscape(opts.entryId)}-D</AcctSvcrRef>
      </Ntry>`
    : "";
  return `<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.054.001.08">
  <BkToCstmrDbtCdtNtfctn>
    <GrpHdr><MsgId>MSG-${xmlEscape(opts.entryId)}</MsgId><CreDtTm>${day}T18:00:00</CreDtTm></GrpHdr>
    <Ntfctn>
      <Id>N-${xmlEscape(opts.entryId)}</Id>
      <Acct><Id><IBAN>CH4431999123000889012</IBAN></Id></Acct>
      <Ntry>
        <Amt Ccy="${currency}">${major(total)}</Amt>
        <CdtDbtInd>CRDT</CdtDbtInd>
        <Sts><Cd>BOOK</Cd></Sts>
        <BookgDt><Dt>${day}</Dt></BookgDt>
        <ValDt><Dt>${day}</Dt></ValDt>
        <AcctSvcrRef>${xmlEscape(opts.entryId)}</AcctSvcrRef>
        <BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>RCDT</Cd><SubFmlyCd>VCOM</SubFmlyCd></Fmly></Domn></BkTxCd>
        <NtryDtls>${tx}
        </NtryDtls>
      </Ntry>${debit}
    </Ntfctn>
  </BkToCstmrDbtCdtNtfctn>
</Document>
`;
}

/** Uploads a camt.054 file through the back office's real import form (multipart). */
export function uploadCamt(client: Client, xml: string, name = "camt054.xml"): Promise<Page> {
  const form = new FormData();
  form.append("intent", "import");
  form.append("file", new Blob([xml], { type: "application/xml" }), name);
  return client.request("/backoffice/transfers", { method: "POST", body: form });
}
