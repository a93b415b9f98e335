// Wire ids: the WebTorrent tracker protocol carries 20-byte ids as 20-character latin-1 strings.
// Layer: protocol (imports only zod). Domain code uses lowercase hex; conversion happens here, once.
import { z } from "zod";

const LATIN1_ONLY = /^[\x00-\xff]*$/;
const HEX_40 = /^[0-9a-f]{40}$/;

/** A 20-byte id as the wire carries it; characters above U+00FF cannot be a byte and are refused. */
export const BinaryId = z
  .string()
  .length(20, "must be 20 characters (20 bytes as latin-1)")
  .regex(LATIN1_ONLY, "must contain only latin-1 characters (one byte each)");

/** A 20-byte id as lowercase hex (info hashes in URLs, magnet links, the directory). */
export const HexId = z
  .string()
  .transform((s) => s.toLowerCase())
  .pipe(z.string().regex(HEX_40, "must be 40 hexadecimal characters"));

// Lookup tables: these conversions run several times per tracker message (profiled at ~5% of its CPU).
const BYTE_TO_HEX = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, "0"));
/** A hex digit's value by its char code (lowercase and uppercase), -1 for anything else. */
const NIBBLE = Int8Array.from({ length: 128 }, (_, code) => {
  const c = String.fromCharCode(code);
  return /[0-9a-f]/i.test(c) ? parseInt(c, 16) : -1;
});

/** Binary (latin-1) to lowercase hex; callers pass strings already checked to be latin-1. */
export function binaryToHex(binary: string): string {
  let hex = "";
  for (let i = 0; i < binary.length; i++) hex += BYTE_TO_HEX[binary.charCodeAt(i) & 0xff];
  return hex;
}

/** Lowercase hex (as produced by HexId or binaryToHex) back to binary; a pair that is not hex is dropped. */
export function hexToBinary(hex: string): string {
  let binary = "";
  for (let i = 0; i + 1 < hex.length; i += 2) {
    const high = NIBBLE[hex.charCodeAt(i)] ?? -1;
    const low = NIBBLE[hex.charCodeAt(i + 1)] ?? -1;
    if (high >= 0 && low >= 0) binary += String.fromCharCode((high << 4) | low);
  }
  return binary;
}

export function isHexId(value: string): boolean {
  return HEX_40.test(value);
}
