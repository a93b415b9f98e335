// Rarest-first without the quadratic scan (client/lib/rarest-first.ts): webtorrent's rarity map, asked the way
// trySelectWire asks it, skips pieces already held — same choices, one scan instead of one per held piece.
import { EventEmitter } from "node:events";
import { describe, expect, it, vi } from "vitest";
// @ts-expect-error webtorrent ships no types for its internals
import RarityMap from "webtorrent/lib/rarity-map.js";
import { skipHeldPieces } from "../../client/lib/rarest-first";

const P = 256;

/** A torrent as RarityMap and the patch see it: wires with bitfields, our own bitfield, events. */
function fakeTorrent(held: (piece: number) => boolean) {
  const torrent = Object.assign(new EventEmitter(), {
    pieces: new Array(P).fill(null),
    wires: [] as EventEmitter[],
    bitfield: { get: held },
    _rarityMap: null as null | { getRarestPiece(filter?: (i: number) => boolean): number },
  });
  const wire = Object.assign(new EventEmitter(), { peerPieces: { get: () => true } }); // a seed
  torrent.wires.push(wire);
  torrent._rarityMap = new RarityMap(torrent);
  return torrent;
}

/** trySelectWire's loop for one wire: the rarest piece, try to request it, mark it tried, again. */
function select(torrent: ReturnType<typeof fakeTorrent>, requestable: (piece: number) => boolean) {
  const tried = new Set<number>();
  let filterCalls = 0;
  const filter = (i: number) => (filterCalls++, !tried.has(i));
  for (let tries = 0; tries < P; tries++) {
    const piece = torrent._rarityMap!.getRarestPiece(filter);
    if (piece < 0) break;
    if (requestable(piece)) return { piece, filterCalls };
    tried.add(piece);
  }
  return { piece: -1, filterCalls };
}

describe("rarest-first over a nearly complete download", () => {
  const held = (i: number) => i !== 200; // everything but piece 200
  const requestable = (i: number) => !held(i); // webtorrent's _request refuses held pieces

  it("without the fix scans the map once per held piece", () => {
    // RarityMap picks at random among equally rare pieces: by chance it can pick piece 200 within the first
    // ten tries (about 1 run in 25). The first candidate each time walks the held pieces in order, as the
    // average run walks half of them.
    const random = vi.spyOn(Math, "random").mockReturnValue(0);
    let result: ReturnType<typeof select>;
    try {
      result = select(fakeTorrent(held), requestable);
    } finally {
      random.mockRestore();
    }
    const { piece, filterCalls } = result;
    expect(piece).toBe(200);
    expect(filterCalls).toBeGreaterThan(P * 10);
  });

  it("with held pieces skipped picks the same piece in one scan", () => {
    const torrent = fakeTorrent(held);
    skipHeldPieces(torrent as never);
    const { piece, filterCalls } = select(torrent, requestable);
    expect(piece).toBe(200);
    expect(filterCalls).toBeLessThanOrEqual(P);
  });

  it("answers -1 at once when only held pieces are left", () => {
    const torrent = fakeTorrent(() => true);
    skipHeldPieces(torrent as never);
    expect(select(torrent, () => false)).toEqual({ piece: -1, filterCalls: 0 });
  });

  it("patches a map created later, with the metadata", () => {
    const torrent = fakeTorrent(held);
    const map = torrent._rarityMap!;
    torrent._rarityMap = null;
    skipHeldPieces(torrent as never);
    torrent._rarityMap = map;
    torrent.emit("metadata");
    skipHeldPieces(torrent as never);
    expect(select(torrent, requestable).filterCalls).toBeLessThanOrEqual(P);
  });
});
