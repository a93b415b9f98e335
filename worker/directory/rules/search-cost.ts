// What a text search may cost (issue 10), decided before it runs. Layer: pure logic.
// FTS5 reads posting lists whole within the rowid range a cursor covers (an AND, a phrase, a NOT, a prefix
// alike), and bm25() reads every list it scores once more over the whole index for the idf. So a query's
// cost is about the postings of its tokens, which a probe of the newest entries estimates cheaply (each
// token's matches among them, and the whole query's). A query over the budget is narrowed, never refused:
// bm25 scores only its rarer words (a common word's idf is near 0, so it moves scores little while its list
// costs the most; a phrase is scored by its words, as its idf alone would read every word's list with their
// positions), and the search covers the newest entries that fit what is left — the answer says so.
import type { SearchNarrowed } from "../../../protocol/directory";
import type { ParsedQuery, QueryTerm } from "./query-language";

/** Costs are in postings read; the other work a plan does is converted at the rates below. */
export const SEARCH_COST: Readonly<{
  probeEntries: number;
  budgetPostings: number;
  rankPostings: number;
  poolReach: number;
  prefixWeight: number;
  excludedPrefixWeight: number;
  excludedWeight: number;
  relevancePasses: number;
  sortPerMatch: number;
  filterCheckPerMatch: number;
  walkPerTokenStep: number;
  maxSorted: number;
  minWindow: number;
}> = {
  /** Newest entries each token is probed in: ~0.1 ms per common token and index. */
  probeEntries: 4000,
  /**
   * Postings a search may read, all cursors of both indexes together, bm25's idf included. FTS5 reads ~25k
   * postings per ms in D1 (npm run bench:search at 1M entries), so ~10-20 ms: a search answers within 50 ms
   * with room for the machine's jitter.
   */
  budgetPostings: 300_000,
  /** Of that budget, bm25's idf (the scored terms' whole lists, both indexes). */
  rankPostings: 150_000,
  /**
   * Relevance: entries its pool's cursors reach back per share of entries matching — the newest 1,000
   * matches, and the newest 1,000 live ones (about one entry in ten is live).
   */
  poolReach: 10_000,
  /** A prefix's postings cost more (its terms' lists merged, or the larger prefix index). */
  prefixWeight: 2.5,
  /**
   * An excluded prefix costs more again: FTS5 checks it for every candidate, at ~1 µs each when it excludes
   * most of them (`love -th* -lo* -ni*`: 28 ms for a window of 87k entries).
   */
  excludedPrefixWeight: 10,
  /** An excluded word is checked for every candidate too (4 common exclusions: ~2x their postings). */
  excludedWeight: 2,
  /** Times relevance reads its window (the pool's cursors, then the scoring scan). */
  relevancePasses: 2,
  /** Field sorts: sorting one match (a probe of torrents_rank or the row), in postings. */
  sortPerMatch: 10,
  /**
   * Filters: checking one text match against them, per check — a probe of torrents_rank (a size bound), of
   * torrents_live (alive, with or without a size bound) or of torrent_tags (a tag, in descriptions): ~0.2-0.4
   * µs each among recent entries at 1M, as many postings as FTS5 reads in that time. A filter that thins the
   * matches makes the cursors read further back and check every match on the way (a description word with a
   * tag and alive=1: 22,789 matches in the newest 128k, 12 ms of checks).
   */
  filterCheckPerMatch: 9,
  /** Field sorts: one step of walking the sort's index (an FTS5 probe per token), in postings per token. */
  walkPerTokenStep: 1800,
  /** A narrowed field sort sorts at most this many matches. */
  maxSorted: 20_000,
  /** A narrowed search still covers at least this many newest entries. */
  minWindow: 20_000,
};

export type SearchCostRates = typeof SEARCH_COST;

/**
 * What one probe counts: a token as FTS5 matches it (`"the"`, `"th"*`), the included term it belongs to (null
 * for exclusions and tag facets), whether it is a prefix, and whether it is excluded.
 */
export type CostProbe = { match: string; term: number | null; prefix: boolean; excluded: boolean };

/** Matches among the newest `SEARCH_COST.probeEntries` entries, in each index. */
export type ProbeCounts = { names: number; descriptions: number };

/** relevance (bm25 over a pool), added (newest first) or a field sort (seeders, size, name). */
export type CostedSort = "relevance" | "added" | "field";

export type SearchPlan = {
  /** The lowest torrent id searched; null: all of them. */
  fromId: number | null;
  /** The words bm25 scores: indexes of included probes (costProbes), each word once. */
  rankTokens: number[];
  /** Field sorts: sort every match in the window (no count first, no index walk). */
  sortAll: boolean;
  /** Postings (and their equivalents) the plan is expected to read. */
  postings: number;
};

/** What a page needs of a plan, and what its cursor carries to the next page. */
export type PagePlan = Pick<SearchPlan, "fromId" | "rankTokens" | "sortAll">;

/** One probe per token of every term, included terms first, then excluded ones and tag facet phrases (names index only). */
export function costProbes(query: ParsedQuery, facetPhrases: string[] = []): CostProbe[] {
  const probes: CostProbe[] = [];
  const add = (term: QueryTerm, index: number | null) =>
    term.tokens.forEach((token, i) => {
      const prefix = term.prefix && i === term.tokens.length - 1;
      probes.push({ match: `"${token}"${prefix ? "*" : ""}`, term: index, prefix, excluded: index === null });
    });
  query.include.forEach((term, index) => add(term, index));
  query.exclude.forEach((term) => add(term, null));
  for (const phrase of facetPhrases) probes.push({ match: phrase, term: null, prefix: false, excluded: false });
  return probes;
}

/** Indexes of the included probes, each word once (a word repeated across terms is one list). */
export function includedWords(probes: CostProbe[]): number[] {
  return probes.flatMap((probe, i) => (probe.term !== null && probes.findIndex((p) => p.match === probe.match) === i ? [i] : []));
}

export type PlanInput = {
  probes: CostProbe[];
  /** Per probe (same order), its matches among the newest `probed` entries. */
  counts: ProbeCounts[];
  /** Entries (names or descriptions) the whole query matched among the newest `probed`. */
  matched: number;
  probed: number;
  /** The newest id: the directory's size as far as costs go. */
  maxId: number;
  sort: CostedSort;
  /** Hits per page. */
  limit: number;
  /** Filters checked per text match: `rows` (alive or a size bound: torrents_rank) and tags (facets in names, probes in descriptions). */
  filters?: SearchFilters;
};

export type SearchFilters = { rows: boolean; tags: number };

/** The plan for a query within the budget: the whole directory when it fits, else the newest entries that do. */
export function planSearch(input: PlanInput, cost: SearchCostRates = SEARCH_COST): SearchPlan {
  const { probes, counts, maxId } = input;
  const probed = Math.max(1, input.probed);
  const weight = (probe: CostProbe) => (probe.excluded ? (probe.prefix ? cost.excludedPrefixWeight : cost.excludedWeight) : probe.prefix ? cost.prefixWeight : 1);
  // Postings read per entry covered, both indexes, every token.
  const perEntry = probes.reduce((sum, probe, i) => sum + (weight(probe) * (counts[i]!.names + counts[i]!.descriptions)) / probed, 0);
  const matchShare = Math.min(1, input.matched / probed);
  const words = includedWords(probes);
  const perEntryChecked = filterChecksPerEntry(probes, counts, probed, input.filters, cost);
  const windowFor = (entries: number) => Math.max(cost.minWindow, Math.floor(entries));
  const plan = (window: number, rankTokens: number[], sortAll: boolean, fixed: number, readPerEntry: number): SearchPlan => {
    const fromId = window >= maxId ? null : maxId - window + 1;
    const covered = fromId === null ? maxId : window;
    return { fromId, rankTokens, sortAll, postings: Math.round(fixed + readPerEntry * covered) };
  };
  const fits = (fixed: number, readPerEntry: number) => (readPerEntry <= 0 ? Infinity : Math.max(0, cost.budgetPostings - fixed) / readPerEntry);

  if (input.sort === "relevance") {
    // bm25's idf: each scored word's lists over the whole index. Rarest first while the rank budget lasts;
    // the rarest is always scored (a query needs a score).
    const wordCost = (i: number) => (weight(probes[i]!) * (counts[i]!.names + counts[i]!.descriptions) * maxId) / probed;
    const rarest = words.slice().sort((a, b) => wordCost(a) - wordCost(b) || a - b);
    const rankTokens: number[] = [];
    let rankCost = 0;
    for (const word of rarest) {
      if (rankTokens.length > 0 && rankCost + wordCost(word) > cost.rankPostings) break;
      rankTokens.push(word);
      rankCost += wordCost(word);
    }
    // The pool's cursors stop once they have their matches: dense matches are found among the newest entries.
    const read = cost.relevancePasses * perEntry + perEntryChecked;
    const reach = matchShare === 0 ? Infinity : cost.poolReach / matchShare;
    if (rankCost + read * Math.min(reach, maxId) <= cost.budgetPostings) return { fromId: null, rankTokens: rankTokens.sort((a, b) => a - b), sortAll: false, postings: Math.round(rankCost + read * Math.min(reach, maxId)) };
    return plan(windowFor(fits(rankCost, read)), rankTokens.sort((a, b) => a - b), false, rankCost, read);
  }
  if (input.sort === "added") {
    // A page of the newest matches: about limit / share entries read back, the whole range when they are rare.
    const reach = matchShare === 0 ? Infinity : (input.limit + 1) / matchShare;
    const read = perEntry + perEntryChecked;
    if (read * Math.min(reach, maxId) <= cost.budgetPostings) return { fromId: null, rankTokens: words, sortAll: false, postings: Math.round(read * Math.min(reach, maxId)) };
    return plan(windowFor(fits(0, read)), words, false, 0, read);
  }

  // Field sorts over everything: the cheaper of sorting every match and walking the sort's index (about
  // limit / share steps, each an FTS5 probe per token) — the plan the queries choose by a count.
  const sortEverything = maxId * (perEntry + perEntryChecked + matchShare * cost.sortPerMatch);
  const tokenWeight = probes.reduce((sum, probe) => sum + weight(probe), 0);
  const walk = matchShare === 0 ? Infinity : ((input.limit + 1) / matchShare) * tokenWeight * cost.walkPerTokenStep;
  if (Math.min(sortEverything, walk) <= cost.budgetPostings) return { fromId: null, rankTokens: words, sortAll: false, postings: Math.round(Math.min(sortEverything, walk)) };
  // Over budget: every match in the newest entries that fit, sorted; no more than maxSorted of them.
  const read = perEntry + perEntryChecked + matchShare * cost.sortPerMatch;
  const window = Math.min(fits(0, read), matchShare === 0 ? Infinity : cost.maxSorted / matchShare);
  return plan(windowFor(window), words, true, 0, read);
}

/**
 * Filter checks per entry covered: every text match a cursor reads is checked before it counts, so the checks
 * follow the matches before filtering — at most the rarest included word's (and, in names, tag facet's) share
 * of each index. In names, tags are facet terms of the match (priced as postings); in descriptions each tag is
 * a probe.
 */
function filterChecksPerEntry(probes: CostProbe[], counts: ProbeCounts[], probed: number, filters: SearchFilters | undefined, cost: SearchCostRates): number {
  if (!filters || (!filters.rows && filters.tags === 0)) return 0;
  const rarest = (index: keyof ProbeCounts, include: (probe: CostProbe) => boolean) =>
    Math.min(1, ...probes.flatMap((probe, i) => (include(probe) ? [counts[i]![index] / probed] : [])));
  const names = rarest("names", (probe) => !probe.excluded);
  const descriptions = rarest("descriptions", (probe) => probe.term !== null);
  const rowChecks = filters.rows ? names + descriptions : 0;
  return cost.filterCheckPerMatch * (rowChecks + filters.tags * descriptions);
}

/**
 * A plan from a cursor (the first page's), kept as far as it costs no more than `fresh`, the plan the same
 * page gets now: its window no wider, its scored words among the fresh ones, sorting all when the fresh plan
 * does. An honest cursor's plan is the fresh one, or narrower if the words' probes moved since; an altered one
 * cannot buy a wider search.
 */
export function boundedBy(fromCursor: PagePlan, fresh: SearchPlan): PagePlan {
  const fromId = fresh.fromId === null ? fromCursor.fromId : Math.max(fresh.fromId, fromCursor.fromId ?? fresh.fromId);
  const rankTokens = fromCursor.rankTokens.every((token) => fresh.rankTokens.includes(token)) ? fromCursor.rankTokens : fresh.rankTokens;
  return { fromId, rankTokens, sortAll: fromCursor.sortAll || fresh.sortAll };
}

/**
 * Whether a query's matches are read oldest first: FTS5 reads a phrase of three or more words newest first at a
 * cost its rowid range does not bound (measured at 1M entries: an 8-word phrase 31 ms newest first in a window
 * of 20k or of 157k entries, 1.5-5 ms oldest first; a 3-word phrase 4 ms either way, 2 words faster newest first).
 */
export function readsForwards(query: ParsedQuery): boolean {
  return [...query.include, ...query.exclude].some((term) => term.tokens.length >= 3);
}

/**
 * The FTS5 expression bm25 scores: the plan's words alone, ANDed (exclusions and facets weigh nothing). Every
 * entry the query matches holds each of its words, so the scoring cursor finds every candidate. Null when a
 * token is not an included probe (a tampered cursor).
 */
export function rankMatchFor(probes: CostProbe[], rankTokens: number[]): string | null {
  if (rankTokens.length === 0 || rankTokens.some((i) => probes[i]?.term == null)) return null;
  const words = rankTokens.map((i) => probes[i]!.match);
  return words.length === 1 ? words[0]! : `(${words.join(" AND ")})`;
}

/**
 * What the answer says a plan covered (protocol SearchNarrowed), or null when it searched every entry up to
 * `pinned` and scored every word. `ranked`: sort=relevance (other sorts score nothing).
 */
export function narrowedBy(probes: CostProbe[], plan: PagePlan | null, pinned: number, ranked: boolean): SearchNarrowed | null {
  if (!plan) return null;
  const words = includedWords(probes);
  const scoredAll = !ranked || words.every((word) => plan.rankTokens.includes(word));
  // An altered cursor may start its window before the first id: that window is everything.
  const searched = plan.fromId === null ? pinned : Math.min(pinned, Math.max(0, pinned - plan.fromId + 1));
  if (searched === pinned && scoredAll) return null;
  return {
    newest_entries: searched,
    of_entries: pinned,
    ranked_by: ranked ? (scoredAll ? words : plan.rankTokens).map((i) => probes[i]!.match.replace(/"/g, "")) : [],
  };
}
