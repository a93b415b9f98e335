// Recent word probes (issue 10): kept a minute by the clock given, bounded in count, oldest dropped first.
import { describe, expect, it } from "vitest";
import { ProbeCache } from "../../worker/directory/rules/probe-cache";

const probe = (names: number) => ({ counts: { names, descriptions: 0 }, probed: 4000 });

describe("probe cache", () => {
  it("answers within its time to live, and not after it or when the clock goes back", () => {
    const cache = new ProbeCache(10, 60_000);
    cache.set('"love"', probe(600), 1_000);
    expect(cache.get('"love"', 60_999)).toEqual(probe(600));
    expect(cache.get('"love"', 61_000)).toBeUndefined();
    cache.set('"love"', probe(610), 100_000);
    expect(cache.get('"love"', 99_000)).toBeUndefined();
    expect(cache.get('"night"', 100_000)).toBeUndefined();
  });

  it("keeps at most its limit, dropping the words set longest ago", () => {
    const cache = new ProbeCache(3, 60_000);
    for (const [i, word] of ["a", "b", "c", "d"].entries()) cache.set(word, probe(i), 0);
    expect(cache.size).toBe(3);
    expect(cache.get("a", 1)).toBeUndefined();
    expect(cache.get("d", 1)).toEqual(probe(3));
    cache.set("b", probe(9), 2); // set again: newest now
    cache.set("e", probe(4), 3);
    expect(cache.get("c", 4)).toBeUndefined();
    expect(cache.get("b", 4)).toEqual(probe(9));
  });
});
