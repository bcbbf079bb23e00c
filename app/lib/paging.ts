// Page arithmetic shared by the paginated lists (limits and offsets stay with each query).

/** A requested page number made safe: a whole number, at least 1 (junk means page 1). */
export function pageNumber(value: number | undefined): number {
  return Math.max(1, Math.floor(Number.isFinite(value) ? value! : 1));
}

/** How many pages `total` rows fill; an empty list still has one page. */
export function pageCount(total: number, size: number): number {
  return Math.max(1, Math.ceil(total / size));
}
