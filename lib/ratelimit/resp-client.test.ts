import { createHash } from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { LuaCompat } from "./lua-compat";
import { RespError, parseReply, type RespValue } from "./resp-client";

// How a Redis server would write a reply, to feed the parser.
function serverEncode(v: RespValue): string {
  if (v === null) return "$-1\r\n";
  if (v instanceof RespError) return `-${v.message}\r\n`;
  if (typeof v === "number") return `:${v}\r\n`;
  if (typeof v === "string") return `$${Buffer.byteLength(v)}\r\n${v}\r\n`;
  return `*${v.length}\r\n${v.map(serverEncode).join("")}`;
}

const value: fc.Arbitrary<RespValue> = fc.letrec<{ v: RespValue }>((tie) => ({
  v: fc.oneof(
    { depthSize: "small" },
    fc.constant(null),
    fc.integer(),
    fc.string({ unit: "grapheme" }), // includes \r\n and multi-byte characters
    fc.array(tie("v"), { maxLength: 5 }),
  ),
})).v;

describe("RESP parser", () => {
  it("reads any reply whole, and nothing from a truncated one", () => {
    fc.assert(
      fc.property(value, fc.nat(), (v, cut) => {
        const buf = Buffer.from(serverEncode(v));
        expect(parseReply(buf, 0)).toEqual({ value: v, end: buf.length });
        const at = cut % buf.length; // a strict prefix
        expect(parseReply(buf.subarray(0, at), 0)).toBeNull();
      }),
    );
  });

  it("reads simple strings, errors and nil arrays", () => {
    expect(parseReply(Buffer.from("+OK\r\n"), 0)).toEqual({ value: "OK", end: 5 });
    const err = parseReply(Buffer.from("-NOSCRIPT No matching script\r\n"), 0)!.value;
    expect(err).toBeInstanceOf(RespError);
    expect(String(err)).toContain("NOSCRIPT");
    expect(parseReply(Buffer.from("*-1\r\n"), 0)).toEqual({ value: null, end: 5 });
  });
});

describe("Lua shebang compatibility", () => {
  it("strips the shebang and maps the library's hash to the stripped script's", () => {
    const compat = new LuaCompat();
    const original = "#!lua flags=allow-key-locking\n  return 1\n";
    const sha = (s: string) => createHash("sha1").update(s).digest("hex");
    expect(compat.hash(sha(original))).toBe(sha(original)); // unknown yet: passes through
    expect(compat.command(["EVAL", original, "0"])).toEqual(["EVAL", "  return 1\n", "0"]);
    expect(compat.command(["evalsha", sha(original), "0"])).toEqual(["evalsha", sha("  return 1\n"), "0"]);
    expect(compat.command(["GET", "x"])).toEqual(["GET", "x"]);
    expect(compat.script("return 2")).toBe("return 2");
  });
});
