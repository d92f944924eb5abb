import { describe, expect, it } from "vitest";
import { HeadroomBook, headroomFor } from "./headroom";

const WINDOW = 60_000;
const RESET = 1_700_000_100_000; // a minute boundary
const answer = (remaining: number, resetMs = RESET) => ({ remaining, resetUnixSeconds: resetMs / 1000 });

describe("headroom", () => {
  it("keeps a tenth of the limit (at least 3) unpromised", () => {
    expect([1, 10, 30, 60, 300].map(headroomFor)).toEqual([3, 3, 3, 6, 30]);
  });

  it("an identifier seen for the first time waits for the store", () => {
    const book = new HeadroomBook();
    expect(book.admit("key:a", 100, WINDOW, RESET - 30_000)).toBeNull();
  });

  it("admits without waiting while what is left after the request stays at or above the headroom", () => {
    const book = new HeadroomBook();
    book.learn("key:a", 30, WINDOW, answer(10), undefined);
    const t = RESET - 30_000;
    // 10 left, headroom 3: 7 go on at once (10-1 … 10-7 = 3 left), the 8th waits.
    const admitted = Array.from({ length: 8 }, () => book.admit("key:a", 30, WINDOW, t));
    expect(admitted.filter(Boolean)).toHaveLength(7);
    expect(admitted[7]).toBeNull();
    expect(book.get("key:a")).toMatchObject({ remaining: 10, unconfirmed: 7 });
  });

  it("does not admit on another limit (tier change), another window length, or once the window is over", () => {
    const book = new HeadroomBook();
    book.learn("key:a", 300, WINDOW, answer(200), undefined);
    expect(book.admit("key:a", 10, WINDOW, RESET - 1)).toBeNull();
    expect(book.admit("key:a", 300, 2000, RESET - 1)).toBeNull();
    expect(book.admit("key:a", 300, WINDOW, RESET)).toBeNull();
    expect(book.admit("key:a", 300, WINDOW, RESET - 1)).not.toBeNull();
  });

  it("confirmations free the unconfirmed count and take in the store's (lowest) answer", () => {
    const book = new HeadroomBook();
    book.learn("key:a", 100, WINDOW, answer(90), undefined);
    const e = book.admit("key:a", 100, WINDOW, RESET - 1)!;
    book.admit("key:a", 100, WINDOW, RESET - 1);
    book.confirm(e, 2, answer(80)); // another instance used some meanwhile
    expect(book.get("key:a")).toMatchObject({ remaining: 80, unconfirmed: 0 });
    book.confirm(e, 0, answer(85)); // an older answer arriving late: a window's count never drops
    expect(book.get("key:a")!.remaining).toBe(80);
  });

  it("ignores answers the store did not give (degraded), and dropped batches only free the count", () => {
    const book = new HeadroomBook();
    book.learn("key:a", 100, WINDOW, { ...answer(100), degraded: true }, undefined);
    expect(book.get("key:a")).toBeUndefined();
    book.learn("key:a", 100, WINDOW, answer(50), undefined);
    const e = book.admit("key:a", 100, WINDOW, RESET - 1)!;
    book.confirm(e, 1, null);
    expect(book.get("key:a")).toMatchObject({ remaining: 50, unconfirmed: 0 });
  });

  it("a new window replaces the record; a late answer for an older window does not", () => {
    const book = new HeadroomBook();
    book.learn("key:a", 100, WINDOW, answer(5), undefined);
    book.learn("key:a", 100, WINDOW, answer(99, RESET + WINDOW), undefined);
    expect(book.get("key:a")).toMatchObject({ remaining: 99, resetMs: RESET + WINDOW });
    book.learn("key:a", 100, WINDOW, answer(1), undefined);
    expect(book.get("key:a")).toMatchObject({ remaining: 99, resetMs: RESET + WINDOW });
  });

  it("starts over past its size bound instead of growing without end", () => {
    const book = new HeadroomBook(3);
    for (const id of ["a", "b", "c", "d"]) book.learn(id, 100, WINDOW, answer(50), undefined);
    expect(book.get("a")).toBeUndefined();
    expect(book.get("d")).toBeDefined();
  });
});
