// Page arithmetic shared by the paginated lists (limits and offsets stay with each query).

/** A requested page number made safe: a whole number, at least 1 (junk means page 1). */
export function pageNumber(value: number | undefined): number {
  return Math.max(1, Math.floor(Number.isFinite(value) ? value! : 1));
}

/** How many pages `total` rows fill; an empty list still has one page. */
export function pageCount(total: number, size: number): number {
  return Math.max(1, Math.ceil(total / size));
}

/**
 * The total of a paged list, read from the page itself when it can be: a page with some rows
 * but fewer than `size` is the last one (total = offset + rows), an empty first page means
 * none. Only a full page (or an empty one past the first) needs `count`, a second query.
 */
export async function pagedTotal(offset: number, size: number, rows: number, count: () => Promise<number>): Promise<number> {
  if (rows > 0 && rows < size) return offset + rows;
  if (rows === 0 && offset === 0) return 0;
  return count();
}
