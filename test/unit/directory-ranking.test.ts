import { describe, expect, it } from "vitest";
import { COLUMN_WEIGHTS, boostSql, score, scoreSql, seederBoost } from "../../worker/directory/rules/ranking";

describe("ranking", () => {
  it("boosts live seeders, saturating at twice the text relevance", () => {
    expect(seederBoost(0)).toBe(1);
    expect(seederBoost(1)).toBeCloseTo(1.1667, 4);
    expect(seederBoost(5)).toBe(1.5);
    expect(seederBoost(20)).toBe(1.8);
    expect(seederBoost(1e9)).toBeLessThan(2);
  });

  it("is monotonic in seeders, so more seeders win among equal text matches", () => {
    for (let s = 0; s < 200; s++) expect(score(-3, s + 1)).toBeGreaterThan(score(-3, s));
  });

  it("never lets seeders beat a text match more than twice as good", () => {
    expect(score(-2.01, 0)).toBeGreaterThan(score(-1, 1e6));
  });

  it("weighs a name match above a tag match above a file-path match", () => {
    expect(COLUMN_WEIGHTS.name).toBeGreaterThan(COLUMN_WEIGHTS.tags);
    expect(COLUMN_WEIGHTS.tags).toBeGreaterThan(COLUMN_WEIGHTS.paths);
  });

  it("builds the same formula in SQL", () => {
    expect(boostSql("s")).toBe("(1.0 + s / (s + 5.0))");
    expect(scoreSql("fts", "t.seeders")).toBe("(-bm25(fts, 10.0, 1.0, 4.0, 0.0) * (1.0 + t.seeders / (t.seeders + 5.0)))");
  });
});
