import { describe, expect, it } from "vitest";
import { crc32 } from "./crc32";
import { renderImage } from "./image";
import { inspectPng } from "@/tests/helpers/png";
import { encodePng } from "./png";

describe("crc32", () => {
  it("matches the standard check value", () => {
    expect(crc32(Buffer.from("123456789"))).toBe(0xcbf43926);
    expect(crc32(Buffer.from("1234"), Buffer.from("56789"))).toBe(0xcbf43926);
  });
});

describe("PNG encoder", () => {
  it("round-trips pixels through a strict reader", () => {
    const rgb = Uint8Array.from({ length: 3 * 5 * 3 }, (_, i) => (i * 37) & 0xff);
    const png = encodePng(5, 3, rgb);
    const info = inspectPng(png);
    expect(info).toMatchObject({ width: 5, height: 3, bitDepth: 8, colorType: 2, chunks: ["IHDR", "IDAT", "IEND"] });
    expect([...info.pixels]).toEqual([...rgb]);
  });

  it("detects a corrupted chunk", () => {
    const png = encodePng(2, 2, new Uint8Array(12));
    png[20] ^= 1; // inside IHDR data
    expect(() => inspectPng(png)).toThrow(/bad CRC in IHDR/);
  });

  it("renders a deterministic image of the requested size", () => {
    const a = renderImage("a lighthouse at dusk", 256, 256);
    expect(inspectPng(a.png)).toMatchObject({ width: 256, height: 256 });
    expect(renderImage("a lighthouse at dusk", 256, 256).png.equals(a.png)).toBe(true);
    expect(renderImage("a lighthouse at dawn", 256, 256).png.equals(a.png)).toBe(false);
    expect(renderImage("a lighthouse at dusk", 256, 256, 1).png.equals(a.png)).toBe(false);
    expect(inspectPng(renderImage("wide", 512, 256).png)).toMatchObject({ width: 512, height: 256 });
  });

  it("refuses inconsistent input", () => {
    expect(() => encodePng(2, 2, new Uint8Array(11))).toThrow(RangeError);
    expect(() => encodePng(0, 2, new Uint8Array(0))).toThrow(RangeError);
  });
});
