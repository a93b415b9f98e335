// The search cost plan (issue 10) on the real D1 inside workerd: the probes count what the indexes hold, and a
// narrowed search answers exactly the best matches among the newest entries it covers, page after page, in
// every sort; the plan travels in the cursor and a tampered one is refused.
import { describe, expect, it } from "vitest";
import { estimateSearchCost, searchTorrents, type SearchSpec } from "../../worker/directory/queries/search";
import { parseSearchQuery, type ParsedQuery } from "../../worker/directory/rules/query-language";
import { SEARCH_COST, costProbes, planSearch, rankMatchFor, readsForwards, type CostedSort } from "../../worker/directory/rules/search-cost";
import { DB, publish, randomHash, search, searchOk, uniqueWord, upsertSwarmStats } from "./directory-helpers";

const links = { wsBase: "ws://directory.test" };

function parsed(input: string): { query: ParsedQuery; match: string } {
  const result = parseSearchQuery(input);
  if (!result.ok || result.match === null) throw new Error(result.ok ? "no match" : result.error);
  return { query: result.query, match: result.match };
}

type Entry = { info_hash: string; name: string; size: number; description?: string; seeders: number };

/** Publishes `count` entries named with `word` (every third with `rare` too), in id order, with seeders. */
async function publishEntries(word: string, rare: string, described: string, count: number): Promise<Entry[]> {
  const entries: Entry[] = Array.from({ length: count }, (_, i) => ({
    info_hash: randomHash(),
    name: `${word} ${i % 3 === 0 ? rare : "plain"} part ${i}`,
    size: 1000 + ((i * 7) % 13),
    description: i % 4 === 0 ? `${described} notes` : undefined,
    seeders: (i * 5) % 11,
  }));
  const res = await publish(entries.map(({ seeders: _s, ...e }) => e));
  expect(res.status).toBe(201);
  for (const e of entries) if (e.seeders > 0) await upsertSwarmStats(DB, e.info_hash, { complete: e.seeders, incomplete: 0, downloaded: 0 }, Date.now());
  return entries;
}

/** Every page of a search spec, as info hashes. */
async function allPages(spec: Omit<SearchSpec, "after" | "limit">): Promise<string[]> {
  const seen: string[] = [];
  let after: SearchSpec["after"] = null;
  do {
    const page = await searchTorrents(DB, { ...spec, limit: 4, after }, links);
    seen.push(...page.hits.map((h) => h.info_hash));
    after = page.next;
  } while (after);
  return seen;
}

describe("the cost probes", () => {
  it("count each word's entries among the newest, in names and in descriptions, and the whole query's", async () => {
    const word = uniqueWord("cw");
    const rare = uniqueWord("cr");
    const described = uniqueWord("cd");
    await publishEntries(word, rare, described, 30);
    const { query, match } = parsed(`${word} ${rare} -${described}`);
    const probes = costProbes(query);
    const estimate = await estimateSearchCost(DB, probes, { match, tags: [], alive: false }, null, { probed: 1000 });
    expect(estimate.counts).toEqual([
      { names: 30, descriptions: 0 },
      { names: 10, descriptions: 0 },
      { names: 0, descriptions: 8 },
    ]);
    // word AND rare NOT described, in either index: in names all ten (the description word is not there), as
    // the search matches them.
    expect(estimate.matched).toBe(10);
    const described10 = await estimateSearchCost(DB, costProbes(parsed(described).query), { match: parsed(described).match, tags: [], alive: false }, null, { probed: 1000 });
    expect(described10.matched).toBe(8);
    // Only the newest 5 entries probed: counts shrink with the window.
    const newest = await estimateSearchCost(DB, probes, { match, tags: [], alive: false }, estimate.maxId, { probed: 5 });
    expect(newest.counts[0]).toEqual({ names: 5, descriptions: 0 });
  });
});

describe("the cost probes with a cache", () => {
  it("probe a word once a minute: later searches read its kept count, the whole query is probed every time", async () => {
    const { ProbeCache } = await import("../../worker/directory/rules/probe-cache");
    const word = uniqueWord("kw");
    await publishEntries(word, uniqueWord("kr"), uniqueWord("kd"), 10);
    const { query, match } = parsed(word);
    const probes = costProbes(query);
    const cache = new ProbeCache();
    const first = await estimateSearchCost(DB, probes, { match, tags: [], alive: false }, null, { probed: 1000, cache, now: 1_000 });
    expect(first.counts[0]!.names).toBe(10);
    await publishEntries(word, uniqueWord("kr"), uniqueWord("kd"), 5);
    const kept = await estimateSearchCost(DB, probes, { match, tags: [], alive: false }, null, { probed: 1000, cache, now: 2_000 });
    // The word's share as kept (this directory is smaller than the probe, so the window grew with it).
    expect(kept.counts[0]!.names / kept.probed, "the word's share as kept").toBeCloseTo(10 / first.probed, 9);
    expect(kept.matched, "the whole query, probed again").toBe(15);
    const expired = await estimateSearchCost(DB, probes, { match, tags: [], alive: false }, null, { probed: 1000, cache, now: 62_000 });
    expect(expired.counts[0]!.names).toBe(15);
  });
});

describe("a narrowed search", () => {
  it("answers exactly the best matches among the newest entries it covers, in every sort, page after page", async () => {
    const word = uniqueWord("nw");
    const rare = uniqueWord("nr");
    const entries = await publishEntries(word, rare, uniqueWord("nd"), 40);
    const { query, match } = parsed(word);
    const probes = costProbes(query);
    const estimate = await estimateSearchCost(DB, probes, { match, tags: [], alive: false }, null);
    // A budget this directory exceeds: the newest 12 entries (the last 12 published, ids in publish order).
    const tiny = { ...SEARCH_COST, budgetPostings: 1, rankPostings: 0, minWindow: 12 };
    const window = entries.slice(-12);
    const byHash = (hashes: string[]) => hashes.map((h) => entries.findIndex((e) => e.info_hash === h));
    for (const [sort, order] of [["added", "desc"], ["seeders", "desc"], ["size", "asc"], ["name", "asc"], ["relevance", "desc"]] as const) {
      const costed: CostedSort = sort === "relevance" || sort === "added" ? sort : "field";
      const plan = planSearch({ ...estimate, probes, sort: costed, limit: 4 }, tiny);
      expect(plan.fromId, sort).toBe(estimate.maxId - 11);
      const spec = { match, rankMatch: rankMatchFor(probes, plan.rankTokens), fromId: plan.fromId, sortAll: plan.sortAll, sort, order, tags: [], alive: false, maxId: estimate.maxId };
      const narrowed = byHash(await allPages(spec));
      expect(narrowed.every((i) => i >= 28), `${sort}: only the window`).toBe(true);
      expect(new Set(narrowed).size, `${sort}: every match in the window, once`).toBe(window.length);
      if (sort === "seeders") expect(narrowed.map((i) => entries[i]!.seeders)).toEqual(window.map((e) => e.seeders).sort((a, b) => b - a));
      if (sort === "size") expect(narrowed.map((i) => entries[i]!.size)).toEqual(window.map((e) => e.size).sort((a, b) => a - b));
      if (sort === "added") expect(narrowed).toEqual(window.map((_, i) => 39 - i));
    }
  });

  it("of a long phrase reads oldest first and finds the same entries as newest first", async () => {
    const words = [uniqueWord("pa"), uniqueWord("pb"), uniqueWord("pc")];
    const hashes: string[] = [];
    for (let i = 0; i < 9; i++) {
      const hash = randomHash();
      // Every other entry holds the phrase in order; the rest the same words out of order.
      const name = i % 2 === 0 ? words.join(" ") : [...words].reverse().join(" ");
      expect((await publish({ info_hash: hash, name: `${name} ${i}`, size: 1 })).status).toBe(201);
      if (i % 2 === 0) hashes.unshift(hash);
    }
    const { query, match } = parsed(`"${words.join(" ")}"`);
    expect(readsForwards(query)).toBe(true);
    for (const sort of ["added", "relevance"] as const) {
      const base = { match, rankMatch: match, sort, order: "desc" as const, tags: [], alive: false, maxId: null };
      const backwards = await allPages({ ...base, readForwards: false });
      const forwards = await allPages({ ...base, readForwards: true });
      expect(forwards, sort).toEqual(backwards);
      if (sort === "added") expect(forwards).toEqual(hashes);
      else expect([...forwards].sort()).toEqual([...hashes].sort());
    }
  });
});

describe("the search route", () => {
  it("says nothing was narrowed when the words are not common, and carries the plan in its cursor", async () => {
    const word = uniqueWord("rw");
    await publishEntries(word, uniqueWord("rr"), uniqueWord("rd"), 6);
    const first = await searchOk({ q: word, limit: 2 });
    expect(first.narrowed).toBeNull();
    expect(first.next_cursor).not.toBeNull();
    const seen = first.hits.map((h) => h.info_hash);
    let cursor = first.next_cursor;
    while (cursor) {
      const page = await searchOk({ q: word, limit: 2, cursor });
      seen.push(...page.hits.map((h) => h.info_hash));
      cursor = page.next_cursor;
    }
    expect(new Set(seen).size).toBe(6);
  });

  it("refuses a cursor whose plan scores a word the query excludes (400), never running it", async () => {
    const word = uniqueWord("tw");
    const excluded = uniqueWord("tx");
    await publishEntries(word, uniqueWord("tr"), uniqueWord("td"), 4);
    const q = `${word} -${excluded}`;
    const first = await searchOk({ q, limit: 1 });
    const wire = JSON.parse(atob(first.next_cursor!.replace(/-/g, "+").replace(/_/g, "/"))) as { r: number[] };
    expect(wire.r).toEqual([0]);
    for (const r of [[1], [7], []]) {
      const tampered = btoa(JSON.stringify({ ...wire, r })).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
      const { status, body } = await search({ q, limit: 1, cursor: tampered });
      expect(status, JSON.stringify(r)).toBe(400);
      expect(body.error?.code).toBe("bad_cursor");
    }
  });
});
