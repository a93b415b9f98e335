import { createHash, randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { verifyPieces, webCryptoSha1, type PieceLayout } from "../../client/lib/piece-verify";

const sha1 = (bytes: Uint8Array) => createHash("sha1").update(bytes).digest("hex");

function layoutOf(data: Uint8Array, pieceLength: number): PieceLayout {
  const hashes: string[] = [];
  for (let offset = 0; offset < data.length; offset += pieceLength) hashes.push(sha1(data.subarray(offset, offset + pieceLength)));
  return { pieceLength, length: data.length, hashes };
}

/** The bytes in chunks of the given sizes, cycling. */
async function* chunked(data: Uint8Array, sizes: number[]): AsyncGenerator<Uint8Array> {
  let offset = 0;
  for (let i = 0; offset < data.length; i++) {
    const size = sizes[i % sizes.length]!;
    yield data.subarray(offset, offset + size);
    offset += size;
  }
}

describe("verifying stored pieces", () => {
  const data = randomBytes(16 * 1024 * 5 + 777); // 5 whole pieces and a short last one
  const layout = layoutOf(data, 16 * 1024);

  it("accepts intact data however it is chunked", async () => {
    for (const sizes of [[data.length], [1000], [7, 16 * 1024, 3 * 16 * 1024 + 5]]) {
      const result = await verifyPieces(layout, chunked(data, sizes), sha1);
      expect(result, String(sizes)).toEqual({ ok: true, badPieces: [], bytes: data.length });
    }
  });

  it("names the pieces whose bytes changed", async () => {
    const damaged = Buffer.from(data);
    damaged[16 * 1024 * 2 + 10]! ^= 0xff;
    damaged[data.length - 1]! ^= 0x01;
    const result = await verifyPieces(layout, chunked(damaged, [4096]), sha1);
    expect(result.ok).toBe(false);
    expect(result.badPieces).toEqual([2, 5]);
  });

  it("fails the pieces of bytes that are missing", async () => {
    const result = await verifyPieces(layout, chunked(data.subarray(0, 16 * 1024 * 3 + 5), [10_000]), sha1);
    expect(result.badPieces).toEqual([3, 4, 5]);
  });

  it("refuses a layout whose hash count does not fit the length", async () => {
    const result = await verifyPieces({ ...layout, hashes: layout.hashes.slice(1) }, chunked(data, [data.length]), sha1);
    expect(result.ok).toBe(false);
  });

  it("hashes the same with WebCrypto as with node:crypto", async () => {
    const piece = data.subarray(0, 16 * 1024);
    expect(await webCryptoSha1(piece)).toBe(sha1(piece));
  });
});
