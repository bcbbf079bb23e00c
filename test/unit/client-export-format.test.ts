import { describe, expect, it } from "vitest";
import { dayToSerial, minorToDecimal, paymentState } from "../../app/domain/clients/export-format";
import { csvText } from "../../app/domain/clients/export-writers.server";

// C-6: the pure parts of an export's formatting.
describe("client export formatting", () => {
  it("C-6: amounts in minor units become exact decimals with two places", () => {
    expect(minorToDecimal(0)).toBe("0.00");
    expect(minorToDecimal(5)).toBe("0.05");
    expect(minorToDecimal(1990)).toBe("19.90");
    expect(minorToDecimal(123456789)).toBe("1234567.89");
    expect(minorToDecimal(-1719)).toBe("-17.19");
    expect(minorToDecimal(9_007_199_254_740_991)).toBe("90071992547409.91");
  });

  it("C-6: a day becomes the spreadsheet's serial number", () => {
    expect(dayToSerial("1900-03-01")).toBe(61);
    expect(dayToSerial("2026-02-10")).toBe(46063);
  });

  it("C-6: the payment state follows what was paid and credited", () => {
    expect(paymentState(1000, 1000, 0)).toBe("paid");
    expect(paymentState(1000, 400, 0)).toBe("partly_paid");
    expect(paymentState(1000, 0, 0)).toBe("open");
    expect(paymentState(1000, 1000, 1000)).toBe("credited");
    expect(paymentState(1000, 1000, 300)).toBe("partly_credited");
    expect(paymentState(0, 0, 0)).toBe("paid");
  });

  it("C-6: CSV text fields are quoted when needed and formulas are defused", () => {
    expect(csvText("Plain")).toBe("Plain");
    expect(csvText("Müller & Söhne")).toBe("Müller & Söhne");
    expect(csvText('Say "hi"; bye')).toBe('"Say ""hi""; bye"');
    expect(csvText("a, b")).toBe('"a, b"');
    expect(csvText("two\nlines")).toBe('"two\nlines"');
    expect(csvText(" padded")).toBe('" padded"');
    expect(csvText("=1+2")).toBe("'=1+2");
    expect(csvText("+41 44 000 00 00")).toBe("'+41 44 000 00 00");
    expect(csvText("-cmd")).toBe("'-cmd");
    expect(csvText("@SUM(A1)")).toBe("'@SUM(A1)");
  });
});
