// The search cost plan (issue 10): a query whose words are common everywhere is narrowed to the newest entries
// and ranked by its rarer words, within the budget; an ordinary or rare query searches everything, scored whole.
import { describe, expect, it } from "vitest";
import { parseSearchQuery, type ParsedQuery } from "../../worker/directory/rules/query-language";
import { SEARCH_COST, boundedBy, costProbes, includedWords, narrowedBy, planSearch, rankMatchFor, readsForwards, type CostedSort, type ProbeCounts, type SearchFilters } from "../../worker/directory/rules/search-cost";

function parsed(input: string): ParsedQuery {
  const result = parseSearchQuery(input);
  if (!result.ok) throw new Error(result.error);
  return result.query;
}

const PROBED = SEARCH_COST.probeEntries;
const MILLION = 1_000_000;

/** Probe counts from each token's share of entries (names index; descriptions given apart). */
function counts(shares: number[], descriptionShares: number[] = shares.map(() => 0)): ProbeCounts[] {
  return shares.map((share, i) => ({ names: Math.round(share * PROBED), descriptions: Math.round(descriptionShares[i]! * PROBED) }));
}

type Options = { maxId?: number; sort?: CostedSort; descriptions?: number[]; matched?: number; filters?: SearchFilters };

function plan(input: string, shares: number[], options: Options = {}) {
  const query = parsed(input);
  const probes = costProbes(query);
  expect(probes).toHaveLength(shares.length);
  const matched = Math.round((options.matched ?? Math.min(...shares)) * PROBED);
  return {
    probes,
    plan: planSearch({ probes, counts: counts(shares, options.descriptions), matched, probed: PROBED, maxId: options.maxId ?? MILLION, sort: options.sort ?? "relevance", limit: 20, filters: options.filters }),
  };
}

/** Entries a plan covers. */
const covered = (fromId: number | null, maxId = MILLION) => (fromId === null ? maxId : maxId - fromId + 1);

describe("cost probes", () => {
  it("probe every token of included and excluded terms, prefixes as prefixes, and tag facets", () => {
    const probes = costProbes(parsed('"black river" cast* -night'), ['"\uE001tv"']);
    expect(probes).toEqual([
      { match: '"black"', term: 0, prefix: false, excluded: false },
      { match: '"river"', term: 0, prefix: false, excluded: false },
      { match: '"cast"*', term: 1, prefix: true, excluded: false },
      { match: '"night"', term: null, prefix: false, excluded: true },
      { match: '"\uE001tv"', term: null, prefix: false, excluded: false },
    ]);
    // A word in two terms is one list: scored once.
    expect(includedWords(costProbes(parsed('"black river" black')))).toEqual([0, 1]);
  });
});

describe("search plans", () => {
  it("search everything, scored by every word, when the words are rare or the directory small", () => {
    expect(plan("tevselyorka", [0.0001]).plan).toMatchObject({ fromId: null, rankTokens: [0] });
    expect(plan("love", [0.15]).plan).toMatchObject({ fromId: null, rankTokens: [0] });
    // Eight words in every entry, but only 10,000 entries: below the smallest window.
    expect(plan("the love night day black white red blue", Array(8).fill(1), { maxId: 10_000 }).plan).toMatchObject({ fromId: null, rankTokens: [0, 1, 2, 3, 4, 5, 6, 7] });
  });

  it("narrow eight common words to the newest entries within the budget, scored by the rarest", () => {
    const shares = [0.3, 0.14, 0.12, 0.1, 0.08, 0.07, 0.06, 0.07];
    // Together they match almost nothing: the pool's cursors would read every entry to fill.
    const { plan: heavy, probes } = plan("the love night day black white red blue", shares, { matched: 0.0001 });
    expect(heavy.fromId).not.toBeNull();
    expect(heavy.postings).toBeLessThanOrEqual(SEARCH_COST.budgetPostings);
    // The rarest first, while their whole lists fit the rank budget; "the" (30% of entries) is not scored.
    expect(heavy.rankTokens).not.toContain(0);
    expect(heavy.rankTokens).toContain(6);
    expect(rankMatchFor(probes, heavy.rankTokens)).not.toContain('"the"');
    // The window shrinks as the words grow commoner, never below the minimum.
    const heavier = plan("the love night day black white red blue", shares.map((s) => Math.min(1, s * 3)), { matched: 0.0001 }).plan;
    expect(covered(heavier.fromId)).toBeLessThan(covered(heavy.fromId));
    const everywhere = plan("the love night day black white red blue", Array(8).fill(1), { matched: 0.0001 }).plan;
    // The same words matching densely together fill the pool from the newest entries: not narrowed.
    expect(plan("the love night day black white red blue", shares, { matched: 0.2 }).plan.fromId).toBeNull();
    expect(covered(everywhere.fromId)).toBe(SEARCH_COST.minWindow);
  });

  it("price every match a filter checks: a tag and alive=1 on a common description word narrow the window", () => {
    // remastered at 1M entries: in 17.7% of descriptions; with tag movie and alive=1, 0.74% of the newest 128k.
    const options = { descriptions: [0.177], matched: 0.0074 };
    const unfiltered = plan("remastered", [0.001], { descriptions: [0.177], matched: 0.178 }).plan;
    expect(unfiltered.fromId).toBeNull();
    const unpriced = plan("remastered", [0.001], options).plan;
    const filtered = plan("remastered", [0.001], { ...options, filters: { rows: true, tags: 1 } }).plan;
    expect(covered(filtered.fromId)).toBeLessThan(covered(unpriced.fromId) / 2);
    expect(filtered.postings).toBeLessThanOrEqual(SEARCH_COST.budgetPostings);
    // Each check follows the matches before filtering: twice the checks (a row and a tag), a narrower window.
    const rowsOnly = plan("remastered", [0.001], { ...options, filters: { rows: true, tags: 0 } }).plan;
    expect(covered(filtered.fromId)).toBeLessThan(covered(rowsOnly.fromId));
    // No filter, nothing to check: the same plan as before.
    expect(plan("remastered", [0.001], { ...options, filters: { rows: false, tags: 0 } }).plan).toEqual(unpriced);
    // Newest first and field sorts check the same matches.
    for (const sort of ["added", "field"] as const) {
      const checked = plan("remastered", [0.001], { ...options, sort, filters: { rows: true, tags: 1 } }).plan;
      expect(checked.postings).toBeLessThanOrEqual(SEARCH_COST.budgetPostings);
      expect(covered(checked.fromId)).toBeLessThanOrEqual(covered(plan("remastered", [0.001], { ...options, sort }).plan.fromId));
    }
  });

  it("score a long phrase by its rarer words, not the phrase's every list", () => {
    const { plan: phrase, probes } = plan('"the love night day black white red blue"', [0.3, 0.14, 0.12, 0.1, 0.08, 0.07, 0.06, 0.07], { matched: 0 });
    expect(phrase.rankTokens.length).toBeLessThan(8);
    expect(rankMatchFor(probes, phrase.rankTokens)).toMatch(/^\("\w+"( AND "\w+")+\)$/);
    expect(readsForwards(parsed('"the love night"'))).toBe(true);
    expect(readsForwards(parsed('"black river" love'))).toBe(false);
  });

  it("count descriptions, exclusions and prefixes like any other list read", () => {
    const names = plan("includes complete", [0, 0]).plan;
    const described = plan("includes complete", [0, 0], { descriptions: [0.5, 0.5], matched: 0.001 }).plan;
    expect(names.fromId).toBeNull();
    expect(described.fromId).not.toBeNull();
    const excluded = plan("love -th* -lo* -ni*", [0.15, 0.3, 0.25, 0.24], { matched: 0.001 }).plan;
    expect(excluded.fromId).not.toBeNull();
    expect(excluded.rankTokens).toEqual([0]);
    // The same shares as prefixes cost more than as words: a smaller window.
    const words = plan("love -the -long -night", [0.15, 0.3, 0.25, 0.24], { matched: 0.001 }).plan;
    expect(covered(excluded.fromId)).toBeLessThan(covered(words.fromId));
  });

  it("sort by a field over everything when walking its index is cheap, else every match of a bounded window", () => {
    // Half the entries match one word: the walk finds a page in ~40 steps.
    expect(plan("video", [0.55], { sort: "field" }).plan).toMatchObject({ fromId: null, sortAll: false });
    // Three dense prefixes: each step probes three merged lists, and sorting all would read them whole.
    const prefixes = plan("th* lo* ni*", [0.3, 0.25, 0.24], { sort: "field", matched: 0.1 }).plan;
    expect(prefixes.sortAll).toBe(true);
    expect(prefixes.fromId).not.toBeNull();
    expect(covered(prefixes.fromId) * 0.1).toBeLessThanOrEqual(SEARCH_COST.maxSorted);
    expect(prefixes.postings).toBeLessThanOrEqual(SEARCH_COST.budgetPostings);
  });

  it("never refuse: a query that matches nothing still gets a plan, and the rarest word is always scored", () => {
    expect(plan("th*", [0.9]).plan.rankTokens).toEqual([0]);
    const sorted = plan("the love night day black white red blue", Array(8).fill(0.3), { sort: "added", matched: 0 }).plan;
    expect(sorted.rankTokens).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(sorted.fromId).not.toBeNull();
    expect(plan("nothing", [0], { sort: "field", matched: 0 }).plan).toMatchObject({ fromId: null, sortAll: false });
  });

  it("refuse a tampered cursor's words: only included probes can be scored", () => {
    const probes = costProbes(parsed("love -night"));
    expect(rankMatchFor(probes, [0])).toBe('"love"');
    expect(rankMatchFor(probes, [1])).toBeNull();
    expect(rankMatchFor(probes, [5])).toBeNull();
    expect(rankMatchFor(probes, [])).toBeNull();
  });
});

describe("a plan from a cursor", () => {
  const fresh = { fromId: 900_000, rankTokens: [5, 6], sortAll: false, postings: 300_000 };
  it("is kept when it is the fresh plan, or narrower", () => {
    expect(boundedBy({ fromId: 900_000, rankTokens: [5, 6], sortAll: false }, fresh)).toEqual({ fromId: 900_000, rankTokens: [5, 6], sortAll: false });
    expect(boundedBy({ fromId: 950_000, rankTokens: [6], sortAll: true }, fresh)).toEqual({ fromId: 950_000, rankTokens: [6], sortAll: true });
    expect(boundedBy({ fromId: null, rankTokens: [0, 1], sortAll: false }, { ...fresh, fromId: null, rankTokens: [0, 1] })).toEqual({ fromId: null, rankTokens: [0, 1], sortAll: false });
  });
  it("cannot buy a wider window, costlier words or an index walk the fresh plan would not run", () => {
    expect(boundedBy({ fromId: null, rankTokens: [5, 6], sortAll: false }, fresh).fromId).toBe(900_000);
    expect(boundedBy({ fromId: 1, rankTokens: [5, 6], sortAll: false }, fresh).fromId).toBe(900_000);
    expect(boundedBy({ fromId: 900_000, rankTokens: [0, 1, 2, 3, 4, 5, 6, 7], sortAll: false }, fresh).rankTokens).toEqual([5, 6]);
    expect(boundedBy({ fromId: 900_000, rankTokens: [5, 6], sortAll: false }, { ...fresh, sortAll: true }).sortAll).toBe(true);
  });
});

describe("what the answer says a plan covered", () => {
  const probes = costProbes(parsed("the love -night"));
  it("names the window and the words scored, and nothing when the plan searched and scored everything", () => {
    expect(narrowedBy(probes, { fromId: 900_001, rankTokens: [1], sortAll: false }, 1_000_000, true)).toEqual({ newest_entries: 100_000, of_entries: 1_000_000, ranked_by: ["love"] });
    expect(narrowedBy(probes, { fromId: null, rankTokens: [1], sortAll: false }, 1_000_000, true)).toEqual({ newest_entries: 1_000_000, of_entries: 1_000_000, ranked_by: ["love"] });
    expect(narrowedBy(probes, { fromId: 900_001, rankTokens: [0, 1], sortAll: true }, 1_000_000, false)).toEqual({ newest_entries: 100_000, of_entries: 1_000_000, ranked_by: [] });
    expect(narrowedBy(probes, { fromId: null, rankTokens: [0, 1], sortAll: false }, 1_000_000, true)).toBeNull();
    expect(narrowedBy(probes, null, 1_000_000, true)).toBeNull();
  });
  it("never claims more entries than there are, whatever window an altered cursor asks", () => {
    expect(narrowedBy(probes, { fromId: 0, rankTokens: [0, 1], sortAll: false }, 12, true)).toBeNull();
    expect(narrowedBy(probes, { fromId: 0, rankTokens: [1], sortAll: false }, 12, true)?.newest_entries).toBe(12);
    expect(narrowedBy(probes, { fromId: 1_000, rankTokens: [0, 1], sortAll: false }, 12, true)?.newest_entries).toBe(0);
  });
});
