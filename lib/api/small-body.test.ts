import { describe, expect, it } from "vitest";
import { COMPRESS_MIN_BYTES, textBody } from "./small-body";
import { json } from "./request-helpers";
import { ApiError, errorResponse } from "./errors";

describe("small answers are not gzipped", () => {
  it("says no-transform under the threshold only, keeping any cache-control already set", () => {
    const small = new Headers();
    expect(textBody("x".repeat(COMPRESS_MIN_BYTES - 1), small)).toHaveLength(COMPRESS_MIN_BYTES - 1);
    expect(small.get("cache-control")).toBe("no-transform");
    const large = new Headers();
    textBody("x".repeat(COMPRESS_MIN_BYTES), large);
    expect(large.get("cache-control")).toBeNull();
    const kept = new Headers({ "cache-control": "no-store" });
    textBody("{}", kept);
    expect(kept.get("cache-control")).toBe("no-store, no-transform");
  });

  it("json() and error answers use it", async () => {
    expect(json({ ok: true }).headers.get("cache-control")).toBe("no-transform");
    const big = json({ data: "y".repeat(5000) });
    expect(big.headers.get("cache-control")).toBeNull();
    expect((await big.json()).data).toHaveLength(5000);
    expect(errorResponse(new ApiError("invalid_request", "nope")).headers.get("cache-control")).toBe("no-transform");
  });
});
