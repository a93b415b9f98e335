// Checks stored data against a torrent's piece hashes (SHA-1 per piece, BEP 3): the last word on whether a
// download is complete and intact, read back from where it was stored. Layer: client/lib (platform-neutral;
// the byte source and the SHA-1 function come from the platform).

export type PieceLayout = {
  pieceLength: number;
  /** Total bytes of the torrent. */
  length: number;
  /** Hex SHA-1 of each piece, in order. */
  hashes: readonly string[];
};

export type Sha1 = (bytes: Uint8Array) => string | Promise<string>;

export type VerifyResult = {
  ok: boolean;
  /** Pieces whose bytes do not hash to the torrent's value (or are missing). */
  badPieces: number[];
  /** Bytes read. */
  bytes: number;
};

/** SHA-1 through WebCrypto (browsers in a secure context; Node ≥ 20). */
export const webCryptoSha1: Sha1 = async (bytes) => {
  const digest = await crypto.subtle.digest("SHA-1", bytes as Uint8Array<ArrayBuffer>);
  return toHex(new Uint8Array(digest));
};

function toHex(bytes: Uint8Array): string {
  let hex = "";
  for (const byte of bytes) hex += byte.toString(16).padStart(2, "0");
  return hex;
}

/**
 * Hashes `chunks` (the torrent's bytes in torrent order, any chunking) piece by piece against `layout`.
 * Stops reading after `layout.length` bytes; missing bytes fail the pieces they belong to.
 */
export async function verifyPieces(
  layout: PieceLayout,
  chunks: AsyncIterable<Uint8Array>,
  sha1: Sha1,
  /** Only these pieces are checked (a partial download: the chosen files' pieces); others are read past. */
  only?: ReadonlySet<number>,
): Promise<VerifyResult> {
  const { pieceLength, length, hashes } = layout;
  const expectedPieces = length === 0 ? 0 : Math.ceil(length / pieceLength);
  if (hashes.length !== expectedPieces) {
    return { ok: false, badPieces: [...Array(Math.max(expectedPieces, hashes.length)).keys()], bytes: 0 };
  }
  const badPieces: number[] = [];
  let piece = new Uint8Array(Math.min(pieceLength, length));
  let filled = 0;
  let index = 0;
  let read = 0;
  const finishPiece = async () => {
    if (!only || only.has(index)) {
      const actual = await sha1(piece.subarray(0, filled));
      if (actual.toLowerCase() !== hashes[index]!.toLowerCase()) badPieces.push(index);
    }
    index++;
    filled = 0;
    const left = length - index * pieceLength;
    if (left > 0 && left < piece.length) piece = new Uint8Array(left);
  };
  for await (const chunk of chunks) {
    let offset = 0;
    while (offset < chunk.length && index < expectedPieces) {
      const take = Math.min(piece.length - filled, chunk.length - offset);
      piece.set(chunk.subarray(offset, offset + take), filled);
      filled += take;
      offset += take;
      read += take;
      if (filled === piece.length) await finishPiece();
    }
    if (index >= expectedPieces) break;
  }
  // Whatever was not read is missing.
  for (let missing = index; missing < expectedPieces; missing++) if (!only || only.has(missing)) badPieces.push(missing);
  return { ok: badPieces.length === 0, badPieces, bytes: read };
}
