import { describe, expect, it } from "vitest";
import { encodeH264Mp4, inspectMp4 } from "./mp4";

describe("H.264 MP4 encoder", () => {
  it("leaves the process's uncaughtException and unhandledRejection listeners as they were", async () => {
    const before = [process.listeners("uncaughtException"), process.listeners("unhandledRejection")];
    const { bytes } = await encodeH264Mp4({ width: 32, height: 32, fps: 2 }, [new Uint8Array(32 * 32 * 4).fill(40), new Uint8Array(32 * 32 * 4).fill(200)]);
    expect(inspectMp4(bytes)).toMatchObject({ majorBrand: expect.any(String), codec: "avc1", sampleCount: 2, durationSeconds: 1, fps: 2 });
    expect([process.listeners("uncaughtException"), process.listeners("unhandledRejection")]).toEqual(before);
  });
});
