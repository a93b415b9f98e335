// The read-only store a browser seed reads its pieces from (client/web/file-chunk-store.ts): pieces that span
// files, partial reads, and refusals.
import { describe, expect, it } from "vitest";
import { FileChunkStore, pieceLengthFor } from "../../../client/web/file-chunk-store";

function get(store: FileChunkStore, index: number, opts?: { offset?: number; length?: number }): Promise<Uint8Array> {
  return new Promise((resolve, reject) => store.get(index, opts ?? null, (error, value) => (error ? reject(error) : resolve(value!))));
}

const bytes = (from: number, count: number) => Uint8Array.from({ length: count }, (_, i) => (from + i) % 251);

describe("a FileChunkStore over several files", () => {
  // 10 + 0 + 7 bytes as three files, in 4-byte pieces: the last piece is 1 byte.
  const all = bytes(0, 17);
  const store = new FileChunkStore(4, [new Blob([all.slice(0, 10)]), new Blob([]), new Blob([all.slice(10)])]);

  it("reads whole pieces, including those that span files and the short last one", async () => {
    expect(store.length).toBe(17);
    expect(await get(store, 0)).toEqual(all.slice(0, 4));
    expect(await get(store, 2)).toEqual(all.slice(8, 12)); // crosses into the third file over the empty one
    expect(await get(store, 4)).toEqual(all.slice(16, 17));
  });

  it("reads a range inside a piece", async () => {
    expect(await get(store, 2, { offset: 1, length: 2 })).toEqual(all.slice(9, 11));
  });

  it("refuses pieces and ranges outside the files, and every write", async () => {
    await expect(get(store, 5)).rejects.toThrow(/no piece/);
    await expect(get(store, 4, { offset: 0, length: 2 })).rejects.toThrow(/outside the piece/);
    await expect(new Promise((resolve, reject) => store.put(0, new Uint8Array(4), (error) => (error ? reject(error) : resolve(null))))).rejects.toThrow(
      /read-only/,
    );
  });
});

describe("pieceLengthFor", () => {
  it("matches create-torrent's default and stays within 16 KiB … 4 MiB", () => {
    expect(pieceLengthFor(1000)).toBe(16 * 1024);
    expect(pieceLengthFor(256 * 1024 * 1024)).toBe(256 * 1024);
    expect(pieceLengthFor(1024 ** 3)).toBe(1024 * 1024);
    expect(pieceLengthFor(64 * 1024 ** 3)).toBe(4 * 1024 * 1024);
  });
});
