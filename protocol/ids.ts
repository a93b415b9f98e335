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

export function binaryToHex(binary: string): string {
  let hex = "";
  for (let i = 0; i < binary.length; i++) hex += binary.charCodeAt(i).toString(16).padStart(2, "0");
  return hex;
}

export function hexToBinary(hex: string): string {
  let binary = "";
  for (let i = 0; i < hex.length; i += 2) binary += String.fromCharCode(parseInt(hex.slice(i, i + 2), 16));
  return binary;
}

export function isHexId(value: string): boolean {
  return HEX_40.test(value);
}
