import { describe, expect, it } from "vitest";
import { pagedTotal } from "../../app/lib/paging";

describe("paged totals", () => {
  const counted = (n: number) => {
    const calls = { n: 0 };
    return { calls, count: async () => (calls.n++, n) };
  };

  it("a page with fewer rows than its size is the last one: the total needs no count", async () => {
    const first = counted(999);
    expect(await pagedTotal(0, 50, 7, first.count)).toBe(7);
    const third = counted(999);
    expect(await pagedTotal(100, 50, 12, third.count)).toBe(112);
    expect(first.calls.n + third.calls.n).toBe(0);
  });

  it("an empty first page means none; a full page or an empty page past the first is counted", async () => {
    const none = counted(999);
    expect(await pagedTotal(0, 50, 0, none.count)).toBe(0);
    expect(none.calls.n).toBe(0);
    const full = counted(1000);
    expect(await pagedTotal(50, 50, 50, full.count)).toBe(1000);
    const past = counted(60);
    expect(await pagedTotal(200, 50, 0, past.count)).toBe(60);
    expect(full.calls.n + past.calls.n).toBe(2);
  });
});
