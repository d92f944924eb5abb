import { AudioDecodeError } from "./errors";

// Truncation checks for containers whose headers announce a length that music-metadata
// trusts without reading the payload: a box/element that runs past the end of the file
// means the upload was cut short.

/** ISO-BMFF (MP4/M4A/MOV): every top-level box must fit inside the file. */
export function checkIsoBmff(b: Uint8Array): void {
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  let off = 0;
  while (off < b.length) {
    if (off + 8 > b.length) throw new AudioDecodeError("MP4/M4A file is truncated inside a box header");
    let size = view.getUint32(off);
    if (size === 1) {
      if (off + 16 > b.length) throw new AudioDecodeError("MP4/M4A file is truncated inside a box header");
      size = Number(view.getBigUint64(off + 8));
    } else if (size === 0) {
      size = b.length - off; // box runs to the end of the file
    }
    if (size < 8) throw new AudioDecodeError("MP4/M4A file is corrupt: invalid box size");
    if (off + size > b.length) throw new AudioDecodeError("MP4/M4A file is truncated: a box runs past the end of the file");
    off += size;
  }
}

export function isIsoBmff(b: Uint8Array): boolean {
  return b.length >= 12 && String.fromCharCode(b[4], b[5], b[6], b[7]) === "ftyp";
}

function readVint(b: Uint8Array, off: number, keepMarker: boolean): { value: number; length: number; unknown: boolean } {
  const first = b[off];
  if (first === undefined || first === 0) throw new AudioDecodeError("WebM/Matroska file is corrupt: invalid element header");
  let length = 1;
  while (!(first & (0x80 >> (length - 1)))) length++;
  if (off + length > b.length) throw new AudioDecodeError("WebM/Matroska file is truncated inside an element header");
  let value = keepMarker ? first : first & (0xff >> length);
  let allOnes = (first & (0xff >> length)) === 0xff >> length;
  for (let i = 1; i < length; i++) {
    value = value * 256 + b[off + i];
    if (b[off + i] !== 0xff) allOnes = false;
  }
  return { value, length, unknown: !keepMarker && allOnes };
}

export function isEbml(b: Uint8Array): boolean {
  return b.length >= 4 && b[0] === 0x1a && b[1] === 0x45 && b[2] === 0xdf && b[3] === 0xa3;
}

/** EBML (WebM/Matroska): the EBML header and a sized Segment must fit inside the file. */
export function checkEbml(b: Uint8Array): void {
  let off = 0;
  while (off < b.length) {
    const id = readVint(b, off, true);
    const size = readVint(b, off + id.length, false);
    const dataStart = off + id.length + size.length;
    if (size.unknown) return; // live-streamed Segment of unknown size: nothing to check against
    if (dataStart + size.value > b.length) {
      throw new AudioDecodeError("WebM/Matroska file is truncated: an element runs past the end of the file");
    }
    off = dataStart + size.value;
  }
}
