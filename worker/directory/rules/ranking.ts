// How search hits are ranked (docs/directory.md "Ranking"). Layer: pure logic; the SQL text the queries
// module embeds is built here from the same constants as the JavaScript twin the unit tests check.

/**
 * bm25 column weights for torrents_fts (name, paths, tags, facets): a name match outweighs a tag match,
 * which outweighs a file-path match; facet tokens (filters) weigh nothing.
 */
export const COLUMN_WEIGHTS = { name: 10, paths: 1, tags: 4, facets: 0 } as const;

/**
 * bm25 weight of the description (its own FTS5 table, torrents_desc_fts): above a file path, below a tag and
 * far below the name, so an entry named for the words outranks one that only describes them.
 */
export const DESCRIPTION_WEIGHT = 2;

/**
 * Relevance ranks a bounded pool when a text query matches many entries (docs/directory.md "Ranking"):
 * bm25 must be computed for every candidate and FTS5 has no top-k shortcut, so the pool is the `newest`
 * matches plus the newest `live` matches (seeders or leechers): FTS5 reads both in rowid order without
 * sorting, and the one scoring scan covers just the range they span. A query with no more than `newest`
 * matches is ranked whole.
 */
export const RELEVANCE_POOL = { newest: 1000, live: 1000 } as const;

/** Seeders at which the boost is half its maximum. */
export const SEEDER_HALF_BOOST = 5;

/**
 * The live-seeder boost: 1 with no seeders, rising to 2 as seeders grow (1 → 1.17, 5 → 1.5, 20 → 1.8).
 * Saturating, so a hugely seeded loose match cannot bury a precise one: at most a factor of 2.
 * It depends on seeders only, so ordering by it is ordering by seeders (an index, not a sort).
 */
export function seederBoost(seeders: number): number {
  return 1 + seeders / (seeders + SEEDER_HALF_BOOST);
}

/** FTS5's bm25() is negative (more negative = better); relevance flips it so higher is better. */
export function score(bm25: number, seeders: number): number {
  return -bm25 * seederBoost(seeders);
}

/** SQL for seederBoost over a column holding the seeder count. */
export function boostSql(seeders: string): string {
  return `(1.0 + ${seeders} / (${seeders} + ${SEEDER_HALF_BOOST}.0))`;
}

/** SQL for FTS5's bm25() with the column weights, in a query whose FTS5 table is `fts`. */
export function bm25Sql(fts: string): string {
  const { name, paths, tags, facets } = COLUMN_WEIGHTS;
  return `bm25(${fts}, ${name}.0, ${paths}.0, ${tags}.0, ${facets}.0)`;
}

/** SQL for the description's bm25 (negative, like bm25Sql) in a query over torrents_desc_fts. */
export function descriptionBm25Sql(fts: string): string {
  return `(bm25(${fts}) * ${DESCRIPTION_WEIGHT}.0)`;
}

/** SQL for score() in a query whose FTS5 table is `fts`; `seeders` names the seeder column. */
export function scoreSql(fts: string, seeders: string): string {
  return `(-${bm25Sql(fts)} * ${boostSql(seeders)})`;
}
