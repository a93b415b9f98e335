// Search: the SQL plans behind GET /api/search (docs/directory.md "Ranking", "Pagination"), one per sort, each
// reading as few rows as its order allows. Layer: adapter (functions of D1Database, tested apart from routes).
import type { SearchHit, SearchSort } from "../../../protocol/directory";
import { facetPhrase, facetTokens } from "../rules/facets";
import { RELEVANCE_POOL, bm25Sql, boostSql, descriptionBm25Sql } from "../rules/ranking";
import type { ProbeCache } from "../rules/probe-cache";
import { SEARCH_COST, type CostProbe, type ProbeCounts } from "../rules/search-cost";
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
  /** Only ids from this one: a search narrowed to the newest entries by its cost (rules/search-cost.ts). */
  fromId?: number | null;
  /** sort=seeders|size|name: sort every match (the cost plan bounded how many), no count and no index walk. */
  sortAll?: boolean;
  /** Read matches oldest first and sort them, not newest first (rules/search-cost.ts readsForwards). */
  readForwards?: boolean;
  /** sort=seeders|size|name: matches below which all are sorted (default SORT_ALL_BELOW; tests lower it to reach the other plan). */
  sortAllBelow?: number;
  /**
   * The included terms alone (no -exclusions), for bm25: an excluded phrase scores 0 in every hit, but FTS5
   * would still read its whole posting list for the idf. Default: `match`.
   */
  rankMatch?: string | null;
};

/**
 * The two full-text indexes a text query is matched in: names, paths and tags (torrents_fts, with the tag
 * facets) and descriptions (torrents_desc_fts, migration 0004). An entry matches when the whole query matches
 * in either; every plan reads both, with the same filters, and merges them in its order.
 */
type TextIndex = "torrents_fts" | "torrents_desc_fts";
const TEXT_INDEXES: readonly TextIndex[] = ["torrents_fts", "torrents_desc_fts"];

/**
 * What a text index is joined to: the whole row (for names), or the narrow index of every entry (id, seeders,
 * leechers, size), or the same columns for live entries alone (migration 0006), several times smaller and
 * mostly cached; a query that names it must require ALIVE, or SQLite cannot use it.
 */
type Joined = "row" | NarrowIndex;
type NarrowIndex = "torrents_rank" | "torrents_live";

function joined(index: TextIndex, to: Joined): string {
  return `${index} JOIN torrents t ${to === "row" ? "" : `INDEXED BY ${to} `}ON t.id = ${index}.rowid`;
}

/** The narrow index a search's filters are checked in: the live entries' when it wants live entries only. */
function narrowFor(spec: Pick<SearchSpec, "alive">): NarrowIndex {
  return spec.alive ? "torrents_live" : "torrents_rank";
}

/**
 * Live state is read from the torrent's row (migration 0003: it left the full-text index, where every count
 * change rewrote the whole row); per candidate that is one probe of torrents_live (migration 0006), which
 * holds the live entries alone: a candidate missing from it is not live. This exact text is the index's
 * WHERE, which is what lets SQLite use it.
 */
const ALIVE: Sql = { text: "t.seeders + t.leechers > 0", params: [] };

/**
 * sort=seeders|size|name with text: below this many matches (those in names, paths and tags plus those in
 * descriptions, each index counted up to it) every match is sorted (per match one probe of torrents_rank,
 * ~0.5 µs, or for names of the row, ~3 µs); beyond it matches are dense enough that walking torrents in that
 * order and looking each up in the text indexes (an FTS5 probe, 30-180 µs each) fills a page sooner: about
 * limit × entries / matches probes. Chosen for the crossover at 1M entries (issue 10).
 */
export const SORT_ALL_BELOW = { seeders: 50_000, size: 50_000, name: 20_000 } as const;

/** What each field sort orders by, the index that walks torrents in that order (ending in the id), and whether the key is in torrents_rank (names are read from the row). */
const FIELD_SORTS = {
  seeders: { key: "t.seeders", index: "torrents_seeders", narrow: true },
  size: { key: "t.size", index: "torrents_size", narrow: true },
  name: { key: "t.name COLLATE NOCASE", index: "torrents_name", narrow: false },
} as const;

/**
 * A rowid bound past every entry: what a scan "from the oldest candidate" starts at when there is no candidate
 * (FTS5 reads a NULL bound as 0, which would scan the whole index for nothing).
 */
const NO_ROWID = "9223372036854775807";

/**
 * `select` (one `id` column out of a text index, with its WHERE) in `dir` order of `idSql`, at most `limit`
 * rows. Newest first, FTS5 reads a phrase of several words at a cost its rowid range does not bound, so for
 * such queries the range is read oldest first and sorted (the cost plan bounded the range).
 */
function inIdOrder(spec: SearchSpec, select: string, idSql: string, dir: "ASC" | "DESC", limit: string): string {
  if (dir === "DESC" && spec.readForwards) return `SELECT id FROM (${select} ORDER BY ${idSql} ASC LIMIT -1) ORDER BY id DESC LIMIT ${limit}`;
  return `${select} ORDER BY ${idSql} ${dir} LIMIT ${limit}`;
}

/** SQL with its parameters, in order. */
type Sql = { text: string; params: unknown[] };

/** No condition: and() drops it. */
const NOTHING: Sql = { text: "", params: [] };

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

/** What the cost probes need of a search: its text and the filters that thin its matches. */
export type CostedSearch = Pick<SearchSpec, "tags" | "minSize" | "maxSize" | "alive"> & { match: string };

/**
 * What the cost probes found (rules/search-cost.ts): per probe its matches among the newest `probed` entries,
 * and how many of those entries the whole query matched (in either index).
 */
export type CostEstimate = { maxId: number; probed: number; counts: ProbeCounts[]; matched: number; dbMs: number };

/**
 * Counts each probe's matches among the newest `probed` entries up to `maxId` (the newest id when null), in
 * both indexes, in one statement: FTS5 seeks each list to the range, so a probe reads at most `probed` postings.
 */
export async function estimateSearchCost(
  db: D1Database,
  probes: CostProbe[],
  spec: CostedSearch,
  maxId: number | null,
  options: { probed?: number; cache?: ProbeCache; now?: number } = {},
): Promise<CostEstimate> {
  const probed = options.probed ?? SEARCH_COST.probeEntries;
  const now = options.now ?? Date.now();
  // Words probed in the last minute are not probed again (rules/probe-cache.ts); the whole query always is.
  const cached = probes.map((probe) => options.cache?.get(probe.match, now));
  const newest = "(SELECT m FROM top)";
  const range = (index: TextIndex): Sql => ({ text: `${index}.rowid > ${newest} - ${Math.floor(probed)} AND ${index}.rowid <= ${newest}`, params: [] });
  // The whole query's share, with its tag, size and live filters: how far back the cursors read to fill.
  const arms = TEXT_INDEXES.map((index) => {
    const condition = and([textMatch(spec, index, spec.match), range(index)]);
    return { text: `SELECT ${index}.rowid AS id FROM ${index} WHERE ${condition.text}`, params: condition.params };
  });
  const filters = and([sizeFilters(spec), spec.alive ? ALIVE : NOTHING]);
  const matched: Sql = {
    text: `(SELECT count(*) FROM (${arms.map((a) => a.text).join(" UNION ")}) k${filters.text ? ` JOIN torrents t INDEXED BY ${narrowFor(spec)} ON t.id = k.id WHERE ${filters.text}` : ""})`,
    params: [...arms.flatMap((a) => a.params), ...filters.params],
  };
  const columns = probes.flatMap((probe, i): Sql[] =>
    cached[i] ? [] : TEXT_INDEXES.map((index) => ({
      text: `(SELECT count(*) FROM ${index} WHERE ${index} MATCH ? AND ${range(index).text}) AS ${index === "torrents_fts" ? "n" : "d"}${i}`,
      params: [probe.match],
    })),
  );
  const sql = `WITH top AS (SELECT coalesce(${ID_PARAM}, (SELECT max(id) FROM torrents), 0) AS m)
    SELECT ${newest} AS max_id, ${matched.text} AS matched${columns.map((c) => `, ${c.text}`).join("")}`;
  const params = [maxId, ...matched.params, ...columns.flatMap((c) => c.params)];
  let result: D1Result<Record<string, number>>;
  try {
    result = await db.prepare(sql).bind(...params).all<Record<string, number>>();
  } catch (error) {
    if (/fts5|MATCH/i.test(String(error))) throw new SearchRefusedError(error);
    throw error;
  }
  const row = result.results[0]!;
  // A directory smaller than the probe: its shares are of the entries it has.
  const entries = Math.max(1, Math.min(probed, Number(row.max_id)));
  const counts = probes.map((probe, i): ProbeCounts => {
    const kept = cached[i];
    // A kept probe of another window size, scaled to this one.
    if (kept) return { names: (kept.counts.names * entries) / kept.probed, descriptions: (kept.counts.descriptions * entries) / kept.probed };
    const fresh = { names: Number(row[`n${i}`]), descriptions: Number(row[`d${i}`]) };
    options.cache?.set(probe.match, { counts: fresh, probed: entries }, now);
    return fresh;
  });
  return { maxId: Number(row.max_id), probed: entries, counts, matched: Number(row.matched), dbMs: result.meta.duration };
}

/**
 * A bound parameter as an integer. D1 (and node:sqlite) bind a JavaScript number as REAL, and FTS5 ignores a
 * rowid bound that is not an INTEGER: the cursor then reads the whole index and filters, never seeking to the
 * range (measured at 1M entries: a narrowed search of 8 common description words, 90 ms bound as REAL, 23 ms
 * as INTEGER).
 */
const ID_PARAM = "CAST(? AS INTEGER)";

/** The ids a search covers: up to the pin (maxId) and, when narrowed, from fromId. */
function pin(spec: SearchSpec, idSql: string): Sql {
  return and([
    spec.maxId === null ? NOTHING : { text: `${idSql} <= ${ID_PARAM}`, params: [spec.maxId] },
    spec.fromId == null ? NOTHING : { text: `${idSql} >= ${ID_PARAM}`, params: [spec.fromId] },
  ]);
}

function sizeFilters(spec: Pick<SearchSpec, "minSize" | "maxSize">): Sql {
  const parts: Sql[] = [];
  if (spec.minSize !== undefined) parts.push({ text: "t.size >= ?", params: [spec.minSize] });
  if (spec.maxSize !== undefined) parts.push({ text: "t.size <= ?", params: [spec.maxSize] });
  return and(parts);
}

/** Keyset condition `(key, id) > / < (?, ?)`, or on the id alone. */
function keyset(spec: SearchSpec, keySql: string | null, idSql: string): Sql {
  if (!spec.after) return NOTHING;
  const cmp = spec.order === "asc" ? ">" : "<";
  if (keySql === null) return { text: `${idSql} ${cmp} ${ID_PARAM}`, params: [spec.after.id] };
  return { text: `(${keySql}, ${idSql}) ${cmp} (?, ?)`, params: [spec.after.key, spec.after.id] };
}

/** No text query: ordered straight off an index of torrents; relevance is the seeder boost (seeders order). */
function listingSql(spec: SearchSpec): Sql {
  const dir = spec.order === "asc" ? "ASC" : "DESC";
  const keySql = spec.sort === "added" ? null : spec.sort === "size" ? "t.size" : spec.sort === "name" ? "t.name COLLATE NOCASE" : "t.seeders";
  const condition = and([
    pin(spec, "t.id"),
    sizeFilters(spec),
    spec.alive ? ALIVE : NOTHING,
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
 * The text query with the tag filters added as FTS5 terms: FTS5 steps through the first operand of an AND row
 * by row and skips the others ahead to it, so a rare tag costs no more than its own postings.
 */
function facetMatch(spec: Pick<SearchSpec, "tags">, match: string): string {
  const parts = [`(${match})`, ...spec.tags.map(facetTokens.tag).map(facetPhrase)];
  return parts.length === 1 ? match : parts.join(" AND ");
}

/**
 * `text` matched in one index, with the tag filters: FTS5 terms in torrents_fts (facetMatch); torrents_desc_fts
 * has no facets, so there each tag is a probe of torrent_tags' primary key for the candidate `idSql`.
 */
function textMatch(spec: Pick<SearchSpec, "tags">, index: TextIndex, text: string, idSql = `${index}.rowid`): Sql {
  if (index === "torrents_fts") return { text: "torrents_fts MATCH ?", params: [facetMatch(spec, text)] };
  return and([
    ...spec.tags.map((tag) => ({ text: `EXISTS (SELECT 1 FROM torrent_tags WHERE tag = ? AND torrent_id = ${idSql})`, params: [tag] })),
    { text: "torrents_desc_fts MATCH ?", params: [text] },
  ]);
}

function textSql(spec: SearchSpec, match: string): Sql {
  if (spec.sort === "relevance") return relevanceSql(spec, match);
  if (spec.sort !== "added") return fieldSortSql(spec, match, spec.sort);
  // added: FTS5 yields rowids in order, so each index gives at most a page of its newest matches, read off
  // its own postings; the two are merged (an entry matching in both is one hit) and the page's rows read.
  const dir = spec.order === "asc" ? "ASC" : "DESC";
  const filters = and([sizeFilters(spec), spec.alive ? ALIVE : NOTHING]);
  const arms = TEXT_INDEXES.map((index): Sql => {
    const id = `${index}.rowid`;
    const condition = and([textMatch(spec, index, match), pin(spec, id), filters, keyset(spec, null, id)]);
    return {
      text: `SELECT * FROM (${inIdOrder(spec, `SELECT ${id} AS id FROM ${filters.text ? joined(index, narrowFor(spec)) : index} ${where(condition)}`, id, dir, "?")})`,
      params: [...condition.params, spec.limit + 1],
    };
  });
  return {
    text: `SELECT ${HIT_COLUMNS}, NULL AS score, NULL AS sort_key
      FROM (${arms.map((arm) => arm.text).join(" UNION ")}) k JOIN torrents t ON t.id = k.id ORDER BY t.id ${dir} LIMIT ?`,
    params: [...arms.flatMap((arm) => arm.params), spec.limit + 1],
  };
}

/**
 * Matches in seeders, size or name order, by whichever of two plans reads less; the count that picks one stops
 * at the threshold in each index, and the other plan's LIMITs are 0, so SQLite never opens its cursors.
 * - few matches: every match of each index joined to its key (torrents_rank, or the row for names) and
 *   sorted, the two sorted lists merged;
 * - many matches: torrents walked in key order through the sort's index, each looked up in the text indexes
 *   (the description only when the name, paths and tags do not match) until the page is full.
 * Full rows are read for the page alone.
 */
function fieldSortSql(spec: SearchSpec, match: string, sort: keyof typeof FIELD_SORTS): Sql {
  const dir = spec.order === "asc" ? "ASC" : "DESC";
  const { key, index, narrow } = FIELD_SORTS[sort];
  const filters = and([pin(spec, "t.id"), sizeFilters(spec), spec.alive ? ALIVE : NOTHING, keyset(spec, key, "t.id")]);
  const orderBy = `ORDER BY ${key} ${dir}, t.id ${dir}`;
  const cap = Math.max(1, Math.floor(spec.sortAllBelow ?? SORT_ALL_BELOW[sort]));
  const counts = TEXT_INDEXES.map((text): Sql => {
    // Told to sort all (the cost plan bounded the matches): nothing to count.
    if (spec.sortAll) return { text: "0", params: [] };
    const condition = and([textMatch(spec, text, match), pin(spec, `${text}.rowid`)]);
    return { text: `(SELECT count(*) FROM (SELECT 1 FROM ${text} ${where(condition)} LIMIT ${cap}))`, params: condition.params };
  });
  const few = TEXT_INDEXES.map((text): Sql => {
    // The window on the index's own rowid as well: FTS5 seeks to it rather than filtering every match.
    const condition = and([textMatch(spec, text, match), pin(spec, `${text}.rowid`), filters]);
    return {
      text: `SELECT * FROM (SELECT t.id AS id FROM ${joined(text, narrow ? narrowFor(spec) : "row")} ${where(condition)} ${orderBy}
          LIMIT CASE WHEN (SELECT n FROM counted) < ${cap} THEN ? ELSE 0 END)`,
      params: [...condition.params, spec.limit + 1],
    };
  });
  const found = TEXT_INDEXES.map((text): Sql => {
    const condition = textMatch(spec, text, match, "t.id");
    return { text: `EXISTS (SELECT 1 FROM ${text} WHERE ${condition.text} AND ${text}.rowid = t.id)`, params: condition.params };
  });
  const many = and([filters, { text: `(${found.map((f) => f.text).join(" OR ")})`, params: found.flatMap((f) => f.params) }]);
  const column = key.replace(" COLLATE NOCASE", "");
  return {
    text: `WITH counted AS MATERIALIZED (
        SELECT ${counts.map((c) => c.text).join(" + ")} AS n
      ), page AS (
        ${few.map((f) => f.text).join("\n        UNION ")}
        UNION
        SELECT * FROM (SELECT t.id AS id FROM torrents t INDEXED BY ${index} ${where(many)} ${orderBy}
          LIMIT CASE WHEN (SELECT n FROM counted) >= ${cap} THEN ? ELSE 0 END)
      )
      -- CROSS JOIN: the page drives the join. Left to itself SQLite (3.4x, as in D1) walks all of torrents in
      -- the sort's index to skip sorting the page, a scan of every entry for a page of 20.
      SELECT ${HIT_COLUMNS}, NULL AS score, ${column} AS sort_key FROM page k CROSS JOIN torrents t ON t.id = k.id
      ${orderBy} LIMIT ?`,
    params: [...counts.flatMap((c) => c.params), ...few.flatMap((f) => f.params), ...many.params, spec.limit + 1, spec.limit + 1],
  };
}

/**
 * Relevance: bm25 × seeder boost over the pool (RELEVANCE_POOL): the newest N matches and the newest M live
 * ones in names, paths and tags, and the newest N description matches not already in that pool, scored by the
 * description's weighted bm25 (below a name match). FTS5's bm25() counts every match of every phrase of its
 * MATCH for the idf, once per cursor, so exactly one cursor per index scores, it matches the included terms
 * alone (rankMatch: facet phrases and exclusions weigh 0 but would still be counted), and it reads only the
 * rowid range its candidates span. Cursors that do not score pick the pool.
 * Keyset pages anchor on the last hit's score as it is *now* (bm25 rescales when entries are added).
 */
function relevanceSql(spec: SearchSpec, match: string): Sql {
  const dir = spec.order === "asc" ? "ASC" : "DESC";
  const filters = and([sizeFilters(spec), spec.alive ? ALIVE : NOTHING]);
  const rankMatch = spec.rankMatch ?? match;
  const nameId = "torrents_fts.rowid";
  const descId = "torrents_desc_fts.rowid";
  const newestCondition = and([textMatch(spec, "torrents_fts", match), pin(spec, nameId), filters]);
  const liveCondition = and([textMatch(spec, "torrents_fts", match), pin(spec, nameId), sizeFilters(spec), ALIVE]);
  const descCondition = and([textMatch(spec, "torrents_desc_fts", match), pin(spec, descId), filters]);
  const from = (index: TextIndex) => (filters.text ? joined(index, narrowFor(spec)) : index);
  const score = `(-p.b * ${boostSql("r.seeders")})`;
  let after: Sql = NOTHING;
  if (spec.after) {
    const cmp = dir === "ASC" ? ">" : "<";
    after = {
      text: `WHERE (${score}, p.id) ${cmp} (coalesce((SELECT -a.b * ${boostSql("ar.seeders")} FROM pool a JOIN torrents ar INDEXED BY torrents_rank ON ar.id = a.id WHERE a.id = ?), ?), ?)`,
      params: [spec.after.id, spec.after.key, spec.after.id],
    };
  }
  return {
    text: `WITH newest AS (
        ${inIdOrder(spec, `SELECT ${nameId} AS id FROM ${from("torrents_fts")} ${where(newestCondition)}`, nameId, "DESC", String(RELEVANCE_POOL.newest))}
      ), live AS (
        -- fewer than N newest means every match is already a candidate: LIMIT 0, this cursor is not read
        ${inIdOrder(spec, `SELECT ${nameId} AS id FROM ${joined("torrents_fts", "torrents_live")} ${where(liveCondition)}`, nameId, "DESC", `CASE WHEN (SELECT count(*) FROM newest) >= ${RELEVANCE_POOL.newest} THEN ${RELEVANCE_POOL.live} ELSE 0 END`)}
      ), candidates AS (
        SELECT id FROM newest UNION SELECT id FROM live
      ), name_pool AS MATERIALIZED (
        -- One range scan from the oldest candidate; "+rowid" keeps the IN a filter on that scan, never a
        -- rowid lookup per candidate (each lookup would recount the idf).
        SELECT ${nameId} AS id, ${bm25Sql("torrents_fts")} AS b FROM torrents_fts
        WHERE torrents_fts MATCH ? AND ${nameId} >= coalesce((SELECT min(id) FROM candidates), ${NO_ROWID}) AND +${nameId} IN (SELECT id FROM candidates)
      ), desc_newest AS (
        ${inIdOrder(spec, `SELECT ${descId} AS id FROM ${from("torrents_desc_fts")} ${where(descCondition)}`, descId, "DESC", String(RELEVANCE_POOL.newest))}
      ), desc_pool AS MATERIALIZED (
        -- the same single range scan, in the description index, for the matches the name pool lacks
        SELECT ${descId} AS id, ${descriptionBm25Sql("torrents_desc_fts")} AS b FROM torrents_desc_fts
        WHERE torrents_desc_fts MATCH ? AND ${descId} >= coalesce((SELECT min(id) FROM desc_newest), ${NO_ROWID}) AND +${descId} IN (SELECT id FROM desc_newest)
          AND ${descId} NOT IN (SELECT id FROM name_pool)
      ), pool AS (
        SELECT id, b FROM name_pool UNION ALL SELECT id, b FROM desc_pool
      ), ranked AS (
        -- scored off the narrow torrents_rank index; full rows are read for the page alone
        SELECT p.id, ${score} AS score FROM pool p JOIN torrents r INDEXED BY torrents_rank ON r.id = p.id
        ${after.text}
        ORDER BY score ${dir}, p.id ${dir} LIMIT ?
      )
      SELECT ${HIT_COLUMNS}, k.score AS score, k.score AS sort_key
      FROM ranked k JOIN torrents t ON t.id = k.id
      ORDER BY k.score ${dir}, k.id ${dir}`,
    params: [
      ...newestCondition.params,
      ...liveCondition.params,
      rankMatch,
      ...descCondition.params,
      rankMatch,
      ...after.params,
      spec.limit + 1,
    ],
  };
}
