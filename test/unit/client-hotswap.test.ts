// Limited hot-swapping (client/lib/hotswap.ts): by default webtorrent's _hotswap is refused; with the endgame
// rule, refused while any missing piece has a block nobody asked for and allowed once every one is requested.
import { describe, expect, it } from "vitest";
// @ts-expect-error webtorrent ships no types for its internals
import Piece from "torrent-piece";
import { hasUnrequestedBlock, limitHotswap } from "../../client/lib/hotswap";

/** A torrent with real torrent-piece pieces (null = verified) and webtorrent's _hotswap counting its calls. */
function fakeTorrent(pieces: (typeof Piece | null)[]) {
  return {
    pieces,
    swaps: 0,
    _hotswap(_wire: unknown, _index: number) {
      this.swaps++;
      return true;
    },
  };
}

const BLOCK = 16 * 1024;

describe("hot-swap in the endgame only", () => {
  it("sees an unrequested block in an untouched piece, a half-reserved one, or a cancelled reservation", () => {
    const untouched = new Piece(4 * BLOCK);
    const half = new Piece(4 * BLOCK);
    half.reserve();
    half.reserve();
    const full = new Piece(2 * BLOCK);
    full.reserve();
    full.reserve();
    expect(hasUnrequestedBlock([null, full])).toBe(false);
    expect(hasUnrequestedBlock([null, full, half])).toBe(true);
    expect(hasUnrequestedBlock([untouched])).toBe(true);
    full.cancel(1); // a choke gave one back
    expect(hasUnrequestedBlock([null, full])).toBe(true);
  });

  it("refuses webtorrent's hot-swap mid-download and lets it through once every missing block is requested", () => {
    const busy = new Piece(2 * BLOCK);
    busy.reserve();
    const other = new Piece(2 * BLOCK);
    const t = fakeTorrent([null, busy, other]);
    limitHotswap(t as never, "endgame");
    expect(t._hotswap({}, 1)).toBe(false);
    expect(t.swaps).toBe(0);
    busy.reserve();
    other.reserve();
    other.reserve();
    expect(t._hotswap({}, 1)).toBe(true);
    expect(t.swaps).toBe(1);
  });

  it("by default refuses every hot-swap, even in the endgame", () => {
    const full = new Piece(BLOCK);
    full.reserve();
    const t = fakeTorrent([null, full]);
    limitHotswap(t as never);
    expect(t._hotswap({}, 1)).toBe(false);
    expect(t.swaps).toBe(0);
  });
});
