import { describe, expect, it } from "vitest";
import { facetTokens } from "../../worker/directory/rules/facets";
import { parseSearchQuery } from "../../worker/directory/rules/query-language";

describe("facet tokens", () => {
  it("keep a tag one token: its punctuation becomes private-use characters", () => {
    expect(facetTokens.tag("sci-fi.2_x")).toMatch(/^\uE001sci\uE011fi\uE0102\uE012x$/);
    expect(facetTokens.tag("sci-fi")).not.toBe(facetTokens.tag("scifi"));
  });

  it("are out of reach of the query language", () => {
    for (const token of [facetTokens.tag("linux"), facetTokens.tag("sci-fi"), "\uE000l", "\uE000n"]) {
      const result = parseSearchQuery(`${token} word`);
      expect(result.ok).toBe(true);
      if (result.ok) expect(result.match).not.toMatch(/[\uE000-\uF8FF]/);
    }
  });
});
