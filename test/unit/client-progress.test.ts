import { describe, expect, it } from "vitest";
import { countHeld, heldPieces, pieceDiversity, progressOf, type TorrentLike } from "../../client/lib/progress";

const bits = (held: number[]) => ({ get: (i: number) => held.includes(i) });

function torrent(overrides: Partial<TorrentLike>): TorrentLike {
  return {
    infoHash: "ab".repeat(20),
    name: "file.bin",
    ready: true,
    done: false,
    length: 1000,
    downloaded: 250,
    uploaded: 10,
    downloadSpeed: 50,
    uploadSpeed: 5,
    numPeers: 3,
    pieces: new Array(10),
    bitfield: bits([0, 4]),
    ...overrides,
  };
}

describe("a progress snapshot", () => {
  it("reports bytes, pieces, peers, speeds and the time left at the current speed", () => {
    expect(progressOf(torrent({}))).toEqual({
      infoHash: "ab".repeat(20),
      name: "file.bin",
      bytes: 250,
      total: 1000,
      fraction: 0.25,
      downloadSpeed: 50,
      uploadSpeed: 5,
      uploaded: 10,
      peers: 3,
      pieces: { held: 2, total: 10 },
      etaMs: 15_000,
      done: false,
    });
  });

  it("knows no total, pieces or ETA before the metadata", () => {
    const p = progressOf(torrent({ ready: false, length: 0, pieces: [], bitfield: null }));
    expect(p).toMatchObject({ name: null, total: null, bytes: 0, fraction: 0, pieces: { held: 0, total: 0 }, etaMs: null });
  });

  it("has no ETA when stalled, and 0 once done", () => {
    expect(progressOf(torrent({ downloadSpeed: 0 })).etaMs).toBeNull();
    expect(progressOf(torrent({ done: true, downloaded: 1000, bitfield: bits([...Array(10).keys()]) }))).toMatchObject({ etaMs: 0, fraction: 1, pieces: { held: 10, total: 10 } });
  });
});

describe("pieces held", () => {
  it("are counted and listed from a bitfield", () => {
    expect(countHeld(bits([1, 2, 9]), 10)).toBe(3);
    expect(heldPieces(bits([1, 2, 9]), 5)).toEqual([1, 2]);
    expect(countHeld(null, 10)).toBe(0);
  });

  it("are diverse when peers hold different ones, and not when they hold the same", () => {
    expect(pieceDiversity([[0, 1], [2, 3], [4, 5], [6, 7]])).toBe(1);
    expect(pieceDiversity([[0, 1], [0, 1], [0, 1], [0, 1]])).toBe(0.25);
    expect(pieceDiversity([[0, 1, 2], [2, 3]])).toBe(0.8);
    expect(pieceDiversity([[], []])).toBeNaN();
  });
});
