import { describe, expect, it } from "vitest";
import { RELEVANCE_POOL } from "../../worker/directory/rules/ranking";
import { facetTokens } from "../../worker/directory/rules/facets";
import { DB, publishOk, randomHash, searchOk, uniqueWord, upsertSwarmStats } from "./directory-helpers";

const live = (complete: number, incomplete = 0) => ({ complete, incomplete, downloaded: 0 });

describe("facet tokens", () => {
  it("are written by the migration's view exactly as facets.ts builds them, and live counts never touch them", async () => {
    const tag = uniqueWord("t");
    const hash = randomHash();
    await publishOk({ info_hash: hash, name: "facets", size: 1, tags: [tag, "sci-fi", "a.b_c"] });
    for (const [seeders, leechers] of [[0, 0], [0, 2], [1, 0], [3, 1], [4, 0], [15, 0], [16, 0], [1023, 0], [1024, 0], [1048575, 0], [1048576, 0], [5e7, 0]] as const) {
      await upsertSwarmStats(DB, hash, live(seeders, leechers), Date.now());
      const row = await DB.prepare(`SELECT facets FROM torrents_fts WHERE rowid = (SELECT id FROM torrents WHERE info_hash = ?1)`)
        .bind(hash)
        .first<{ facets: string }>();
      const expected = [facetTokens.tag(tag), facetTokens.tag("sci-fi"), facetTokens.tag("a.b_c")].join(" ");
      expect(row!.facets, `${seeders} seeders`).toBe(expected);
    }
  });

  it("make a tag filter exact, even for tags with punctuation", async () => {
    const word = uniqueWord("w");
    const [exact, longer, words] = [randomHash(), randomHash(), randomHash()];
    await publishOk([
      { info_hash: exact, name: `${word} one`, size: 1, tags: ["sci-fi"] },
      { info_hash: longer, name: `${word} two`, size: 1, tags: ["sci-fi-classics"] },
      { info_hash: words, name: `${word} sci fi three`, size: 1, tags: ["sci", "fi"] },
    ]);
    expect((await searchOk({ q: word, tag: "sci-fi" })).hits.map((h) => h.info_hash)).toEqual([exact]);
    expect((await searchOk({ q: word, tag: "sci-fi", sort: "seeders" })).hits.map((h) => h.info_hash)).toEqual([exact]);
    expect((await searchOk({ tag: "sci-fi-classics" })).hits.map((h) => h.info_hash)).toContain(longer);
  });

  it("cannot be typed into the search box", async () => {
    const tag = uniqueWord("t");
    await publishOk({ info_hash: randomHash(), name: "facet probe", size: 1, tags: [tag] });
    // Entries indexed before migration 0003 carry this "unseeded" facet, but the query language drops
    // private-use characters: "n" is searched.
    const unseeded = "\uE000n";
    for (const q of [unseeded, `"${unseeded}"`, `${unseeded} facet`]) {
      expect((await searchOk({ q, tag })).hits, q).toEqual([]);
    }
  });
});

describe("seeders order through the bucket arms", () => {
  it("matches an exact sort across every bucket, both ways, page by page", async () => {
    const tag = uniqueWord("t");
    const word = uniqueWord("s");
    const seeders = [0, 0, 1, 1, 2, 3, 4, 5, 15, 16, 17, 63, 64, 300, 1024, 5000, 70000, 2_000_000];
    const entries = seeders.map((s, i) => ({ info_hash: randomHash(), name: `${word} ${i}`, size: 1, tags: [tag], s }));
    await publishOk(entries.map(({ s: _s, ...e }) => e));
    for (const e of entries) if (e.s > 0) await upsertSwarmStats(DB, e.info_hash, live(e.s), Date.now());
    // ids follow publish order, so ties break newest first (desc) or oldest first (asc)
    const desc = entries.map((e, i) => ({ ...e, i })).sort((a, b) => b.s - a.s || b.i - a.i).map((e) => e.info_hash);
    for (const [order, expected] of [["desc", desc], ["asc", [...desc].reverse()]] as const) {
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const page = await searchOk({ q: word, tag, sort: "seeders", order, limit: 3, ...(cursor ? { cursor } : {}) });
        seen.push(...page.hits.map((h) => h.info_hash));
        cursor = page.next_cursor;
      } while (cursor);
      expect(seen, order).toEqual(expected);
    }
    const alive = await searchOk({ q: word, tag, sort: "seeders", alive: 1, limit: 100 });
    expect(alive.hits).toHaveLength(seeders.filter((s) => s > 0).length);
  });
});

describe("relevance over many matches", () => {
  it(`brings an old, well-seeded match to the top when more than ${RELEVANCE_POOL.newest} entries match`, async () => {
    const tag = uniqueWord("t");
    const word = uniqueWord("r");
    const old = randomHash();
    await publishOk({ info_hash: old, name: `${word} classic`, size: 1, tags: [tag] });
    const many = Array.from({ length: RELEVANCE_POOL.newest + 50 }, (_, i) => ({ info_hash: randomHash(), name: `${word} copy ${i}`, size: 1, tags: [tag] }));
    for (let i = 0; i < many.length; i += 1000) await publishOk(many.slice(i, i + 1000));
    await upsertSwarmStats(DB, old, live(25), Date.now());
    const { hits } = await searchOk({ q: word, tag, limit: 5 });
    expect(hits[0]!.info_hash).toBe(old);
    // sort=added walks every match; relevance stops at the end of its pool.
    let count = 0;
    let cursor: string | null = null;
    do {
      const page = await searchOk({ q: word, tag, limit: 100, ...(cursor ? { cursor } : {}) });
      count += page.hits.length;
      cursor = page.next_cursor;
    } while (cursor);
    expect(count).toBe(RELEVANCE_POOL.newest + 1);
    count = 0;
    do {
      const page = await searchOk({ q: word, tag, sort: "added", limit: 100, ...(cursor ? { cursor } : {}) });
      count += page.hits.length;
      cursor = page.next_cursor;
    } while (cursor);
    expect(count).toBe(many.length + 1);
  });
});

describe("search SQL", () => {
  it("reads torrents for the page alone: the outermost join is driven by the page under every sort", async () => {
    const { searchTorrents } = await import("../../worker/directory/queries/search");
    for (const sort of ["relevance", "seeders", "size", "added", "name"] as const) {
      let page: { sql: string; params: unknown[] } | undefined;
      const spy = {
        prepare: (sql: string) => ({ bind: (...params: unknown[]) => ((page ??= { sql, params }), DB.prepare(sql).bind(...params)) }),
        batch: (statements: D1PreparedStatement[]) => DB.batch(statements),
      } as unknown as D1Database;
      await searchTorrents(spy, { match: '"love"', sort, order: "desc", tags: [], alive: false, limit: 20, after: null, maxId: 1e9 }, { wsBase: "ws://directory.test" });
      const plan = await DB.prepare(`EXPLAIN QUERY PLAN ${page!.sql}`).bind(...page!.params).all<{ parent: number; detail: string }>();
      const top = plan.results.filter((row) => row.parent === 0).map((row) => row.detail);
      expect(top.filter((detail) => /^SCAN t\b/.test(detail)), `${sort}: ${top.join("; ")}`).toEqual([]);
      expect(top, sort).toContain("SEARCH t USING INTEGER PRIMARY KEY (rowid=?)");
    }
  });

  it("checks live state in the live entries' index (migration 0006), never in every entry's, under every sort", async () => {
    const { searchTorrents, estimateSearchCost } = await import("../../worker/directory/queries/search");
    const probeIndexes = async (sql: string, params: unknown[]) => {
      const plan = await DB.prepare(`EXPLAIN QUERY PLAN ${sql}`).bind(...params).all<{ detail: string }>();
      return plan.results.map((row) => row.detail).filter((detail) => /^SEARCH (t|r|ar) USING .*INDEX torrents_(rank|live)\b/.test(detail));
    };
    const statements: { sql: string; params: unknown[] }[] = [];
    const spy = {
      prepare: (sql: string) => ({
        bind: (...params: unknown[]) => (statements.push({ sql, params }), DB.prepare(sql).bind(...params)),
      }),
      batch: (batch: D1PreparedStatement[]) => DB.batch(batch),
    } as unknown as D1Database;
    for (const sort of ["relevance", "seeders", "size", "added", "name"] as const) {
      for (const alive of [false, true]) {
        statements.length = 0;
        await searchTorrents(spy, { match: '"love"', sort, order: "desc", tags: [], alive, minSize: alive ? 1 : undefined, limit: 20, after: null, maxId: 1e9 }, { wsBase: "ws://directory.test" });
        const probes = await probeIndexes(statements[0]!.sql, statements[0]!.params);
        const live = probes.filter((detail) => detail.includes("torrents_live"));
        const rank = probes.filter((detail) => detail.includes("torrents_rank"));
        if (alive) {
          // every liveness (and size) check of a candidate; only ranking's seeder lookups read every entry's index
          // (sort=name reads each match's row for its name anyway, and checks it there)
          if (sort !== "name") expect(live.length, `${sort}: ${probes.join("; ")}`).toBeGreaterThan(0);
          expect(rank.filter((detail) => detail.startsWith("SEARCH t ")), `${sort}: ${probes.join("; ")}`).toEqual([]);
        } else if (sort === "relevance") {
          // the pool's newest live matches
          expect(live, probes.join("; ")).toEqual(["SEARCH t USING COVERING INDEX torrents_live (id=?)"]);
        } else {
          expect(live, `${sort}: ${probes.join("; ")}`).toEqual([]);
        }
      }
    }
    statements.length = 0;
    await estimateSearchCost(spy, [], { match: '"love"', tags: [], alive: true }, null);
    const counted = await probeIndexes(statements[0]!.sql, statements[0]!.params);
    expect(counted, counted.join("; ")).toEqual(["SEARCH t USING COVERING INDEX torrents_live (id=?)"]);
  });

  it("stays within D1's limits (100 bound parameters, 5 compound terms) for every sort with every filter", async () => {
    const { searchTorrents } = await import("../../worker/directory/queries/search");
    for (const sort of ["relevance", "seeders", "size", "added", "name"] as const) {
      for (const order of ["asc", "desc"] as const) {
        for (const match of ['"love"', null]) {
          const captured: { sql: string; params: unknown[] }[] = [];
          const spy = {
            prepare: (sql: string) => ({
              bind: (...params: unknown[]) => {
                captured.push({ sql, params });
                return DB.prepare(sql).bind(...params);
              },
            }),
            batch: (statements: D1PreparedStatement[]) => DB.batch(statements),
          } as unknown as D1Database;
          const page = await searchTorrents(spy, {
            match,
            sort,
            order,
            minSize: 1,
            maxSize: 1e12,
            tags: ["a", "b", "c", "d", "e"],
            alive: true,
            limit: 100,
            after: { key: sort === "name" ? "m" : 3, id: 10 },
            maxId: 1e9,
          }, { wsBase: "ws://directory.test" });
          expect(page.hits).toEqual(expect.any(Array));
          expect(captured[0]!.params.length, `${sort} ${order} ${match}`).toBeLessThanOrEqual(100);
        }
      }
    }
  });
});
