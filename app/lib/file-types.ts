// File types are decided by their first bytes ("magic numbers"), never by the name or the
// type the browser claims: a renamed executable stays refused.
export type SniffedType = "image/png" | "image/jpeg" | "application/pdf";

const SIGNATURES: Array<{ type: SniffedType; bytes: number[] }> = [
  { type: "image/png", bytes: [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a] },
  { type: "image/jpeg", bytes: [0xff, 0xd8, 0xff] },
  { type: "application/pdf", bytes: [0x25, 0x50, 0x44, 0x46, 0x2d] }, // %PDF-
];

export function sniffType(data: Uint8Array): SniffedType | null {
  for (const sig of SIGNATURES) {
    if (data.length >= sig.bytes.length && sig.bytes.every((b, i) => data[i] === b)) return sig.type;
  }
  return null;
}

export const EXTENSION: Record<SniffedType, string> = { "image/png": "png", "image/jpeg": "jpg", "application/pdf": "pdf" };

/** A file name safe to keep and show: no path, no control characters, at most 200 characters. */
export function safeFileName(name: string, type: SniffedType): string {
  const base = name.split(/[\\/]/).pop() ?? "";
  const cleaned = base.replace(/[^\p{L}\p{N}._ -]/gu, "_").trim().slice(0, 200);
  return cleaned.length > 0 ? cleaned : `file.${EXTENSION[type]}`;
}
