// Search: the SQL plans behind GET /api/search (docs/directory.md "Ranking", "Pagination"), one per sort, each
// reading as few rows as its order allows. Layer: adapter (functions of D1Database, tested apart from routes).
import type { SearchHit, SearchSort } from "../../../protocol/directory";
import { MAX_SEEDER_BUCKET, bucketFloor, facetPhrase, facetTokens, seederBucket } from "../rules/facets";
import { RELEVANCE_POOL, bm25Sql, boostSql, descriptionBm25Sql } from "../rules/ranking";
import { HIT_COLUMNS, toSearchHit, type Links, type SearchRow } from "./rows";

export type SearchSpec = {
  /** A safe FTS5 MATCH expression (worker/directory/rules/query-language.ts), or null for no text filter. */
  match: string | null;
  sort: SearchSort;
  order: "asc" | "desc";
  minSize?: number;
  maxSize?: number;
  tags: string[];
  alive: boolean;
  limit: number;
  /** Keyset: the previous page's last sort key and id. */
  after: { key: number | string | null; id: number } | null;
  /** Only ids up to this one (the newest when the first page was served); null on a first page. */
  maxId: number | null;
};

const FTS_FROM = "torrents_fts JOIN torrents t ON t.id = torrents_fts.rowid";
/** The same join reading only the narrow torrents_rank index (id, seeders, size): for scans that rank or filter. */
const FTS_RANK_FROM = "torrents_fts JOIN torrents t INDEXED BY torrents_rank ON t.id = torrents_fts.rowid";
const FTS_ID = "torrents_fts.rowid";

/** SQL with its parameters, in order. */
type Sql = { text: string; params: unknown[] };

function and(parts: Sql[]): Sql {
  const kept = parts.filter((p) => p.text !== "");
  return { text: kept.map((p) => p.text).join(" AND "), params: kept.flatMap((p) => p.params) };
}

function where(condition: Sql): string {
  return condition.text ? `WHERE ${condition.text}` : "";
}

/** A search FTS5 refused to run; the query language should never emit one, so this is a safety net. */
export class SearchRefusedError extends Error {
  constructor(cause: unknown) {
    super("the query could not be run; use words, \"phrases\", -exclusions and prefix*", { cause });
    this.name = "SearchRefusedError";
  }
}

export type SearchPage = {
  hits: SearchHit[];
  /** Where the next page starts (the last hit's sort key and id), or null on the last page. */
  next: { key: number | string | null; id: number } | null;
  /** The newest torrent id the page could see (the cursor's pin). */
  maxId: number | null;
  /** Time D1 spent on the page query, ms. */
  dbMs: number;
};

/** One page of search hits, as the API returns them. limit + 1 rows are read to tell whether another follows. */
export async function searchTorrents(db: D1Database, spec: SearchSpec, links: Links): Promise<SearchPage> {
  const page = spec.match === null ? listingSql(spec) : textSql(spec, spec.match);
  const statements = [db.prepare(page.text).bind(...page.params)];
  if (spec.maxId === null) statements.push(db.prepare(`SELECT max(id) AS max_id FROM torrents`));
  let results: D1Result<Record<string, unknown>>[];
  try {
    // One batch is one transaction: the pin and the page see the same directory.
    results = await db.batch<Record<string, unknown>>(statements);
  } catch (error) {
    if (/fts5|MATCH/i.test(String(error))) throw new SearchRefusedError(error);
    throw error;
  }
  const [result, max] = results;
  const rows = result!.results as SearchRow[];
  const shown = rows.slice(0, spec.limit);
  const last = shown[shown.length - 1];
  const maxId = spec.maxId ?? ((max?.results[0]?.max_id as number | null | undefined) ?? null);
  return {
    hits: shown.map((row) => toSearchHit(row, links)),
    next: rows.length > spec.limit && last ? { key: last.sort_key, id: last.id } : null,
    maxId: maxId ?? last?.id ?? null,
    dbMs: result!.meta.duration,
  };
}

function pin(spec: SearchSpec, idSql: string): Sql {
  return spec.maxId === null ? { text: "", params: [] } : { text: `${idSql} <= ?`, params: [spec.maxId] };
}

function sizeFilters(spec: SearchSpec): Sql {
  const parts: Sql[] = [];
  if (spec.minSize !== undefined) parts.push({ text: "t.size >= ?", params: [spec.minSize] });
  if (spec.maxSize !== undefined) parts.push({ text: "t.size <= ?", params: [spec.maxSize] });
  return and(parts);
}

/** Keyset condition `(key, id) > / < (?, ?)`, or on the id alone. */
function keyset(spec: SearchSpec, keySql: string | null, idSql: string): Sql {
  if (!spec.after) return { text: "", params: [] };
  const cmp = spec.order === "asc" ? ">" : "<";
  if (keySql === null) return { text: `${idSql} ${cmp} ?`, params: [spec.after.id] };
  return { text: `(${keySql}, ${idSql}) ${cmp} (?, ?)`, params: [spec.after.key, spec.after.id] };
}

/** No text query: ordered straight off an index of torrents; relevance is the seeder boost (seeders order). */
function listingSql(spec: SearchSpec): Sql {
  const dir = spec.order === "asc" ? "ASC" : "DESC";
  const keySql = spec.sort === "added" ? null : spec.sort === "size" ? "t.size" : spec.sort === "name" ? "t.name COLLATE NOCASE" : "t.seeders";
  const condition = and([
    pin(spec, "t.id"),
    sizeFilters(spec),
    spec.alive ? { text: "t.seeders + t.leechers > 0", params: [] } : { text: "", params: [] },
    ...spec.tags.map((tag) => ({ text: "t.id IN (SELECT torrent_id FROM torrent_tags WHERE tag = ?)", params: [tag] })),
    keyset(spec, keySql, "t.id"),
  ]);
  const orderBy = keySql === null ? `t.id ${dir}` : `${keySql} ${dir}, t.id ${dir}`;
  const keyColumn = keySql === null ? "NULL" : keySql.replace(" COLLATE NOCASE", "");
  return {
    text: `SELECT ${HIT_COLUMNS}, ${boostSql("t.seeders")} AS score, ${keyColumn} AS sort_key
      FROM torrents t ${where(condition)} ORDER BY ${orderBy} LIMIT ?`,
    params: [...condition.params, spec.limit + 1],
  };
}

/**
 * The text query with the facet filters (alive, tags) added as FTS5 terms. FTS5 steps through the first
 * operand of an AND row by row and skips the others ahead to it, so a selective facet (a seeders bucket)
 * goes `first`; a dense one (no seeders) goes last.
 */
function facetMatch(spec: SearchSpec, match: string, extra: { first?: string; last?: string } = {}): string {
  const facets = [...(spec.alive ? [facetTokens.alive] : []), ...spec.tags.map(facetTokens.tag), ...(extra.last ? [extra.last] : [])];
  const parts = [...(extra.first ? [facetPhrase(extra.first)] : []), `(${match})`, ...facets.map(facetPhrase)];
  return parts.length === 1 ? match : parts.join(" AND ");
}

/** The facet filters alone (alive, tags, and `extra`'s), as a MATCH expression; null when there are none. */
function facetsOnly(spec: SearchSpec, extra: { first?: string; last?: string } = {}): string | null {
  const tokens = [...(extra.first ? [extra.first] : []), ...(spec.alive ? [facetTokens.alive] : []), ...spec.tags.map(facetTokens.tag), ...(extra.last ? [extra.last] : [])];
  return tokens.length === 0 ? null : tokens.map(facetPhrase).join(" AND ");
}

/**
 * Ids whose description matches the text (torrents_desc_fts, migration 0004) and which pass the facet
 * filters (still read from torrents_fts), for the plans to add to the name/path/tag matches.
 */
function descriptionIds(spec: SearchSpec, match: string, extra: { first?: string; last?: string } = {}): Sql {
  const facets = facetsOnly(spec, extra);
  const condition = and([
    { text: "torrents_desc_fts MATCH ?", params: [match] },
    facets ? { text: "torrents_desc_fts.rowid IN (SELECT rowid FROM torrents_fts WHERE torrents_fts MATCH ?)", params: [facets] } : { text: "", params: [] },
    pin(spec, "torrents_desc_fts.rowid"),
  ]);
  return { text: `SELECT torrents_desc_fts.rowid AS id FROM torrents_desc_fts ${where(condition)}`, params: condition.params };
}

/** Ids matching in name, paths or tags, or in the description: a text query's whole set. */
function matchingIds(spec: SearchSpec, match: string, extra: { first?: string; last?: string } = {}): Sql {
  const desc = descriptionIds(spec, match, extra);
  const main = and([{ text: "torrents_fts MATCH ?", params: [facetMatch(spec, match, extra)] }, pin(spec, FTS_ID)]);
  return { text: `SELECT ${FTS_ID} AS id FROM torrents_fts ${where(main)} UNION ${desc.text}`, params: [...main.params, ...desc.params] };
}

function textSql(spec: SearchSpec, match: string): Sql {
  if (spec.sort === "relevance") return relevanceSql(spec, match);
  if (spec.sort === "seeders") return seedersSql(spec, match);
  const dir = spec.order === "asc" ? "ASC" : "DESC";
  // Name/path/tag matches and description matches, then sorted (added: by id).
  const keySql = spec.sort === "added" ? null : spec.sort === "size" ? "t.size" : "t.name COLLATE NOCASE";
  const ids = matchingIds(spec, match);
  const condition = and([sizeFilters(spec), keyset(spec, keySql, "m.id")]);
  const orderBy = keySql === null ? `m.id ${dir}` : `${keySql} ${dir}, m.id ${dir}`;
  const keyColumn = keySql === null ? "NULL" : keySql.replace(" COLLATE NOCASE", "");
  return {
    text: `SELECT ${HIT_COLUMNS}, NULL AS score, ${keyColumn} AS sort_key
      FROM (${ids.text}) m JOIN torrents t ON t.id = m.id ${where(condition)} ORDER BY ${orderBy} LIMIT ?`,
    params: [...ids.params, ...condition.params, spec.limit + 1],
  };
}

/**
 * Matches in seeders order without sorting them all: one arm per seeder bucket (a facet token), best bucket
 * first, each sorted on its own, chained with UNION ALL so SQLite stops reading once the LIMIT is met.
 */
function seederArms(
  spec: SearchSpec,
  match: string,
  select: string,
  options: { dir: "ASC" | "DESC"; keyset: Sql; lowBucket: number; highBucket: number; unseeded: boolean },
): Sql {
  const arms: { match: string; orderBy: string; extra: { first?: string; last?: string } }[] = [];
  for (let b = options.highBucket; b >= options.lowBucket; b--) {
    const extra = { first: facetTokens.seeded(b) };
    arms.push({ match: facetMatch(spec, match, extra), orderBy: `t.seeders ${options.dir}, ${FTS_ID} ${options.dir}`, extra });
  }
  // No seeders: every key is 0, so the id order is the order.
  if (options.unseeded) {
    const extra = { last: facetTokens.unseeded };
    arms.push({ match: facetMatch(spec, match, extra), orderBy: `${FTS_ID} ${options.dir}`, extra });
  }
  if (options.dir === "ASC") arms.reverse();
  const parts = arms.map((arm) => {
    const condition = and([
      { text: "torrents_fts MATCH ?", params: [arm.match] },
      pin(spec, FTS_ID),
      sizeFilters(spec),
      options.keyset,
    ]);
    // The same bucket's description-only matches (desc_only, built once by seedersSql), merged in the
    // bucket's order. Bounds are inlined as numbers: D1 allows 100 bound parameters per statement.
    return {
      text: `SELECT * FROM (SELECT * FROM (SELECT ${select} FROM ${FTS_RANK_FROM} ${where(condition)}
        UNION ALL SELECT d.id AS id, t.seeders AS s FROM desc_only d JOIN torrents t INDEXED BY torrents_rank ON t.id = d.id
        WHERE ${descArmFilter(spec, arm.extra, options.dir)})
        ORDER BY ${arm.orderBy.replaceAll(FTS_ID, "id").replace("t.seeders", "s")})`,
      params: condition.params,
    };
  });
  return unionAll(parts);
}

/** A seeder arm's filter for description-only matches, as literals: its bucket, sizes and keyset. */
function descArmFilter(spec: SearchSpec, extra: { first?: string; last?: string }, dir: "ASC" | "DESC"): string {
  const n = (v: unknown) => String(Number(v));
  const parts: string[] = [];
  if (extra.last) parts.push("t.seeders = 0");
  else {
    const bucket = [...Array(MAX_SEEDER_BUCKET + 1).keys()].find((b) => extra.first === facetTokens.seeded(b))!;
    parts.push(`t.seeders >= ${n(bucketFloor(bucket))}`);
    if (bucket < MAX_SEEDER_BUCKET) parts.push(`t.seeders < ${n(bucketFloor(bucket + 1))}`);
  }
  if (spec.minSize !== undefined) parts.push(`t.size >= ${n(spec.minSize)}`);
  if (spec.maxSize !== undefined) parts.push(`t.size <= ${n(spec.maxSize)}`);
  if (spec.after && typeof spec.after.key === "number") parts.push(`(t.seeders, d.id) ${dir === "ASC" ? ">" : "<"} (${n(spec.after.key)}, ${n(spec.after.id)})`);
  return parts.join(" AND ");
}

/** D1 allows at most 5 terms in one compound SELECT; longer chains are nested in groups of 5. */
const MAX_COMPOUND_TERMS = 5;
function unionAll(parts: Sql[]): Sql {
  if (parts.length <= MAX_COMPOUND_TERMS) {
    return { text: parts.map((p) => p.text).join("\nUNION ALL "), params: parts.flatMap((p) => p.params) };
  }
  const groups: Sql[] = [];
  for (let i = 0; i < parts.length; i += MAX_COMPOUND_TERMS) {
    const group = unionAll(parts.slice(i, i + MAX_COMPOUND_TERMS));
    groups.push({ text: `SELECT * FROM (${group.text})`, params: group.params });
  }
  return unionAll(groups);
}

function seedersSql(spec: SearchSpec, match: string): Sql {
  const dir = spec.order === "asc" ? "ASC" : "DESC";
  const after = spec.after && typeof spec.after.key === "number" ? spec.after.key : null;
  // Buckets wholly on the far side of the cursor are not read at all.
  const range =
    dir === "DESC"
      ? { lowBucket: 1, highBucket: after === null ? MAX_SEEDER_BUCKET : seederBucket(after), unseeded: true }
      : { lowBucket: after === null ? 1 : Math.max(1, seederBucket(after)), highBucket: MAX_SEEDER_BUCKET, unseeded: after === null || after === 0 };
  const arms = seederArms(spec, match, `${FTS_ID} AS id, t.seeders AS s`, {
    dir,
    keyset: keyset(spec, "t.seeders", FTS_ID),
    ...range,
  });
  // The arms read only the narrow torrents_rank index; full rows are read for the page alone.
  const desc = descriptionIds(spec, match);
  return {
    text: `WITH desc_only AS MATERIALIZED (
        SELECT id FROM (${desc.text}) WHERE id NOT IN (SELECT rowid FROM torrents_fts WHERE torrents_fts MATCH ?)
      ), page AS (SELECT id, s FROM (${arms.text}) LIMIT ?)
      SELECT ${HIT_COLUMNS}, NULL AS score, t.seeders AS sort_key FROM page k JOIN torrents t ON t.id = k.id
      ORDER BY k.s ${dir}, k.id ${dir}`,
    params: [...desc.params, facetMatch(spec, match), ...arms.params, spec.limit + 1],
  };
}

/**
 * Relevance: bm25 × seeder boost over the pool (RELEVANCE_POOL): the newest N matches and the newest M live
 * ones. FTS5's bm25() counts every match of every phrase of its MATCH for the idf, once per
 * cursor, so exactly one cursor scores, it matches the text alone (facet phrases weigh 0 but would still
 * be counted), and it reads only the rowid range the pool spans. Cursors that do not score pick the pool.
 * Keyset pages anchor on the last hit's score as it is *now* (bm25 rescales when entries are added).
 */
function relevanceSql(spec: SearchSpec, match: string): Sql {
  const dir = spec.order === "asc" ? "ASC" : "DESC";
  const sizes = sizeFilters(spec);
  const full = facetMatch(spec, match);
  const newestCondition = and([{ text: "torrents_fts MATCH ?", params: [full] }, pin(spec, FTS_ID), sizes]);
  const liveCondition = and([
    { text: "torrents_fts MATCH ?", params: [spec.alive ? full : facetMatch(spec, match, { last: facetTokens.alive })] },
    pin(spec, FTS_ID),
    sizes,
  ]);
  const from = sizes.text ? FTS_RANK_FROM : "torrents_fts";
  const score = `(-p.b * ${boostSql("r.seeders")})`;
  // Description-only matches: their own pool of the newest N, scored by the description's weighted bm25.
  const desc = descriptionIds(spec, match);
  const descNewest = and([
    { text: `torrents_desc_fts.rowid IN (SELECT id FROM (${desc.text}))`, params: desc.params },
    sizes.text ? { text: `torrents_desc_fts.rowid IN (SELECT t.id FROM torrents t INDEXED BY torrents_rank WHERE ${sizes.text})`, params: sizes.params } : { text: "", params: [] },
  ]);
  let after: Sql = { text: "", params: [] };
  if (spec.after) {
    const cmp = dir === "ASC" ? ">" : "<";
    after = {
      text: `WHERE (${score}, p.id) ${cmp} (coalesce((SELECT -a.b * ${boostSql("ar.seeders")} FROM pool a JOIN torrents ar INDEXED BY torrents_rank ON ar.id = a.id WHERE a.id = ?), ?), ?)`,
      params: [spec.after.id, spec.after.key, spec.after.id],
    };
  }
  return {
    text: `WITH newest AS (
        SELECT ${FTS_ID} AS id FROM ${from} ${where(newestCondition)} ORDER BY ${FTS_ID} DESC LIMIT ${RELEVANCE_POOL.newest}
      ), live AS (
        -- fewer than N newest means every match is already a candidate: LIMIT 0, this cursor is not read
        SELECT ${FTS_ID} AS id FROM ${from} ${where(liveCondition)} ORDER BY ${FTS_ID} DESC
        LIMIT CASE WHEN (SELECT count(*) FROM newest) >= ${RELEVANCE_POOL.newest} THEN ${RELEVANCE_POOL.live} ELSE 0 END
      ), candidates AS (
        SELECT id FROM newest UNION SELECT id FROM live
      ), main_pool AS MATERIALIZED (
        -- One range scan from the oldest candidate; "+rowid" keeps the IN a filter on that scan, never a
        -- rowid lookup per candidate (each lookup would recount the idf).
        SELECT ${FTS_ID} AS id, ${bm25Sql("torrents_fts")} AS b FROM torrents_fts
        WHERE torrents_fts MATCH ? AND ${FTS_ID} >= (SELECT min(id) FROM candidates) AND +${FTS_ID} IN (SELECT id FROM candidates)
      ), desc_newest AS (
        SELECT torrents_desc_fts.rowid AS id FROM torrents_desc_fts ${where(descNewest)}
        ORDER BY torrents_desc_fts.rowid DESC LIMIT ${RELEVANCE_POOL.newest}
      ), desc_pool AS MATERIALIZED (
        SELECT torrents_desc_fts.rowid AS id, ${descriptionBm25Sql("torrents_desc_fts")} AS b FROM torrents_desc_fts
        WHERE torrents_desc_fts MATCH ? AND torrents_desc_fts.rowid >= (SELECT min(id) FROM desc_newest)
          AND +torrents_desc_fts.rowid IN (SELECT id FROM desc_newest) AND torrents_desc_fts.rowid NOT IN (SELECT id FROM main_pool)
      ), pool AS (
        SELECT id, b FROM main_pool UNION ALL SELECT id, b FROM desc_pool
      ), ranked AS (
        -- scored off the narrow torrents_rank index; full rows are read for the page alone
        SELECT p.id, ${score} AS score FROM pool p JOIN torrents r INDEXED BY torrents_rank ON r.id = p.id
        ${after.text}
        ORDER BY score ${dir}, p.id ${dir} LIMIT ?
      )
      SELECT ${HIT_COLUMNS}, k.score AS score, k.score AS sort_key
      FROM ranked k JOIN torrents t ON t.id = k.id
      ORDER BY k.score ${dir}, k.id ${dir}`,
    params: [...newestCondition.params, ...liveCondition.params, match, ...descNewest.params, match, ...after.params, spec.limit + 1],
  };
}
