import { describe, expect, it } from "vitest";
import { MAX_SEEDER_BUCKET, bucketFloor, facetTokens, seederBucket } from "../../worker/directory/rules/facets";
import { parseSearchQuery } from "../../worker/directory/rules/query-language";

describe("seeder buckets", () => {
  it("are powers of 4, with 0 seeders in no bucket", () => {
    const cases: [number, number][] = [[0, 0], [1, 1], [3, 1], [4, 2], [15, 2], [16, 3], [63, 3], [64, 4], [1023, 5], [1024, 6], [1048575, 10], [1048576, 11], [1e12, 11]];
    for (const [seeders, bucket] of cases) expect(seederBucket(seeders), String(seeders)).toBe(bucket);
  });

  it("start at their floor and keep seeders order", () => {
    for (let b = 1; b <= MAX_SEEDER_BUCKET; b++) {
      expect(seederBucket(bucketFloor(b))).toBe(b);
      expect(seederBucket(bucketFloor(b) - 1)).toBe(b - 1);
    }
    for (let s = 0; s < 5000; s++) expect(seederBucket(s + 1)).toBeGreaterThanOrEqual(seederBucket(s));
  });
});

describe("facet tokens", () => {
  it("keep a tag one token: its punctuation becomes private-use characters", () => {
    expect(facetTokens.tag("sci-fi.2_x")).toMatch(/^\uE001sci\uE011fi\uE0102\uE012x$/);
    expect(facetTokens.tag("sci-fi")).not.toBe(facetTokens.tag("scifi"));
  });

  it("are out of reach of the query language", () => {
    for (const token of [facetTokens.alive, facetTokens.unseeded, facetTokens.seeded(3), facetTokens.tag("linux")]) {
      const result = parseSearchQuery(`${token} word`);
      expect(result.ok).toBe(true);
      if (result.ok) expect(result.match).not.toMatch(/[\uE000-\uF8FF]/);
    }
  });
});
