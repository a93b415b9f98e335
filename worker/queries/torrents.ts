// D1 queries of the directory: publish, search, details, delete, patch, stats (issue 3).
// Layer: adapters (functions of D1Database, tested apart from routes). Every write that touches more than
// one row is one db.batch(), which D1 runs as a transaction: a publish lands whole or not at all.
import type { PublishEntry, SearchSort } from "../../protocol/directory";
import { MAX_SEEDER_BUCKET, facetPhrase, facetTokens, seederBucket } from "../directory/facets";
import { RELEVANCE_POOL, bm25Sql, boostSql } from "../directory/ranking";

/** The columns every listing shows. `tags` is the JSON array text. */
export type TorrentRow = {
  id: number;
  info_hash: string;
  name: string;
  size: number;
  piece_length: number | null;
  file_count: number;
  added_at: number;
  tags: string;
  description: string | null;
  seeders: number;
  leechers: number;
  completed: number;
  has_torrent_file: number;
};

export type PublishedRow = TorrentRow & { created: number };

const SUMMARY_COLUMNS = `t.id, t.info_hash, t.name, t.size, t.piece_length, t.file_count, t.added_at, t.tags, t.description,
  t.seeders, t.leechers, t.completed, EXISTS (SELECT 1 FROM torrent_files tf WHERE tf.torrent_id = t.id) AS has_torrent_file`;

/** D1 keeps a bound string under 2 MB; JSON payloads are cut into chunks well below that. */
const CHUNK_CHARS = 512 * 1024;

function chunkJson<T>(rows: T[]): string[] {
  const chunks: string[] = [];
  let current: string[] = [];
  let chars = 2;
  for (const row of rows) {
    const json = JSON.stringify(row);
    if (current.length > 0 && chars + json.length + 1 > CHUNK_CHARS) {
      chunks.push(`[${current.join(",")}]`);
      current = [];
      chars = 2;
    }
    current.push(json);
    chars += json.length + 1;
  }
  if (current.length > 0) chunks.push(`[${current.join(",")}]`);
  return chunks;
}

/** Text the full-text index holds for a torrent's files and tags (paths one per line). */
export function ftsPaths(files: { path: string }[]): string {
  return files.map((file) => file.path).join("\n");
}

/**
 * Publishes entries in one transaction. Entries whose info hash is already listed are left as they are
 * (idempotent); the rest are stored with `tokenHash` as their publisher. Returns every entry's row,
 * `created` = 1 for those this call stored, in the order given. Rows this call writes are told apart by `tokenHash`, which is
 * unique per publish, so a concurrent publish of the same hash never gets a second set of files.
 */
export async function publishTorrents(
  db: D1Database,
  entries: PublishEntry[],
  tokenHash: string,
  now: number,
): Promise<{ rows: PublishedRow[]; /** time D1 spent, ms */ dbMs: number }> {
  const torrents = entries.map((e) => ({
    h: e.infoHash,
    n: e.name,
    s: e.size,
    p: e.pieceLength,
    c: e.files.length,
    t: JSON.stringify(e.tags),
    d: e.description,
  }));
  const files = entries.flatMap((e) => e.files.map((f, i) => [e.infoHash, i, f.path, f.length] as const));
  const tags = entries.flatMap((e) => e.tags.map((tag) => [e.infoHash, tag] as const));
  const fts = entries.map((e) => [e.infoHash, ftsPaths(e.files), e.tags.join(" ")] as const);

  const statements: D1PreparedStatement[] = [];
  for (const chunk of chunkJson(torrents)) {
    statements.push(
      db
        .prepare(
          `INSERT INTO torrents (info_hash, name, size, piece_length, file_count, added_at, publisher_token_hash, tags, description,
             seeders, leechers, completed)
           SELECT j.value->>'h', j.value->>'n', j.value->>'s', j.value->>'p', j.value->>'c', ?2, ?3, j.value->>'t', j.value->>'d',
             coalesce(s.complete, 0), coalesce(s.incomplete, 0), coalesce(s.downloaded, 0)
           FROM json_each(?1) j LEFT JOIN swarm_stats s ON s.info_hash = j.value->>'h'
           WHERE true
           ORDER BY j.key
           ON CONFLICT (info_hash) DO NOTHING`,
        )
        .bind(chunk, now, tokenHash),
    );
  }
  for (const chunk of chunkJson(files)) {
    statements.push(
      db
        .prepare(
          `INSERT INTO files (torrent_id, idx, path, length)
           SELECT t.id, j.value->>1, j.value->>2, j.value->>3
           FROM json_each(?1) j JOIN torrents t ON t.info_hash = j.value->>0
           WHERE t.publisher_token_hash = ?2`,
        )
        .bind(chunk, tokenHash),
    );
  }
  for (const chunk of chunkJson(tags)) {
    statements.push(
      db
        .prepare(
          `INSERT INTO torrent_tags (tag, torrent_id)
           SELECT j.value->>1, t.id FROM json_each(?1) j JOIN torrents t ON t.info_hash = j.value->>0
           WHERE t.publisher_token_hash = ?2`,
        )
        .bind(chunk, tokenHash),
    );
  }
  for (const chunk of chunkJson(fts)) {
    statements.push(
      db
        .prepare(
          `INSERT INTO torrents_fts (rowid, name, paths, tags, facets)
           SELECT t.id, t.name, j.value->>1, j.value->>2, (SELECT f.facets FROM torrent_facets f WHERE f.id = t.id)
           FROM json_each(?1) j JOIN torrents t ON t.info_hash = j.value->>0
           WHERE t.publisher_token_hash = ?2`,
        )
        .bind(chunk, tokenHash),
    );
  }
  for (const entry of entries) {
    if (!entry.torrentFile) continue;
    statements.push(
      db
        .prepare(
          `INSERT INTO torrent_files (torrent_id, data)
           SELECT id, ?2 FROM torrents WHERE info_hash = ?1 AND publisher_token_hash = ?3`,
        )
        .bind(entry.infoHash, entry.torrentFile, tokenHash),
    );
  }
  const hashes = JSON.stringify(entries.map((e) => e.infoHash));
  statements.push(
    db
      .prepare(
        `SELECT ${SUMMARY_COLUMNS}, t.publisher_token_hash = ?2 AS created
         FROM json_each(?1) j JOIN torrents t ON t.info_hash = j.value ORDER BY j.key`,
      )
      .bind(hashes, tokenHash),
  );
  const results = await db.batch<PublishedRow>(statements);
  return { rows: results[results.length - 1]!.results, dbMs: results.reduce((sum, r) => sum + (r.meta.duration ?? 0), 0) };
}

export type SearchSpec = {
  /** A safe FTS5 MATCH expression (worker/directory/query-language.ts), or null for no text filter. */
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

export type SearchRow = Omit<TorrentRow, "piece_length" | "description" | "has_torrent_file"> & {
  /** The relevance score under sort=relevance; null under the other sorts, which order by their field. */
  score: number | null;
  /** The value the page is ordered by (score, seeders, size, name), for the next cursor. */
  sort_key: number | string | null;
};

const HIT_COLUMNS = "t.id, t.info_hash, t.name, t.size, t.file_count, t.added_at, t.tags, t.seeders, t.leechers, t.completed";
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

/**
 * One page of search hits (limit + 1 rows are read to tell whether another page follows), and the newest
 * torrent id the page could see (for the cursor's pin).
 */
export async function searchTorrents(
  db: D1Database,
  spec: SearchSpec,
): Promise<{ rows: SearchRow[]; maxId: number | null; /** time D1 spent on the page query, ms */ dbMs: number }> {
  const page = spec.match === null ? listingSql(spec) : textSql(spec, spec.match);
  const statements = [db.prepare(page.text).bind(...page.params)];
  if (spec.maxId === null) statements.push(db.prepare(`SELECT max(id) AS max_id FROM torrents`));
  // One batch is one transaction: the pin and the page see the same directory.
  const [result, max] = await db.batch<Record<string, unknown>>(statements);
  const rows = result!.results as SearchRow[];
  const maxId = spec.maxId ?? ((max?.results[0]?.max_id as number | null | undefined) ?? null);
  return { rows, maxId, dbMs: result!.meta.duration };
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

function textSql(spec: SearchSpec, match: string): Sql {
  if (spec.sort === "relevance") return relevanceSql(spec, match);
  if (spec.sort === "seeders") return seedersSql(spec, match);
  const dir = spec.order === "asc" ? "ASC" : "DESC";
  // added: FTS5 yields rowids in order, so a page costs its own rows; size and name sort every match.
  const keySql = spec.sort === "added" ? null : spec.sort === "size" ? "t.size" : "t.name COLLATE NOCASE";
  const condition = and([
    { text: "torrents_fts MATCH ?", params: [facetMatch(spec, match)] },
    pin(spec, FTS_ID),
    sizeFilters(spec),
    keyset(spec, keySql, FTS_ID),
  ]);
  const orderBy = keySql === null ? `${FTS_ID} ${dir}` : `${keySql} ${dir}, ${FTS_ID} ${dir}`;
  const keyColumn = keySql === null ? "NULL" : keySql.replace(" COLLATE NOCASE", "");
  return {
    text: `SELECT ${HIT_COLUMNS}, NULL AS score, ${keyColumn} AS sort_key
      FROM ${FTS_FROM} ${where(condition)} ORDER BY ${orderBy} LIMIT ?`,
    params: [...condition.params, spec.limit + 1],
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
  const arms: { match: string; orderBy: string }[] = [];
  for (let b = options.highBucket; b >= options.lowBucket; b--) {
    arms.push({ match: facetMatch(spec, match, { first: facetTokens.seeded(b) }), orderBy: `t.seeders ${options.dir}, ${FTS_ID} ${options.dir}` });
  }
  // No seeders: every key is 0, so FTS5's own rowid order is the order.
  if (options.unseeded) arms.push({ match: facetMatch(spec, match, { last: facetTokens.unseeded }), orderBy: `${FTS_ID} ${options.dir}` });
  if (options.dir === "ASC") arms.reverse();
  const parts = arms.map((arm) => {
    const condition = and([
      { text: "torrents_fts MATCH ?", params: [arm.match] },
      pin(spec, FTS_ID),
      sizeFilters(spec),
      options.keyset,
    ]);
    return { text: `SELECT * FROM (SELECT ${select} FROM ${FTS_RANK_FROM} ${where(condition)} ORDER BY ${arm.orderBy})`, params: condition.params };
  });
  return unionAll(parts);
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
  return {
    text: `WITH page AS (SELECT id, s FROM (${arms.text}) LIMIT ?)
      SELECT ${HIT_COLUMNS}, NULL AS score, t.seeders AS sort_key FROM page k JOIN torrents t ON t.id = k.id
      ORDER BY k.s ${dir}, k.id ${dir}`,
    params: [...arms.params, spec.limit + 1],
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
      ), pool AS MATERIALIZED (
        -- One range scan from the oldest candidate; "+rowid" keeps the IN a filter on that scan, never a
        -- rowid lookup per candidate (each lookup would recount the idf).
        SELECT ${FTS_ID} AS id, ${bm25Sql("torrents_fts")} AS b FROM torrents_fts
        WHERE torrents_fts MATCH ? AND ${FTS_ID} >= (SELECT min(id) FROM candidates) AND +${FTS_ID} IN (SELECT id FROM candidates)
      ), ranked AS (
        -- scored off the narrow torrents_rank index; full rows are read for the page alone
        SELECT p.id, ${score} AS score FROM pool p JOIN torrents r INDEXED BY torrents_rank ON r.id = p.id
        ${after.text}
        ORDER BY score ${dir}, p.id ${dir} LIMIT ?
      )
      SELECT ${HIT_COLUMNS}, k.score AS score, k.score AS sort_key
      FROM ranked k JOIN torrents t ON t.id = k.id
      ORDER BY k.score ${dir}, k.id ${dir}`,
    params: [...newestCondition.params, ...liveCondition.params, match, ...after.params, spec.limit + 1],
  };
}

export async function getTorrent(db: D1Database, infoHash: string): Promise<(TorrentRow & { publisher_token_hash: string }) | null> {
  return db
    .prepare(`SELECT ${SUMMARY_COLUMNS}, t.publisher_token_hash FROM torrents t WHERE t.info_hash = ?1`)
    .bind(infoHash)
    .first<TorrentRow & { publisher_token_hash: string }>();
}

export async function getTorrentFiles(db: D1Database, torrentId: number): Promise<{ path: string; length: number }[]> {
  const { results } = await db
    .prepare(`SELECT path, length FROM files WHERE torrent_id = ?1 ORDER BY idx`)
    .bind(torrentId)
    .all<{ path: string; length: number }>();
  return results;
}

/** The published .torrent bytes, or null when the entry came as JSON metadata (or does not exist). */
export async function getTorrentFileBytes(db: D1Database, infoHash: string): Promise<{ name: string; data: Uint8Array } | null> {
  const row = await db
    .prepare(`SELECT t.name, tf.data FROM torrents t JOIN torrent_files tf ON tf.torrent_id = t.id WHERE t.info_hash = ?1`)
    .bind(infoHash)
    .first<{ name: string; data: ArrayBuffer | number[] }>();
  if (!row) return null;
  return { name: row.name, data: new Uint8Array(row.data) };
}

/** Deletes an entry whose publisher token hash matches; true when a row went. Files, tags and index follow. */
export async function deleteTorrent(db: D1Database, infoHash: string, tokenHash: string): Promise<boolean> {
  const result = await db
    .prepare(`DELETE FROM torrents WHERE info_hash = ?1 AND publisher_token_hash = ?2`)
    .bind(infoHash, tokenHash)
    .run();
  return result.meta.changes > 0;
}

/** Changes tags and/or description of an entry whose publisher token hash matches; false when none did. */
export async function patchTorrent(
  db: D1Database,
  infoHash: string,
  tokenHash: string,
  patch: { tags?: string[]; description?: string | null },
): Promise<boolean> {
  const owned = `SELECT id FROM torrents WHERE info_hash = ?1 AND publisher_token_hash = ?2`;
  const statements: D1PreparedStatement[] = [];
  if (patch.description !== undefined) {
    statements.push(
      db
        .prepare(`UPDATE torrents SET description = ?3 WHERE info_hash = ?1 AND publisher_token_hash = ?2`)
        .bind(infoHash, tokenHash, patch.description || null),
    );
  }
  if (patch.tags !== undefined) {
    const tags = JSON.stringify(patch.tags);
    statements.push(
      db.prepare(`UPDATE torrents SET tags = ?3 WHERE info_hash = ?1 AND publisher_token_hash = ?2`).bind(infoHash, tokenHash, tags),
      db.prepare(`DELETE FROM torrent_tags WHERE torrent_id IN (${owned})`).bind(infoHash, tokenHash),
      db
        .prepare(`INSERT INTO torrent_tags (tag, torrent_id) SELECT j.value, (${owned}) FROM json_each(?3) j WHERE (${owned}) IS NOT NULL`)
        .bind(infoHash, tokenHash, tags),
      db.prepare(`UPDATE torrents_fts SET tags = ?3 WHERE rowid IN (${owned})`).bind(infoHash, tokenHash, patch.tags.join(" ")),
    );
  }
  const results = await db.batch(statements);
  return (results[0]?.meta.changes ?? 0) > 0;
}

export type DirectoryStats = { torrents: number; live_swarms: number; peers: number; seeders: number; leechers: number };

export async function directoryStats(db: D1Database): Promise<DirectoryStats> {
  const row = await db
    .prepare(
      `SELECT (SELECT value FROM directory_counters WHERE name = 'torrents') AS torrents,
         count(*) AS live_swarms, coalesce(sum(complete + incomplete), 0) AS peers,
         coalesce(sum(complete), 0) AS seeders, coalesce(sum(incomplete), 0) AS leechers
       FROM swarm_stats WHERE complete + incomplete > 0`,
    )
    .first<DirectoryStats>();
  return row ?? { torrents: 0, live_swarms: 0, peers: 0, seeders: 0, leechers: 0 };
}
