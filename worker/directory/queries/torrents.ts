// The directory's other D1 queries: publish, details, .torrent bytes, delete, patch, stats.
// Layer: adapter (functions of D1Database, tested apart from routes). Every write that touches more than
// one row is one db.batch(), which D1 runs as a transaction: a publish lands whole or not at all.
import type { PublishEntry, StatsResponse, TorrentDetails, TorrentSummary } from "../../../protocol/directory";
import { SUMMARY_COLUMNS, toSummary, type Links, type TorrentRow } from "./rows";

type PublishedRow = TorrentRow & { created: number };

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
 * (idempotent), with one exception: a verified .torrent replaces an entry published as JSON metadata, which
 * nothing verified (so squatting a hash with a misleading name lasts until someone publishes the real
 * .torrent; the squatter's token then owns nothing). The rest are stored with `tokenHash` as their
 * publisher. Returns every entry's row, `created` = 1 for those this call stored, in the order given. Rows
 * this call writes are told apart by `tokenHash`, which is unique per publish, so a concurrent publish of the
 * same hash never gets a second set of files.
 */
export async function publishTorrents(
  db: D1Database,
  entries: PublishEntry[],
  tokenHash: string,
  now: number,
  links: Links,
): Promise<{ entries: (TorrentSummary & { created: boolean })[]; /** time D1 spent, ms */ dbMs: number }> {
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
  const verified = entries.filter((e) => e.torrentFile).map((e) => e.infoHash);
  if (verified.length > 0) {
    // Files, tags and the index entry follow the row (ON DELETE CASCADE, torrents_fts_delete).
    statements.push(
      db
        .prepare(
          `DELETE FROM torrents WHERE info_hash IN (SELECT value FROM json_each(?1))
             AND NOT EXISTS (SELECT 1 FROM torrent_files tf WHERE tf.torrent_id = torrents.id)`,
        )
        .bind(JSON.stringify(verified)),
    );
  }
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
  return {
    entries: results[results.length - 1]!.results.map((row) => ({ ...toSummary(row, links), created: row.created === 1 })),
    dbMs: results.reduce((sum, r) => sum + (r.meta.duration ?? 0), 0),
  };
}


async function summaryRow(db: D1Database, infoHash: string): Promise<TorrentRow | null> {
  return db.prepare(`SELECT ${SUMMARY_COLUMNS} FROM torrents t WHERE t.info_hash = ?1`).bind(infoHash).first<TorrentRow>();
}

/** A listed torrent as the API shows it (without its files), or null. */
export async function torrentSummary(db: D1Database, infoHash: string, links: Links): Promise<TorrentSummary | null> {
  const row = await summaryRow(db, infoHash);
  return row ? toSummary(row, links) : null;
}

/** A listed torrent with its files, or null. */
export async function torrentDetails(db: D1Database, infoHash: string, links: Links): Promise<TorrentDetails | null> {
  const row = await summaryRow(db, infoHash);
  if (!row) return null;
  const { results: files } = await db
    .prepare(`SELECT path, length FROM files WHERE torrent_id = ?1 ORDER BY idx`)
    .bind(row.id)
    .all<{ path: string; length: number }>();
  return { ...toSummary(row, links), files };
}

/** The SHA-256 of the token that published an entry, or null when nothing is listed under the hash. */
export async function publisherTokenHash(db: D1Database, infoHash: string): Promise<string | null> {
  const row = await db.prepare(`SELECT publisher_token_hash FROM torrents WHERE info_hash = ?1`).bind(infoHash).first<{ publisher_token_hash: string }>();
  return row?.publisher_token_hash ?? null;
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
      // One rewrite of the index row (FTS5 rewrites a row whole): the tag words and the tag facets together.
      db
        .prepare(
          `UPDATE torrents_fts SET tags = ?3, facets = (SELECT f.facets FROM torrent_facets f WHERE f.id = torrents_fts.rowid)
           WHERE rowid IN (${owned})`,
        )
        .bind(infoHash, tokenHash, patch.tags.join(" ")),
    );
  }
  const results = await db.batch(statements);
  return (results[0]?.meta.changes ?? 0) > 0;
}

export async function directoryStats(db: D1Database): Promise<StatsResponse> {
  const row = await db
    .prepare(
      `SELECT (SELECT value FROM directory_counters WHERE name = 'torrents') AS torrents,
         count(*) AS live_swarms, coalesce(sum(complete + incomplete), 0) AS peers,
         coalesce(sum(complete), 0) AS seeders, coalesce(sum(incomplete), 0) AS leechers
       FROM swarm_stats WHERE complete + incomplete > 0`,
    )
    .first<StatsResponse>();
  return row ?? { torrents: 0, live_swarms: 0, peers: 0, seeders: 0, leechers: 0 };
}
