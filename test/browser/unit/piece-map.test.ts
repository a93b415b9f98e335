// The piece map's arithmetic (client/web/piece-map.ts): availability per piece and the rarity classes.
import { describe, expect, it } from "vitest";
import { gridFor, pieceAvailability, pieceClass, summarize } from "../../../client/web/piece-map";

const bits = (...held: number[]) => ({ get: (i: number) => held.includes(i) });

describe("pieceAvailability", () => {
  it("counts, per piece, the peers that hold it", () => {
    expect([...pieceAvailability(4, [bits(0, 1), bits(1, 2), bits(1)])]).toEqual([1, 3, 1, 0]);
    expect([...pieceAvailability(3, [])]).toEqual([0, 0, 0]);
  });
});

describe("pieceClass and summarize", () => {
  it("classes held pieces first, then missing ones by how many peers have them", () => {
    expect(pieceClass(true, 0)).toBe("held");
    expect(pieceClass(false, 0)).toBe("absent");
    expect(pieceClass(false, 1)).toBe("rare");
    expect(pieceClass(false, 2)).toBe("uncommon");
    expect(pieceClass(false, 7)).toBe("common");
  });
  it("sums to the piece count", () => {
    const availability = pieceAvailability(6, [bits(0, 1, 2, 3), bits(2, 3), bits(3)]);
    expect(summarize(6, bits(0), availability)).toEqual({ total: 6, held: 1, rare: 1, uncommon: 1, common: 1, absent: 2 });
  });
});

describe("gridFor", () => {
  it("fits any torrent within the height, shrinking cells as pieces grow", () => {
    const small = gridFor(10, 600, 220);
    expect(small.cell).toBe(18);
    const large = gridFor(4096, 600, 220);
    expect(large.cell).toBeLessThan(small.cell);
    expect(large.columns * large.rows).toBeGreaterThanOrEqual(4096);
    expect(large.rows * (large.cell + 1) - 1).toBeLessThanOrEqual(220);
  });
});
