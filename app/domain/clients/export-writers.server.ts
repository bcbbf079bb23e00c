import { once } from "node:events";
import { createWriteStream, type WriteStream } from "node:fs";
import ExcelJS from "exceljs";
import { dayToSerial, minorToDecimal, type Cell, type ColumnKind, type ExportColumn } from "./export-format";

// C-6: streaming writers for a client export. Rows are written chunk by chunk and each chunk
// waits until the file has taken the previous bytes (ExcelJS itself ignores backpressure), so
// memory stays flat however many rows there are.

export interface ExportWriter {
  writeRows(rows: Cell[][]): Promise<void>;
  /** Flushes and closes the file. */
  finish(): Promise<void>;
}

const NUM_FMT: Partial<Record<ColumnKind, string>> = { date: "yyyy-mm-dd", amount: "#,##0.00", percent: "0.00%" };

/** The ExcelJS column definitions of an export (the benchmark's baseline uses the same). */
export function xlsxColumns(columns: readonly ExportColumn[], headers: string[]): Array<Partial<ExcelJS.Column>> {
  return columns.map((c, i) => ({ header: headers[i], width: c.width }));
}

/**
 * One style object per column, shared by all its cells: ExcelJS caches a style's id by object,
 * so a shared object is resolved once instead of once per cell (which doubled the writing time).
 */
export function xlsxCellStyles(columns: readonly ExportColumn[]): Array<Partial<ExcelJS.Style>> {
  return columns.map((c) => (NUM_FMT[c.kind] ? { numFmt: NUM_FMT[c.kind] } : {}));
}

/** The workbook options of an export: streaming, inline strings, styles for number formats. */
export function xlsxWorkbook(stream: WriteStream) {
  return new ExcelJS.stream.xlsx.WorkbookWriter({ stream, useStyles: true, useSharedStrings: false });
}

/** Appends and commits one row of final cell values, each cell with its column's shared style. */
export function appendXlsxRow(sheet: ExcelJS.Worksheet, values: Array<string | number | null>, styles: Array<Partial<ExcelJS.Style>>): void {
  const row = sheet.addRow(values);
  for (let i = 0; i < values.length; i++) if (values[i] !== null) row.getCell(i + 1).style = styles[i];
  row.commit();
}

/** Bytes of the sheet's XML that the zip has not compressed yet, above which the writer waits. */
const ZIP_BACKLOG_LIMIT = 1024 * 1024;

/**
 * Waits until the file and the zip have taken what was written. ExcelJS writes the sheet's XML
 * into the zip entry without looking at backpressure; when deflating is slower than writing
 * rows (a busy machine), the XML piles up in memory. ExcelJS (pinned at 4.4.0) exposes no API
 * for it, so this reads the entry's buffered length from its pipe.
 */
export async function xlsxBackpressure(sheet: ExcelJS.Worksheet, out: WriteStream): Promise<void> {
  const pipes = (sheet as unknown as { stream?: { pipes?: Array<{ _readableState?: { length: number }; _writableState?: { length: number } }> } }).stream?.pipes ?? [];
  for (const entry of pipes) {
    while ((entry._readableState?.length ?? 0) + (entry._writableState?.length ?? 0) > ZIP_BACKLOG_LIMIT) {
      await new Promise((r) => setTimeout(r, 2));
    }
  }
  await drained(out);
}

async function drained(out: WriteStream): Promise<void> {
  if (out.writableNeedDrain) await once(out, "drain");
}

export function xlsxWriter(path: string, sheetName: string, columns: readonly ExportColumn[], headers: string[]): ExportWriter {
  const out = createWriteStream(path);
  const workbook = xlsxWorkbook(out);
  const sheet = workbook.addWorksheet(sheetName, { views: [{ state: "frozen", ySplit: 1 }] });
  sheet.columns = xlsxColumns(columns, headers);
  const styles = xlsxCellStyles(columns);
  const kinds = columns.map((c) => c.kind);
  return {
    async writeRows(rows) {
      for (const row of rows) {
        // The row is the writer's to consume: converted in place (one array less per row).
        for (let i = 0; i < kinds.length; i++) row[i] = xlsxValue(kinds[i], row[i]);
        appendXlsxRow(sheet, row, styles);
      }
      await xlsxBackpressure(sheet, out);
    },
    async finish() {
      sheet.commit();
      await workbook.commit();
    },
  };
}

function xlsxValue(kind: ColumnKind, value: Cell): string | number | null {
  if (value === null) return null;
  switch (kind) {
    case "date":
      return dayToSerial(value as string);
    case "amount":
      return (value as number) / 100;
    case "percent":
      return (value as number) / 10_000;
    default:
      return value;
  }
}

/**
 * CSV for spreadsheets: UTF-8 with a byte order mark (so Excel reads the umlauts), `;` between
 * fields (what Excel expects in Swiss, German and French settings), CRLF line ends, RFC 4180
 * quoting. Text that a spreadsheet would run as a formula (= + - @ at the start) is prefixed
 * with an apostrophe (OWASP's advice against CSV injection). Amounts are decimals with a point.
 */
export function csvWriter(path: string, columns: readonly ExportColumn[], headers: string[]): ExportWriter {
  const out = createWriteStream(path);
  const kinds = columns.map((c) => c.kind);
  out.write("\uFEFF" + headers.map((h) => csvText(h)).join(";") + "\r\n");
  return {
    async writeRows(rows) {
      let chunk = "";
      for (const row of rows) {
        for (let i = 0; i < kinds.length; i++) {
          if (i > 0) chunk += ";";
          chunk += csvValue(kinds[i], row[i]);
        }
        chunk += "\r\n";
      }
      if (!out.write(chunk)) await once(out, "drain");
    },
    async finish() {
      out.end();
      await once(out, "finish");
    },
  };
}

function csvValue(kind: ColumnKind, value: Cell): string {
  if (value === null) return "";
  switch (kind) {
    case "amount":
    case "percent":
      // Percent values are basis points: 1500 → "15.00" (the header says %).
      return minorToDecimal(value as number);
    case "int":
      return String(value);
    default:
      return csvText(String(value));
  }
}

const NEEDS_QUOTES = /[;"\r\n]|^\s|\s$/;
const FORMULA_START = /^[=+\-@\t\r]/;

/** One CSV text field: formula-looking text defused, quoted when it has to be. */
export function csvText(text: string): string {
  const safe = FORMULA_START.test(text) ? `'${text}` : text;
  return NEEDS_QUOTES.test(safe) || safe.includes(",") ? `"${safe.replace(/"/g, '""')}"` : safe;
}
